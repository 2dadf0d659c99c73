"""Warm end-to-end latency, interleaved request by request across every system under test.

Systems: ``lambda`` (our handler, direct event), ``server`` (our local HTTP server, timed by the
client here), ``invoke`` (bare LiteRT invoke, same model and threads), ``reference`` (the
lesson's handler: tflite-runtime 2.14 in build/venv-reference) and ``tf`` (Keras
``model.predict``, same preprocessing). Each image goes through every system before the next
image, in a random order drawn afresh for every image (seeded, so runs repeat), so background
load hits all of them alike and no system always runs right after the same other one (a fixed
rotation made ours always follow TensorFlow and the bare invoke always follow our server).
"""

from __future__ import annotations

import http.client
import itertools
import json
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import KIH_DIR, PY, REF_PY, ROOT, Worker, core_env, quantiles

Ask = Callable[[str, bool], dict[str, Any]]
STEPS = ("fetch", "decode", "resize", "inference", "other")
HTTP10 = "validation, HTTP/1.0 host"  # the same photos from ``python -m http.server``
# Processes per system for ours and the bare invoke, asked in turn. One process's own speed
# differs from the next one's (six bare-invoke processes on the lesson's Xception, interleaved:
# medians from 37.3 to 38.2 ms, 2.4 %, a quarter of a 10 % budget, before any code differs);
# the median over requests spread across three processes per system averages that out.
REPLICAS = 3


class ServerClient:
    """POST /predict to our server worker over one keep-alive connection."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.conn = http.client.HTTPConnection("127.0.0.1", int(worker.ready["port"]),
                                               timeout=60)

    def ask(self, url: str, split: bool = False) -> dict[str, Any]:
        """Total client-side ms, the Server-Timing split and the answer."""
        body = json.dumps({"url": url})
        started = time.perf_counter()
        self.conn.request("POST", "/predict", body, {"Content-Type": "application/json"})
        response = self.conn.getresponse()
        data = response.read()
        ms = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise RuntimeError(f"server answered {response.status}: {data[:300]!r}")
        return {"ms": ms, "parts": parse_server_timing(response.getheader("Server-Timing", "")),
                "answer": json.loads(data)}


def parse_server_timing(header: str) -> dict[str, float]:
    """``fetch;dur=1.2, decode;dur=3`` -> {"fetch": 1.2, "decode": 3.0}."""
    parts: dict[str, float] = {}
    for item in header.split(","):
        name, _, rest = item.strip().partition(";")
        if rest.startswith("dur="):
            parts[name] = float(rest[4:])
    return parts


def start_systems(model: Path, image_port: int, keras: Path | None, threads: int,
                  ref_threads: int) -> dict[str, list[Worker]]:
    """Every system's worker processes, started and loaded (REPLICAS of ours and the invoke)."""
    env = core_env(model, image_port, extra={"MODEL_THREADS": str(threads)})
    worker = [PY, "-m", "benchmarks.worker"]
    argvs: dict[str, tuple[list[str], dict[str, str] | None, int]] = {
        "lambda": ([*worker, "lambda"], env, REPLICAS),
        "server": ([*worker, "server"], env, REPLICAS),
        "invoke": ([*worker, "invoke", "--model", str(model), "--threads", str(threads)], env,
                   REPLICAS),
    }
    if keras is not None:
        app = str(ROOT / "benchmarks" / "reference_app.py")
        argvs["invoke-1t"] = ([*worker, "invoke", "--model", str(model), "--threads", "1"],
                              None, 1)
        argvs["reference"] = ([str(REF_PY), app, "--model", str(model), "--threads",
                               str(ref_threads)], None, 1)
        argvs["tf"] = ([PY, app, "--backend", "tf", "--model", str(keras)],
                       {"PYTHONPATH": str(KIH_DIR), "TF_CPP_MIN_LOG_LEVEL": "3"}, 1)
    return {name: [Worker(f"{name}-{i}" if copies > 1 else name, argv, extra)
                   for i in range(copies)]
            for name, (argv, extra, copies) in argvs.items()}


def askers(workers: dict[str, list[Worker]]) -> dict[str, Ask]:
    """One ``ask(url, split)`` per system, taking its processes in turn."""
    result: dict[str, Ask] = {}
    for name, group in workers.items():
        asks = [ServerClient(w).ask if name.startswith("server") else _asker(w) for w in group]
        result[name] = _in_turn(asks)
    return result


def _in_turn(asks: list[Ask]) -> Ask:
    turns = itertools.cycle(asks)

    def ask(url: str, split: bool) -> dict[str, Any]:
        return next(turns)(url, split)
    return ask


def _asker(worker: Worker) -> Ask:
    def ask(url: str, split: bool) -> dict[str, Any]:
        return worker.ask({"url": url, "split": split})
    return ask


def measure(systems: dict[str, Ask], urls: list[str], repeats: int, warmup: int = 2
            ) -> dict[str, Any]:
    """Interleaved timings: stats per system, the per-step split, and the answers."""
    for url in urls[:warmup]:
        for ask in systems.values():
            ask(url, False)
    times: dict[str, list[float]] = {name: [] for name in systems}
    answers: dict[str, dict[str, Any]] = {name: {} for name in systems}
    names = list(systems)
    order = random.Random(8)
    for _ in range(repeats):
        for url in urls:
            for name in order.sample(names, len(names)):
                reply = systems[name](url, False)
                times[name].append(reply["ms"])
                answers[name].setdefault(url, reply.get("answer"))
    split = split_pass(systems, urls)
    return {"latency_ms": {name: quantiles(v) for name, v in times.items()},
            "split_ms": split, "agreement": agreement(answers),
            "images": len(urls), "repeats": repeats}


def split_pass(systems: dict[str, Ask], urls: list[str]) -> dict[str, dict[str, float]]:
    """Median milliseconds per step (fetch, decode, resize, inference, other)."""
    split: dict[str, dict[str, float]] = {}
    for name in ("server", "reference", "tf"):
        if name not in systems:
            continue
        rows = []
        for url in urls:
            reply = systems[name](url, True)
            parts = {k: float(v) for k, v in reply["parts"].items()}
            parts.setdefault("other", max(0.0, reply["ms"] - sum(parts.values())))
            rows.append(parts)
        split[name] = {s: round(statistics.median(r.get(s, 0.0) for r in rows), 2)
                       for s in STEPS}
    return split


def top1(answer: Any) -> str:
    """The best label of a scores dict."""
    return str(max(answer.items(), key=lambda kv: kv[1])[0]) if isinstance(answer, dict) else ""


def agreement(answers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Top-1 agreement and max score difference of every system with our lambda's answers."""
    base = answers.get("lambda", {})
    result: dict[str, Any] = {}
    for name, per_url in answers.items():
        if name == "lambda" or name.startswith("invoke") or not per_url:
            continue
        same = sum(top1(per_url[u]) == top1(base.get(u)) for u in per_url)
        diffs = [abs(float(per_url[u][k]) - float(base[u][k]))
                 for u in per_url if isinstance(base.get(u), dict) for k in base[u]]
        result[name] = {"top1_agreement": same / len(per_url),
                        "max_abs_diff": round(max(diffs), 6) if diffs else None}
    return result
