"""``make soak``'s connection-level phases: idle sockets, chunk extensions, ``Expect``.

Each phase measures good requests alone, then with the attack running, on the same server:

* ``idle``: ``--idle-sockets`` connections that send nothing or half a request line, reopened
  whenever the server closes one; 20 good requests over 10 s, each on a new connection, must
  each answer within 1 s;
* ``chunk_extensions``: ``--extension-clients`` clients streaming endless chunk extensions for
  ``--extension-seconds``; good ``/predict`` p50 (2 clients) may move by at most 20% from its
  value alone just before (good requests are timed again after the attack, to show whether
  the server is still busy with what the attackers sent);
* ``expect``: ``Expect: 100-continue`` with Content-Length 13,000,000 must get 413 at once.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from benchmarks.server_attacks import ChunkExtensions, IdleSockets, expect_continue, fresh_requests

Run = Callable[[float, int], dict[str, Any]]  # (seconds, clients) -> good requests' figures
IDLE_TARGET_S = 1.0
EXTENSION_TARGET = 1.2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--idle-sockets", type=int, default=1000)
    parser.add_argument("--extension-clients", type=int, default=4)
    parser.add_argument("--extension-seconds", type=float, default=20.0)
    parser.add_argument("--phases", default="expect,idle,chunk_extensions",
                        help="comma-separated phases to run")


def phases(port: int, run: Run, args: argparse.Namespace) -> dict[str, Any]:
    """Each chosen phase's figures."""
    chosen = args.phases.split(",")
    every: dict[str, Callable[[], dict[str, Any]]] = {
        "expect": lambda: expect_continue(port, 13_000_000),
        "idle": lambda: idle(port, args.idle_sockets),
        "chunk_extensions": lambda: extensions(port, run, args.extension_clients,
                                               args.extension_seconds)}
    return {name: phase() for name, phase in every.items() if name in chosen}


def idle(port: int, count: int) -> dict[str, Any]:
    alone = fresh_requests(port, 10)
    attack = IdleSockets(port, count)
    attack.start()
    time.sleep(3.0)  # every socket connected (or queued in the listen backlog)
    try:  # 10 s: the server closes and the attacker reopens every socket at least once
        loud = fresh_requests(port, 20, gap=0.5)
    finally:
        seen = attack.stop()
    time.sleep(2.0)  # the server closes the attacker's sockets before the next phase
    return {"idle_sockets": count, "good_alone": alone, "good_under_attack": loud, **seen}


def extensions(port: int, run: Run, clients: int, seconds: float) -> dict[str, Any]:
    before = run(seconds / 2, 2)
    attack = ChunkExtensions(port, clients)
    attack.start()
    try:
        loud = run(seconds, 2)
    finally:
        seen = attack.stop()
    after = run(seconds / 2, 2)
    return {"clients": clients, "seconds": seconds, "good_alone_before": before,
            "good_under_attack": loud, "good_alone_after": after,
            "p50_ratio": round(loud["p50_ms"] / before["p50_ms"], 3), **seen}


def check(result: dict[str, Any]) -> list[str]:
    """The targets each phase must meet."""
    failures = []
    expect = result.get("expect", {"first_status_line": "HTTP/1.1 413 (not run)"})
    if not expect["first_status_line"].startswith("HTTP/1.1 413"):
        failures.append(f"Expect: 100-continue over the limit: {expect}")
    loud = result.get("idle", {}).get("good_under_attack", {"failed_or_over_timeout": 0,
                                                             "max_s": 0.0})
    if loud["failed_or_over_timeout"] or loud["max_s"] > IDLE_TARGET_S:
        failures.append(f"idle sockets: good requests took {loud}")
    ratio = result.get("chunk_extensions", {}).get("p50_ratio", 0.0)
    if ratio > EXTENSION_TARGET:
        failures.append(f"chunk extensions moved good p50 by x{ratio}")
    return failures
