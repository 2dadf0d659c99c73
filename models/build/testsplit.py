"""``python -m models.build.testsplit``: the dataset's own test split, pinned and verified.

clothing-dataset-small has a third split, ``test/`` (372 photos), that the shared copy leaves
out and that nothing in the build trains or fits on: with validation it gives 713 labelled
photos the model never saw, enough to measure a calibration error near 0.03 (validation alone,
341 photos, reads anything from 0.018 to 0.041 for exactly right scores). This module fetches
that split at the pinned commit into build/data/ (never committed) and checks it by the git
tree hash of ``test/`` at that commit, computed here from the files themselves, so a copy
from anywhere (a clone, an archive, ``$SHARED_DIR``) is accepted only if it is that split
byte for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from models.build import REPO_ROOT, MissingInputError, shared_dir

REPOSITORY = "https://github.com/alexeygrigorev/clothing-dataset-small.git"
COMMIT = "11961516512414bf9f6c150a832cfd21b54a6b54"
# ``git rev-parse 11961516512414bf9f6c150a832cfd21b54a6b54:test`` in that repository.
TREE = "4244b1e77de7016ecac9b89f87c993381f0a448d"
SPLIT = "test"
DATA_DIR = REPO_ROOT / "build" / "data" / "clothing-dataset-small"


def _object(kind: str, body: bytes) -> bytes:
    return hashlib.sha1(f"{kind} {len(body)}\0".encode() + body, usedforsecurity=False).digest()


def tree_hash(folder: Path) -> str:
    """The git tree hash of ``folder`` (regular files as mode 100644, as the dataset stores
    them; folders as trees), what ``git rev-parse <commit>:<folder>`` prints for a commit
    holding exactly these files."""
    def digest(path: Path) -> bytes:
        entries = []
        for child in path.iterdir():
            if child.is_dir():
                entries.append((child.name + "/", b"40000 " + child.name.encode(), digest(child)))
            else:
                entries.append((child.name, b"100644 " + child.name.encode(),
                                _object("blob", child.read_bytes())))
        body = b"".join(head + b"\0" + sha for _, head, sha in sorted(entries))
        return _object("tree", body)

    return digest(folder).hex()


def verified(root: Path, tree: str = TREE) -> bool:
    """Whether ``root/test`` exists and is the pinned split, byte for byte."""
    folder = root / SPLIT
    return folder.is_dir() and tree_hash(folder) == tree


def overlap(root: Path, others: tuple[Path, ...]) -> list[str]:
    """The files of ``root/test`` that share a name or their bytes with any file under
    ``others`` (the splits the model was trained or fitted on): empty for a clean test split."""
    def files(folder: Path) -> list[Path]:
        return sorted(p for p in folder.rglob("*") if p.is_file())

    seen_names: set[str] = set()
    seen_bytes: set[bytes] = set()
    for folder in others:
        for path in files(folder):
            seen_names.add(path.name)
            seen_bytes.add(hashlib.sha256(path.read_bytes()).digest())
    return [str(p.relative_to(root)) for p in files(root / SPLIT)
            if p.name in seen_names or hashlib.sha256(p.read_bytes()).digest() in seen_bytes]


def locate(roots: tuple[Path, ...] | None = None, tree: str = TREE) -> Path:
    """The first dataset folder whose ``test/`` is the pinned split: ``$SHARED_DIR``'s copy,
    then build/data/. Raises :class:`MissingInputError` saying how to fetch it."""
    candidates = roots or (shared_dir() / "data" / "clothing-dataset-small", DATA_DIR)
    for root in candidates:
        if verified(root, tree):
            return root
    raise MissingInputError(
        f"missing build input: the dataset's test split ({SPLIT}/ at commit {COMMIT[:12]}) in "
        f"any of {', '.join(str(r) for r in candidates)}; fetch it with "
        "`python -m models.build.testsplit` (or `make model-test-split`)")


def _git(*args: str, cwd: Path) -> bytes:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    if result.returncode:
        raise MissingInputError(f"git {' '.join(args)} failed: "
                                f"{result.stderr.decode(errors='replace').strip()}")
    return result.stdout


def fetch(source: str, out: Path = DATA_DIR, commit: str = COMMIT, tree: str = TREE) -> Path:
    """Fetch ``commit``'s ``test/`` from ``source`` (a git URL or a local repository) into
    ``out/test``, replacing what is there, and check it against ``tree``."""
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        _git("init", "-q", cwd=work)
        _git("fetch", "-q", "--depth", "1", source, commit, cwd=work)
        archive = _git("archive", "--format=tar", "FETCH_HEAD", SPLIT, cwd=work)
        staged = work / "out"
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(staged, filter="data")
        if tree_hash(staged / SPLIT) != tree:
            raise MissingInputError(f"{source} at {commit} does not hold the pinned test split")
        out.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(out / SPLIT, ignore_errors=True)
        shutil.move(staged / SPLIT, out / SPLIT)
    return out


def main() -> int:
    """Fetch the pinned test split unless a verified copy is already there."""
    parser = argparse.ArgumentParser(prog="python -m models.build.testsplit")
    parser.add_argument("--source", default=REPOSITORY,
                        help="git URL or local repository holding the pinned commit")
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    args = parser.parse_args()
    if verified(args.out, TREE):
        print(f"{args.out / SPLIT}: already the pinned split")
        return 0
    try:
        fetch(args.source, args.out, COMMIT, TREE)
    except MissingInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{args.out / SPLIT}: fetched and verified (tree {TREE[:12]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
