"""The arm64 image runs: its root filesystem answers a photo under qemu user-mode emulation,
exactly as the x86_64 image's does.

Nothing here registers binfmt_misc (a kernel setting shared by the whole machine): each image's
root filesystem is exported and the probe (tests/docker/arch_probe.py: the handler on a
base64 photo, and the model-sized pixels) runs in it under chroot, with the image's own
Python, natively for x86_64 and through Debian's qemu-aarch64-static for arm64.

The emulated CPU is the one Lambda's arm64 runs on (Graviton2, Arm Neoverse N1:
QEMU_CPU=neoverse-n1), and /proc/cpuinfo says so in the chroot. Without that, LiteRT's CPU
detection (cpuinfo) reads the host's x86 /proc/cpuinfo and /sys and crashes the interpreter
(segfault); with qemu's default CPU ("max") and an N1 cpuinfo the answer is wrong (XNNPACK
takes kernels qemu 7.2 emulates wrongly); with cortex-a72 it stops on an illegal instruction.
With /proc or /sys missing, XNNPACK is not used at all and the scores differ from x86_64's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.docker.lesson import PHOTO

QEMU = Path("/usr/bin/qemu-aarch64-static")
PROBE = Path(__file__).resolve().parent / "arch_probe.py"
NEOVERSE_N1 = ("fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm "
               "lrcpc dcpop asimddp ssbs")


def root_filesystem(image: str, directory: Path) -> Path:
    """``image``'s files, exported (never run) into ``directory``."""
    directory.mkdir()
    created = subprocess.run(["docker", "create", image], capture_output=True, text=True,
                             check=True, timeout=120).stdout.strip()
    try:
        with subprocess.Popen(["docker", "export", created], stdout=subprocess.PIPE) as export:
            subprocess.run(["tar", "-x", "-C", str(directory)], stdin=export.stdout, check=True,
                           timeout=600)
    finally:
        subprocess.run(["docker", "rm", created], capture_output=True, timeout=120)
    shutil.copy(PROBE, directory / "tmp" / "arch_probe.py")
    shutil.copy(PHOTO, directory / "tmp" / "photo.jpg")
    return directory


def n1_cpuinfo(path: Path) -> Path:
    path.write_text("".join(
        f"processor\t: {i}\nBogoMIPS\t: 243.75\nFeatures\t: {NEOVERSE_N1}\n"
        "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\n"
        "CPU part\t: 0xd0c\nCPU revision\t: 1\n\n" for i in range(2)))
    return path


def probe(root: Path, *emulator: str, cpuinfo: Path | None = None) -> Any:
    """The probe's answer in ``root`` (in a mount namespace of its own: /proc, /sys)."""
    mounts = [f"mount -t proc proc {root}/proc", f"mount --rbind /sys {root}/sys"]
    if cpuinfo is not None:
        mounts.append(f"mount --bind {cpuinfo} {root}/proc/cpuinfo")
    script = " && ".join([*mounts, f"exec chroot {root} {' '.join(emulator)} /usr/bin/python3 "
                                   "/tmp/arch_probe.py /tmp/photo.jpg"])
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "MODEL_THREADS": "1",
           "QEMU_CPU": "neoverse-n1"}
    done = subprocess.run(["unshare", "--mount", "sh", "-c", script], env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def roots(image_x86_64: str, image_arm64: str,
          tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if os.geteuid() != 0 or not QEMU.exists():
        pytest.fail("needs root (chroot, mounts) and qemu-user-static: run `make test-deps`")
    base = tmp_path_factory.mktemp("roots")
    found = {"x86_64": root_filesystem(image_x86_64, base / "x86_64"),
             "arm64": root_filesystem(image_arm64, base / "arm64")}
    shutil.copy(QEMU, found["arm64"] / "usr" / "bin" / QEMU.name)
    return found


def test_the_arm64_image_answers_a_photo_as_the_x86_64_image(roots: dict[str, Path],
                                                              tmp_path: Path) -> None:
    native = probe(roots["x86_64"])
    emulated = probe(roots["arm64"], f"/usr/bin/{QEMU.name}",
                     cpuinfo=n1_cpuinfo(tmp_path / "cpuinfo"))
    assert (native["machine"], emulated["machine"]) == ("x86_64", "aarch64")
    assert emulated["pixels_shape"] == native["pixels_shape"] == [224, 224, 3]
    assert emulated["pixels"] == native["pixels"]  # decode and resize: bit for bit
    assert emulated["answer"] == native["answer"]  # scores to the 6th decimal, same order
    assert max(native["answer"], key=native["answer"].get) == "outwear"
