"""Trace headers: the W3C, Google and X-Ray forms, and malformed values ignored."""

from __future__ import annotations

import pytest

from core.telemetry import tracing as trace

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"


def test_a_w3c_traceparent() -> None:
    found = trace.from_traceparent(f"00-{TRACE}-{SPAN}-01")
    assert found == trace.Trace(TRACE, SPAN, True)
    assert trace.from_traceparent(f" 00-{TRACE}-{SPAN}-00 ") == trace.Trace(TRACE, SPAN, False)


def test_a_later_version_may_carry_more_fields() -> None:
    assert trace.from_traceparent(f"01-{TRACE}-{SPAN}-01-what-comes-next") == \
        trace.Trace(TRACE, SPAN, True)


@pytest.mark.parametrize("value", [
    "", "garbage", f"00-{TRACE}-{SPAN}", f"00-{TRACE}-{SPAN}-01-extra",
    f"ff-{TRACE}-{SPAN}-01", f"00-{'0' * 32}-{SPAN}-01", f"00-{TRACE}-{'0' * 16}-01",
    f"00-{TRACE.upper()}-{SPAN}-01", f"00-{TRACE[:-1]}-{SPAN}-01", f"00-{TRACE}-{SPAN}-1",
    f"0-{TRACE}-{SPAN}-01", f"00-{TRACE}-{SPAN}-zz", f"00_{TRACE}_{SPAN}_01",
    f"00-{TRACE}-{SPAN}-01" + "x" * 600, "00-" + "g" * 32 + f"-{SPAN}-01",
])
def test_a_malformed_traceparent_is_ignored(value: str) -> None:
    assert trace.from_traceparent(value) is None


def test_google_cloud_trace_context_span_becomes_hex() -> None:
    found = trace.from_cloud_trace(f"{TRACE.upper()}/1234567890123456789;o=1")
    assert found == trace.Trace(TRACE, f"{1234567890123456789:016x}", True)
    assert trace.from_cloud_trace(TRACE) == trace.Trace(TRACE, None, None)
    assert trace.from_cloud_trace(f"{TRACE}/0;o=0") == trace.Trace(TRACE, None, False)


@pytest.mark.parametrize("value", [
    "", "abc/123;o=1", f"{TRACE}/12x;o=1", f"{TRACE}/{2**64}", f"{'0' * 32}/1;o=1",
    f"{TRACE}/1;o=", f"{TRACE}/1;x=1", f"{TRACE}//1",
])
def test_a_malformed_cloud_trace_is_ignored(value: str) -> None:
    assert trace.from_cloud_trace(value) is None


def test_the_xray_root() -> None:
    header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    assert trace.xray_root(header) == "1-5759e988-bd862e3fe1be46a994272793"
    assert trace.xray_root("Parent=53995c3f42cd8ad8; Root=1-5759E988-BD862E3FE1BE46A994272793") \
        == "1-5759e988-bd862e3fe1be46a994272793"
    for bad in (None, "", "Root=", "Root=2-5759e988-bd862e3fe1be46a994272793",
                "Root=1-5759e98-bd862e3fe1be46a994272793", "Sampled=1"):
        assert trace.xray_root(bad) is None


def test_headers_prefer_the_platform_then_w3c_then_google() -> None:
    other = "11111111111111111111111111111111"
    headers = {"traceparent": f"00-{TRACE}-{SPAN}-01",
               "x-cloud-trace-context": f"{other}/1;o=1"}
    assert trace.from_headers(headers) == trace.Trace(TRACE, SPAN, True)
    found = trace.from_headers(headers, f"00-{other}-{SPAN}-00")
    assert found is not None and found.trace_id == other
    broken = {"traceparent": "nonsense", "x-cloud-trace-context": f"{other}/1;o=1"}
    assert trace.from_headers(broken) == trace.Trace(other, f"{1:016x}", True)
    assert trace.from_headers({"traceparent": "nonsense"}, "also nonsense") is None
