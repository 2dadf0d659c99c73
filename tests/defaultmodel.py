"""Facts of the embedded default model read from its manifest, so tests follow a rebuilt model."""

from __future__ import annotations

import json
from pathlib import Path

MANIFEST = Path(__file__).resolve().parents[1] / "models" / "clothing" / "model.json"


def default_version() -> str:
    """The manifest ``version`` of ``models/clothing/`` (the v2 protocol's model version)."""
    version = json.loads(MANIFEST.read_text(encoding="utf-8"))["version"]
    assert isinstance(version, str)
    return version
