"""Reproducible build of the embedded clothing classifier (``python -m models.build``)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = REPO_ROOT / "models" / "clothing"
CACHE_DIR = REPO_ROOT / "build" / "model-cache"

LABELS: tuple[str, ...] = (
    "dress",
    "hat",
    "longsleeve",
    "outwear",
    "pants",
    "shirt",
    "shoes",
    "shorts",
    "skirt",
    "t-shirt",
)


class MissingInputError(Exception):
    """A required input file or folder of the build is absent."""


def shared_dir() -> Path:
    """The read-only shared folder: ``$SHARED_DIR`` or ``../shared`` next to the repo."""
    env = os.environ.get("SHARED_DIR")
    return Path(env) if env else REPO_ROOT.parent / "shared"


def require(path: Path) -> Path:
    """Return ``path`` if it exists, else raise :class:`MissingInputError` naming it."""
    if not path.exists():
        raise MissingInputError(f"missing build input: {path} (set SHARED_DIR to override)")
    return path
