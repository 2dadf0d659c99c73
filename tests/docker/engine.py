"""The Docker engine, the stand-in base and the image builds the image tests use.

No public base image can be pulled here, so `make test-deps` (mk/image.mk) builds a STAND-IN
for public.ecr.aws/lambda/python from Debian's packages (docker/standin/build.sh) and tags it
with the real base's name: Debian's python3 (the tag is its version), awslambdaric from PyPI in
/var/runtime, LAMBDA_TASK_ROOT=/var/task, AWS's Runtime Interface Emulator (from the aws-sam-cli
wheel) and an entrypoint that runs `python -m awslambdaric <CMD>` when AWS_LAMBDA_RUNTIME_API is
set and under the emulator when it is not, as the real base does. It is not Amazon Linux (glibc
and Python are Debian's). docker/Dockerfile is built unchanged on it, through docker/build.sh
with Docker's classic builder (the one here).
"""

from __future__ import annotations

import importlib.metadata
import io
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASE = "public.ecr.aws/lambda/python"
RUNTIME_SET = ("ai-edge-litert", "certifi", "numpy", "pillow", "urllib3")


def docker(*args: str, timeout: float = 120, check: bool = True) -> str:
    """Run the docker CLI; its stdout. Fails the test (not skips) when there is no engine."""
    if shutil.which("docker") is None:
        pytest.fail("docker is not installed: run `make test-deps` (mk/image.mk)")
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        pytest.fail(f"docker {' '.join(args[:3])} failed ({done.returncode}):\n"
                    f"{done.stdout[-3000:]}{done.stderr[-3000:]}\n(`make test-deps` starts the "
                    "engine and builds the stand-in base)")
    return done.stdout


def standin_python(arch: str) -> str:
    """The stand-in base's Python version for ``arch`` (its tag is ``<version>-<arch>``)."""
    tags = docker("images", BASE, "--filter", f"label=standin.arch={arch}",
                  "--format", "{{.Tag}}").split()
    matching = [t for t in tags if re.fullmatch(rf"[0-9][0-9.]*-{arch}", t)]
    if not matching:
        pytest.fail(f"no stand-in base for {arch}: run `make test-deps` (mk/image.mk)")
    return matching[0].removesuffix(f"-{arch}")


def pinned() -> str:
    """The runtime set at this environment's versions, so that the image runs what the
    in-process handler runs and the answers can be compared byte for byte."""
    return " ".join(f"{name}=={importlib.metadata.version(name)}" for name in RUNTIME_SET)


def build(arch: str, builder: str = "docker", **env: str) -> str:
    """Build docker/Dockerfile for ``arch`` with docker/build.sh (as `make image` does);
    ``builder`` "docker" is the classic builder."""
    tag = f"classifier-lambda:test-{builder}-{arch}"
    env = {**os.environ, "ARCH": arch, "TAG": tag, "PYTHON_TAG": standin_python(arch),
           "PIP_CONSTRAINTS": pinned(), "BUILDER": builder, **env}
    done = subprocess.run(["bash", "docker/build.sh"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=1800)
    if done.returncode != 0:
        pytest.fail(f"image build failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return tag


def task_root(image: str, cli: str = "docker") -> tarfile.TarFile:
    """/var/task of ``image`` as a tar archive, read without running the image."""
    created = subprocess.run([cli, "create", image], capture_output=True, text=True,
                             check=True, timeout=120).stdout.strip()
    try:
        archive = subprocess.run([cli, "cp", f"{created}:/var/task", "-"],
                                 capture_output=True, check=True, timeout=300).stdout
    finally:
        subprocess.run([cli, "rm", created], capture_output=True, timeout=120)
    return tarfile.open(fileobj=io.BytesIO(archive))
