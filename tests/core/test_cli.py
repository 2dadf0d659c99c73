"""``python -m core``: configuration errors are one line and exit 2 for every subcommand,
``--model`` goes before or after the subcommand, a model without labels is reported at start-up.

The commands run in-process through ``core.cli.main`` (the environment set with monkeypatch);
tests/test_install.py runs the installed command from another directory.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from core.cli import main
from core.config import DEFAULT_MODEL
from tests import images

COMMANDS = {
    "serve": ["serve", "--port", "0"],
    "predict": ["predict", "PHOTO"],
    "info": ["info"],
    "evaluate": ["evaluate", "DIR"],
    "batch": ["batch", "DIR", "--out", "OUT"],
}


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.jpg"
    path.write_bytes(images.jpeg())
    return path


def argv(command: str, photo: Path) -> list[str]:
    named = {"PHOTO": photo.as_posix(), "DIR": photo.parent.as_posix(),
             "OUT": (photo.parent / "results.jsonl").as_posix()}
    return [named.get(a, a) for a in COMMANDS[command]]


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize(("variable", "value", "expected"), [
    ("MODEL_NORMALIZATION", "foo", "error: MODEL_NORMALIZATION must be one of auto, none, "),
    ("MODEL_RESIZE", "fast", "error: MODEL_RESIZE must be one of nearest, "),
    ("MODEL_OUTPUT", "odds",
     "error: MODEL_OUTPUT must be one of probabilities, logits, sigmoid, got"),
    ("MODEL_THREADS", "lots", "error: MODEL_THREADS has a bad value 'lots'"),
    ("MODEL_PATH", "/nonexistent/model.tflite", "error: MODEL_PATH /nonexistent/model.tflite"),
    ("MODEL_LABELS", "a,b", "error: 2 labels but the model outputs 10 scores"),
])
def test_a_configuration_error_is_one_line_and_exit_2(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], photo: Path,
        command: str, variable: str, value: str, expected: str) -> None:
    monkeypatch.setenv(variable, value)
    assert main(argv(command, photo)) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = [line for line in err.splitlines() if '"level"' not in line]  # JSON log lines
    assert len(lines) == 1 and lines[0].startswith(expected), err
    assert "internal_error" not in err and "Traceback" not in err


@pytest.mark.parametrize("before", [True, False])
def test_model_may_come_before_or_after_the_subcommand(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], before: bool) -> None:
    missing = (tmp_path / "absent.tflite").as_posix()
    args = ["--model", missing, "info"] if before else ["info", "--model", missing]
    assert main(args) == 2
    assert missing in capsys.readouterr().err
    # and a real model given after the subcommand is the one served
    copy = tmp_path / "copy.tflite"
    shutil.copy(DEFAULT_MODEL, copy)
    assert main(["info", "--model", str(copy)]) == 0
    assert json.loads(capsys.readouterr().out)["labels"] == [str(i) for i in range(10)]


def warnings_in(caplog: pytest.LogCaptureFixture) -> list[dict[str, str]]:
    return [json.loads(r.getMessage()) for r in caplog.records
            if '"model_without_labels"' in r.getMessage()]


def test_start_up_says_that_the_model_has_no_labels(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
        photo: Path) -> None:
    copy = tmp_path / "unlabelled.tflite"
    shutil.copy(DEFAULT_MODEL, copy)  # no manifest beside it: no labels
    assert main(["predict", str(photo), "--model", str(copy)]) == 0
    assert set(json.loads(capsys.readouterr().out)) == {str(i) for i in range(10)}
    warnings = warnings_in(caplog)
    assert len(warnings) == 1 and warnings[0]["level"] == "WARNING"
    assert "MODEL_LABELS" in warnings[0]["message"]
    caplog.clear()
    assert main(["info"]) == 0  # the embedded model has labels: no warning
    assert warnings_in(caplog) == []


@pytest.mark.parametrize(("host", "keyed", "warned"), [
    ("127.0.0.1", False, False), ("localhost", False, False), ("::1", False, False),
    ("127.0.0.5", False, False), ("0.0.0.0", False, True), ("::", False, True),
    ("192.168.1.10", False, True), ("my-laptop.lan", False, True), ("", False, True),
    ("0.0.0.0", True, False),
])
def test_serving_beyond_loopback_without_a_key_warns_in_one_line(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        host: str, keyed: bool, warned: bool) -> None:
    """The warning follows the --host asked for; the server itself binds 127.0.0.1 here, so
    the test listens on nothing beyond this machine."""
    from core.api import server

    bound: list[str] = []

    def loopback_only(service: object, asked: str, port: int) -> server.Server:
        bound.append(asked)
        made = real(service, "127.0.0.1", 0)  # type: ignore[arg-type]
        monkeypatch.setattr(made, "serve_forever", lambda: None)
        return made

    real = server.make_server
    monkeypatch.setattr(server, "make_server", loopback_only)
    if keyed:
        monkeypatch.setenv("API_KEYS_SHA256", "0" * 64)
    assert main(["serve", "--host", host, "--port", "0"]) == 0
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if line.startswith("warning: listening")]
    assert bound == [host]
    assert len(warnings) == (1 if warned else 0), err
    if warned:
        assert "API_KEYS_SHA256" in warnings[0] and "127.0.0.1" in warnings[0]


def test_serve_binds_loopback_by_default() -> None:
    from core.cli import build_parser

    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"
