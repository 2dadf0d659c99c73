"""What the command line prints: a port in use is one line naming the address and what to
change; help names the installed command and shows defaults; a run is quiet unless ``-v``."""

from __future__ import annotations

import socket

import pytest

from core.cli import main


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
