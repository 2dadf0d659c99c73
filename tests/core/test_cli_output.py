"""What the command line prints: a port in use is one line naming the address and what to
change; help names the installed command and shows defaults; a run is quiet unless ``-v``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main
from tests import images

ROOT = Path(__file__).resolve().parents[2]


def test_a_port_in_use_names_the_address_and_the_setting_to_change(
        capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if '"level"' not in line]
    assert err == [f"error: 127.0.0.1:{port} is already in use; pass --port "
                   "(or PORT= to make run)"]


def test_help_names_the_installed_command_and_shows_the_defaults(
        capsys: pytest.CaptureFixture[str]) -> None:
    from core.cli import build_parser

    parser = build_parser()
    assert parser.format_help().startswith("usage: classifier ")
    with pytest.raises(SystemExit):
        parser.parse_args(["serve", "--help"])
    serve_help = " ".join(capsys.readouterr().out.split())
    assert "--host HOST" in serve_help and "(default: 127.0.0.1)" in serve_help
    assert "(default: 8080)" in serve_help


def _predict(photo: Path, *flags: str, after: tuple[str, ...] = ()
             ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LOG_LEVEL", "TF_CPP_MIN_LOG_LEVEL")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "core", *flags, "predict", str(photo), *after],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=True)


def test_predict_is_quiet_unless_asked_and_its_output_is_the_same(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(images.jpeg())
    quiet, verbose = _predict(photo), _predict(photo, "-v")
    assert '"event":"request"' in _predict(photo, after=("-v",)).stderr
    assert quiet.stderr == ""
    assert '"event":"request"' in verbose.stderr
    assert json.loads(quiet.stdout) == json.loads(verbose.stdout)
