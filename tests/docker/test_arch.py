"""Each image holds shared libraries of its own architecture only (ELF headers).

The arm64 image is built on this x86_64 machine: its build stage runs natively (pip fetches
aarch64 wheels), its final stage only copies into the arm64 stand-in base, so no emulator is
needed, and none is registered here (checked below). A wrong-architecture wheel, or a stage
that ran on the wrong platform, shows up as an ELF file of the other machine and fails this.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pytest

from tests.docker.engine import task_root

ELF_MACHINES = {0x3E: "x86_64", 0xB7: "aarch64"}
EXPECTED = {"x86_64": "x86_64", "arm64": "aarch64"}


def task_root_elves(image: str) -> dict[str, str]:
    """{path: ELF machine} for every ELF file under /var/task (read, never run)."""
    machines: dict[str, str] = {}
    with task_root(image) as tar:
        for member in tar:
            handle = tar.extractfile(member) if member.isfile() else None
            header = handle.read(20) if handle is not None else b""
            if header[:4] == b"\x7fELF":
                machine = int.from_bytes(header[18:20], "little")
                machines[member.name] = ELF_MACHINES.get(machine, hex(machine))
    return machines


@pytest.mark.parametrize("arch", ["x86_64", "arm64"])
def test_every_shared_library_in_the_task_root_is_the_images_architecture(
        arch: str, request: pytest.FixtureRequest) -> None:
    image = request.getfixturevalue(f"image_{arch}")
    inspected = subprocess.run(["docker", "image", "inspect", "-f", "{{.Architecture}}", image],
                               capture_output=True, text=True, check=True).stdout.strip()
    assert inspected == {"x86_64": "amd64", "arm64": "arm64"}[arch]
    machines = task_root_elves(image)
    names = {Path(path).name.split(".")[0] for path in machines}
    assert {"_multiarray_umath", "_imaging"} <= names  # numpy and Pillow are there
    assert any("ai_edge_litert" in path for path in machines)
    wrong = {path: m for path, m in machines.items() if m != EXPECTED[arch]}
    assert not wrong, f"{len(wrong)} of {len(machines)} ELF files are not {arch}: " \
        f"{sorted(wrong.items())[:5]}"
    assert Counter(machines.values()) == {EXPECTED[arch]: len(machines)}


def test_the_final_stage_runs_nothing_so_arm64_needs_no_emulator(image_arm64: str) -> None:
    # The build stage runs on the build platform; after the last FROM only files are copied
    # and metadata set. The arm64 image above was built so on this x86_64 machine.
    text = (Path(__file__).resolve().parents[2] / "docker" / "Dockerfile").read_text()
    final = text[text.rindex("\nFROM ") + 1:].splitlines()[1:]
    instructions = {line.split()[0] for line in final if line and not line.startswith(("#", " "))}
    assert instructions <= {"COPY", "CMD", "ENV", "LABEL", "ARG", "WORKDIR"}, instructions
