"""The test Runtime API server itself: a client gone mid-request prints nothing, any other
fault in a request still prints its traceback."""

from __future__ import annotations

import pytest

from tests.aws_lambda.runtime_api import RuntimeApi


def error_output(api: RuntimeApi, fault: BaseException, capsys: pytest.CaptureFixture[str]) -> str:
    """What the server writes to stderr for ``fault`` raised while it handled a request."""
    try:
        raise fault
    except BaseException:  # handed to the server as socketserver hands it
        api._server.handle_error(None, ("127.0.0.1", 9))
    return capsys.readouterr().err


@pytest.mark.parametrize("fault", [ConnectionResetError(104, "reset"), BrokenPipeError(32, "pipe"),
                                   ConnectionAbortedError(103, "aborted")])
def test_a_client_gone_mid_request_prints_nothing(fault: OSError,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    with RuntimeApi() as api:
        assert error_output(api, fault, capsys) == ""


def test_any_other_fault_still_prints_its_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    with RuntimeApi() as api:
        err = error_output(api, ValueError("bad header"), capsys)
    assert "Traceback" in err and "ValueError: bad header" in err
