"""The running environment's runtime set, for ``bundle_aws.py --source local``: the installed
distributions a requirements file names and everything they require, copied with their
dist-info into the bundle (for this machine's Python and architecture, offline)."""

from __future__ import annotations

import re
import shutil
from importlib import metadata
from pathlib import Path

# bytecode caches are left out: the bundle is compiled for its own Python
_SKIP = re.compile(r"(^|/)(__pycache__)(/|$)|\.pyc$")


def requirement_names(path: Path) -> list[str]:
    """The distribution names in a requirements file."""
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(re.split(r"[\s<>=!~;\[]", line, maxsplit=1)[0])
    return names


def runtime_distributions(names: list[str]) -> list[metadata.Distribution]:
    """The installed distributions of ``names`` and everything they require (no extras)."""
    from packaging.requirements import Requirement  # pytest's dependency; only for --source local

    found: dict[str, metadata.Distribution] = {}
    todo = list(names)
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in found:
            continue
        dist = metadata.distribution(name)
        found[name] = dist
        for text in dist.requires or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return list(found.values())


def copy_installed(target: Path, requirements: Path) -> None:
    """Copy the running environment's runtime set (files and dist-info) into ``target``."""
    for dist in runtime_distributions(requirement_names(requirements)):
        for file in dist.files or []:
            relative = Path(str(file))
            if relative.parts[:1] == ("..",) or _SKIP.search(relative.as_posix()):
                continue  # console scripts outside site-packages, bytecode caches
            source = Path(str(dist.locate_file(file)))
            if source.is_file():
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / relative)
