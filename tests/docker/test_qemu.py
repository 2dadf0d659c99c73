"""The arm64 image runs: its root filesystem answers a photo under qemu user-mode emulation,
exactly as the x86_64 image's does, and its own emulator (the arm64 RIE) answers the lesson's
invocation.

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
import requests

from tests.docker.lesson import PHOTO, example, in_process, wait_for_port
from tests.processes import free_port, stop

QEMU = Path("/usr/bin/qemu-aarch64-static")
EMULATOR = f"/usr/bin/{QEMU.name}"  # where the tests copy it in the arm64 root
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


ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "MODEL_THREADS": "1",
       "QEMU_CPU": "neoverse-n1", "LAMBDA_TASK_ROOT": "/var/task",
       "PYTHONPATH": "/var/runtime:/var/task"}


def in_root(root: Path, command: str, cpuinfo: Path | None = None) -> list[str]:
    """``command`` under chroot ``root``, in a mount namespace of its own (/proc, /sys, /dev;
    ``cpuinfo`` over /proc/cpuinfo): the argv to run."""
    mounts = [f"mount -t proc proc {root}/proc", f"mount --rbind /sys {root}/sys",
              f"mount --bind /dev {root}/dev"]
    if cpuinfo is not None:
        mounts.append(f"mount --bind {cpuinfo} {root}/proc/cpuinfo")
    script = " && ".join([*mounts, f"exec chroot {root} {command}"])
    return ["unshare", "--mount", "sh", "-c", script]


def probe(root: Path, emulator: str = "", cpuinfo: Path | None = None) -> Any:
    """The probe's answer in ``root``."""
    done = subprocess.run(
        in_root(root, f"{emulator} /usr/bin/python3 /tmp/arch_probe.py /tmp/photo.jpg", cpuinfo),
        env=ENV, capture_output=True, text=True, timeout=600, check=False)
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
    emulated = probe(roots["arm64"], EMULATOR, n1_cpuinfo(tmp_path / "cpuinfo"))
    assert (native["machine"], emulated["machine"]) == ("x86_64", "aarch64")
    assert emulated["pixels_shape"] == native["pixels_shape"] == [224, 224, 3]
    assert emulated["pixels"] == native["pixels"]  # decode and resize: bit for bit
    assert emulated["answer"] == native["answer"]  # scores to the 6th decimal, same order
    assert max(native["answer"], key=native["answer"].get) == "outwear"


def test_the_arm64_images_emulator_answers_the_lessons_invocation(
        roots: dict[str, Path], tmp_path: Path) -> None:
    # The arm64 RIE and the arm64 runtime client, both under qemu: the RIE runs its bootstrap
    # through qemu-aarch64-static (the shell scripts would need binfmt_misc to run).
    port, api = free_port(), free_port()
    rie = (f"{EMULATOR} /usr/local/bin/aws-lambda-rie --runtime-interface-emulator-address "
           f"127.0.0.1:{port} --runtime-api-address 127.0.0.1:{api} "
           f"{EMULATOR} /usr/bin/python3 -m awslambdaric lambda_function.lambda_handler")
    log = tmp_path / "rie.log"
    with log.open("wb") as out:
        process = subprocess.Popen(in_root(roots["arm64"], rie, n1_cpuinfo(tmp_path / "cpuinfo")),
                                   env=ENV, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port)
        url = f"http://127.0.0.1:{port}/2015-03-31/functions/function/invocations"
        answer = requests.post(url, json=example("photo-base64.json"), timeout=300).json()
    finally:
        stop(process)
    assert answer == in_process(example("photo-base64.json")), log.read_text()[-3000:]
    assert "(rapid)" in log.read_text()
