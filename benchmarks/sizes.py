"""Installed size of each deployable runtime, the model excluded.

* ours: what ``make bundle-aws`` ships, built afresh into build/bench/aws_lambda.zip on every
  run (a zip left over from older code would measure the wrong thing), unzipped, minus
  ``*.tflite``; when the build fails, the runtime dependencies of pyproject.toml installed with
  ``pip install --target build/bench/bundle-ours`` plus the code (core/, aws_lambda/);
* reference: tflite-runtime + numpy<2 + Pillow + keras-image-helper, and what they require, as
  installed in build/venv-reference;
* tensorflow: the ``tensorflow`` distribution and everything it requires, as installed in .venv.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement

from benchmarks.common import OUT, REF_VENV, ROOT

MB = 1e6
OURS_TARGET = OUT / "bundle-ours"
OWN_ZIP = OUT / "aws_lambda.zip"  # `make bundle-aws AWS_BUNDLE=...`, rebuilt every run


def tree_size(path: Path, skip_suffix: str = ".tflite") -> int:
    """Bytes of every file under ``path`` (files ending in ``skip_suffix`` excluded)."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*")
               if p.is_file() and not p.name.endswith(skip_suffix))


def closure_size(roots: list[str], site: Path) -> tuple[int, list[str]]:
    """Bytes of the installed distributions ``roots`` and their requirements, in ``site``."""
    seen: dict[str, int] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        dists = list(metadata.distributions(name=name, path=[str(site)]))
        if not dists:
            seen[key] = 0
            continue
        dist = dists[0]
        seen[key] = sum(Path(str(dist.locate_file(f))).stat().st_size
                        for f in dist.files or [] if Path(str(dist.locate_file(f))).is_file())
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return sum(seen.values()), sorted(k for k, v in seen.items() if v)


def runtime_requirements() -> list[str]:
    """The ``dependencies`` of pyproject.toml."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    deps: list[str] = data["project"]["dependencies"]
    return deps


def zip_size(path: Path) -> int:
    """Unzipped bytes of a bundle, ``*.tflite`` excluded."""
    with zipfile.ZipFile(path) as bundle:
        return sum(i.file_size for i in bundle.infolist() if not i.filename.endswith(".tflite"))


def build_zip() -> Path | None:
    """``make bundle-aws`` into build/bench/, from the current code (None when that fails)."""
    OWN_ZIP.unlink(missing_ok=True)
    if (ROOT / "scripts" / "bundle_aws.py").is_file():
        subprocess.run(["make", "--no-print-directory", "bundle-aws",
                        f"AWS_BUNDLE={OWN_ZIP.relative_to(ROOT)}"], cwd=ROOT, check=False,
                       stdout=subprocess.DEVNULL)
    return OWN_ZIP if OWN_ZIP.is_file() else None


def ours() -> dict[str, Any]:
    """Our bundle's bytes without the model."""
    path = build_zip()
    if path is not None:
        return {"bytes": zip_size(path), "source": f"`make bundle-aws` "
                f"({path.relative_to(ROOT)}, built by this run) unzipped, *.tflite excluded"}
    if not OURS_TARGET.is_dir():
        subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                        "--disable-pip-version-check", "--no-compile", "--target",
                        str(OURS_TARGET), *runtime_requirements()], check=True)
    code = sum(tree_size(ROOT / d) for d in ("core", "aws_lambda") if (ROOT / d).exists())
    return {"bytes": tree_size(OURS_TARGET) + code,
            "source": "pip install --target build/bench/bundle-ours (pyproject "
                      "dependencies) + core/ + aws_lambda/ (`make bundle-aws` failed)"}


def site_packages(venv: Path) -> Path:
    """The site-packages folder of a virtual environment."""
    found = sorted(venv.glob("lib/python3*/site-packages"))
    if not found:
        raise SystemExit(f"no site-packages under {venv}")
    return found[0]


def measure() -> dict[str, Any]:
    """Sizes in MB with what each contains."""
    result: dict[str, Any] = {"ours": ours()}
    ref_bytes, ref_dists = closure_size(
        ["tflite-runtime", "numpy", "pillow", "keras-image-helper"], site_packages(REF_VENV))
    result["reference"] = {"bytes": ref_bytes, "source": "build/venv-reference: "
                           + ", ".join(ref_dists)}
    tf_bytes, tf_dists = closure_size(["tensorflow"], site_packages(Path(sys.prefix)))
    result["tensorflow"] = {"bytes": tf_bytes, "source": f".venv: {len(tf_dists)} "
                            "distributions (tensorflow and its requirements)"}
    for row in result.values():
        row["mb"] = round(row["bytes"] / MB, 1)
    return result


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=2))
