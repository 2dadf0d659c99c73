"""Cold start: a fresh process from the handler's import to the first answered prediction.

Kinds, interleaved round by round: ``ours`` (``import lambda_function`` and one
``lambda_handler({"url": ...})``; once more with the same photo from an https host, whose CA
is trusted beside certifi's roots), ``bare`` (import LiteRT, load the model, invoke once on a
constant input: the floor), two memory floors above bare for any Python service that decodes
photos with Pillow (``floor``: bare plus one photo decoded and resized, read from disk, no HTTP
code; ``floor + TLS``: plus the TLS context an https image URL needs), ``reference`` (the
lesson's handler in build/venv-reference) and ``tf`` (import TensorFlow, load the Keras model,
one ``model.predict``). Each child reports the time from just before its first import to its
answer, and its peak RSS (VmHWM); the wall time including the interpreter's own start is
recorded too.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmarks.common import KIH_DIR, PY, REF_PY, ROOT, WORK, core_env, quantiles

FLOOR = "floor: bare + Pillow decode"
FLOOR_TLS = "floor: bare + Pillow decode + TLS context"
HTTPS = "ours, https image host"


@dataclass(frozen=True)
class Photo:
    """The cold starts' photo: its file, and the URLs that serve it over http and https."""

    path: Path
    url: str
    https_url: str
    ca: Path  # the https host's CA


def commands(model: Path, keras: Path | None, photo: Photo, threads: int, ref_threads: int
             ) -> dict[str, tuple[list[str], dict[str, str]]]:
    """argv and extra environment of each kind's cold process."""
    ports = (urlsplit(url).port or 443 for url in (photo.url, photo.https_url))
    env = core_env(model, *ports, extra={"MODEL_THREADS": str(threads)})
    worker = [PY, "-m", "benchmarks.worker"]
    bare = ["--model", str(model), "--threads", str(threads)]
    url = photo.url
    kinds = {
        "ours": ([*worker, "cold-ours", "--url", url], env),
        HTTPS: ([*worker, "cold-ours-https", "--url", photo.https_url, "--ca", str(photo.ca)],
                env),
        "ours, model not hashed (what-if)": ([*worker, "cold-ours-nohash", "--url", url], env),
        "bare": ([*worker, "cold-bare", *bare], env),
        FLOOR: ([*worker, "cold-floor", *bare, "--image", str(photo.path)], env),
        FLOOR_TLS: ([*worker, "cold-floor-tls", *bare, "--image", str(photo.path)], env),
    }
    if keras is not None:
        app = str(ROOT / "benchmarks" / "reference_app.py")
        kinds["reference"] = ([str(REF_PY), app, "--model", str(model), "--threads",
                               str(ref_threads), "--cold", url], {})
        kinds["tf"] = ([PY, app, "--backend", "tf", "--model", str(keras), "--cold", url],
                       {"PYTHONPATH": str(KIH_DIR), "TF_CPP_MIN_LOG_LEVEL": "3"})
    return kinds


def once(argv: list[str], env: dict[str, str], log: Path) -> dict[str, Any]:
    """One cold process: its own report plus the wall time seen from here."""
    started = time.perf_counter()
    with log.open("a") as err:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=err, text=True, cwd=ROOT,
                              env={**os.environ, **env}, timeout=300, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"cold run failed ({done.returncode}): {' '.join(argv)}; see {log}")
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    report["wall_s"] = wall
    return report


def measure(model: Path, keras: Path | None, photo: Photo, threads: tuple[int, int], runs: int,
            tf_runs: int) -> dict[str, Any]:
    """Median cold start (s) and peak RSS (MB) per kind; threads: (ours, reference)."""
    kinds = commands(model, keras, photo, *threads)
    reports: dict[str, list[dict[str, Any]]] = {name: [] for name in kinds}
    for r in range(runs):
        for name, (argv, env) in kinds.items():
            if name == "tf" and r >= tf_runs:
                continue
            slug = name.split(",")[0].split(":")[0]
            reports[name].append(once(argv, env, WORK / f"cold-{slug}.log"))
    result: dict[str, Any] = {}
    for name, rows in reports.items():
        result[name] = {
            "cold_ms": quantiles([row["cold_s"] * 1000 for row in rows]),
            "wall_ms": quantiles([row["wall_s"] * 1000 for row in rows]),
            "rss_mb": quantiles([row["rss_mb"] for row in rows]),
            "via": rows[0].get("via", name),
        }
    return result
