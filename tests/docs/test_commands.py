"""Commands in the docs are run, so the documentation cannot rot.

Each block marked ``<!-- runnable -->`` runs from the repository root under ``bash -e`` with
this virtualenv's ``bin`` first on PATH (``.venv/bin/`` in a block, and make's ``VENV``, mean
this virtualenv);
``<!-- runnable: server -->`` blocks run while ``python -m core serve`` answers, at the address
the block names (``127.0.0.1:8080`` is rewritten to the server's free port).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docs.blocks import ROOT, Block, runnable_blocks
from tests.processes import free_port, start_server, stop

BLOCKS = runnable_blocks()
VENV_BIN = Path(sys.executable).parent


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["VENV"] = str(VENV_BIN.parent)  # make's virtualenv: this one
    return env


@pytest.fixture(scope="module")
def server_port() -> Iterator[int]:
    port = free_port()
    process = start_server(port)
    try:
        yield port
    finally:
        stop(process)


def _run(block: Block, code: str) -> None:
    code = code.replace(".venv/bin/", f"{VENV_BIN}/")
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", code], cwd=ROOT, env=_env(),
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, (f"{block.id} failed ({done.returncode}):\n{code}\n"
                                  f"stdout:\n{done.stdout[-2000:]}\nstderr:\n{done.stderr[-2000:]}")


def test_the_docs_have_runnable_blocks_of_each_kind() -> None:
    kinds = {block.kind for block in BLOCKS}
    assert {"", "server"} <= kinds


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.kind == ""], ids=lambda b: b.id)
def test_runnable_block(block: Block) -> None:
    _run(block, block.code)


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.kind == "server"],
                         ids=lambda b: b.id)
def test_runnable_block_against_the_local_server(block: Block, server_port: int) -> None:
    _run(block, block.code.replace("127.0.0.1:8080", f"127.0.0.1:{server_port}"))
