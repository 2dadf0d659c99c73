"""``make bench``: the performance suite side by side with the lesson's reference.

``python -m benchmarks.suite [--quick]`` measures warm latency, cold start, peak RSS, bundle
sizes and concurrency, prints the tables with PASS/MISS per target, writes
``build/bench/bench.json``, ``docs/bench.png``, ``docs/data/bench.json`` and the tables of
docs/performance.md generated from it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks import cold, latency, load, logcost, oip, report, sizes, targets, xmodel
from benchmarks.common import (
    DEFAULT_MODEL,
    KIH_DIR,
    OUT,
    PY,
    REF_PY,
    Served,
    Worker,
    core_env,
    prepare_images,
    serve_folder,
    shared_dir,
    write_json,
)
from benchmarks.imageserver import make_pki
from benchmarks.readme import DOC_JSON, write_tables


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = "unknown CPU"
    for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
        if line.startswith("Model name:"):
            cpu = line.split(":", 1)[1].strip()
    versions = []
    for dist in ("ai-edge-litert", "tensorflow", "numpy", "pillow"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions.append(f"{dist} {metadata.version(dist)}")
    return {"cpu": cpu, "cpus": len(os.sched_getaffinity(0)),
            "python": f"Python {platform.python_version()}",
            "runtimes": ", ".join(versions) + "; reference: tflite-runtime 2.14.0, numpy<2",
            "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", "")}


def check_prerequisites() -> None:
    """The reference venv and keras-image-helper for TF, made by ``make bench``."""
    missing = [str(p) for p in (REF_PY, KIH_DIR / "keras_image_helper") if not p.exists()]
    if missing:
        raise SystemExit("error: missing " + ", ".join(missing) + "; run `make bench` "
                         "(it creates them)")


def ensure_model() -> Path:
    """The lesson's Xception as float32 TFLite, converted once in a child process."""
    if not (xmodel.TFLITE.is_file() and xmodel.MANIFEST.is_file()):
        subprocess.run([PY, "-m", "benchmarks.xmodel"], check=True,
                       stdout=subprocess.DEVNULL)
    return xmodel.TFLITE


def model_latency(model: Path, keras: Path | None, images: Served, sets: dict[str, list[str]],
                  repeats: dict[str, int], threads: tuple[int, int],
                  http10: Served | None = None) -> dict[str, Any]:
    """Warm latency of every system on every photo set for one model; with ``http10``, the
    validation photos once more from an HTTP/1.0 host (lambda, invoke and reference only)."""
    workers = latency.start_systems(model, images.port, keras, *threads)
    try:
        systems = latency.askers(workers)
        result: dict[str, Any] = {}
        for name, names in sets.items():
            print(f"  {model.parent.name}/{model.name}: {name} photos ...", file=sys.stderr,
                  flush=True)
            urls = [f"{images.url}/{n}" for n in names]
            result[name] = latency.measure(systems, urls, repeats[name])
        if http10 is not None:
            print(f"  {model.name}: validation photos from an HTTP/1.0 host ...",
                  file=sys.stderr, flush=True)
            some = {k: v for k, v in systems.items() if k in ("lambda", "invoke", "reference")}
            urls = [f"{http10.url}/{n}" for n in sets["validation"]]
            result[latency.HTTP10] = latency.measure(some, urls, repeats["validation"])
        result["via"] = workers["lambda"][0].ready.get("via")
        return result
    finally:
        for group in workers.values():
            for worker in group:
                worker.close()


def concurrency(images: Served, urls: list[str], requests: int, threads: int
                ) -> dict[str, Any]:
    """Load test of the local server and of the GCP app under gunicorn (default model)."""
    env = core_env(DEFAULT_MODEL, images.port, extra={"MODEL_THREADS": str(threads)})
    result: dict[str, Any] = {}
    for name, kind in (("local server", "server"),
                       ("hand-written http.server (the former local server)", "server-before")):
        server = Worker("load-server", [PY, "-m", "benchmarks.worker", kind], env)
        try:
            result[name] = {"levels": load.run_levels(int(server.ready["port"]), urls,
                                                      requests)}
        finally:
            server.close()
    result["gcp gunicorn --threads 8"] = load.gunicorn({**os.environ, **env}, 8, urls, requests)
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every measurement, in one run."""
    validation = shared_dir()
    check_prerequisites()
    model = ensure_model()
    folder, small, large = prepare_images(validation, args.images, args.large)
    images = serve_folder(folder)
    http10 = serve_folder(folder, keep_alive=False)
    pki = make_pki(OUT / "pki")
    https = serve_folder(folder, tls=pki)
    threads = (args.threads, args.ref_threads)
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M %Z"),
                               "machine": machine(), "threads": args.threads,
                               "ref_threads": args.ref_threads, "models": {}}
    try:
        sets = {"validation": small, "large": large}
        reps = {"validation": args.repeats, "large": args.repeats}
        photo = cold.Photo(folder / small[0], f"{images.url}/{small[0]}",
                           f"{https.url}/{small[0]}", pki / "ca.pem")
        for name, path, keras in (("xception", model, xmodel.KERAS),
                                  ("clothing (default)", DEFAULT_MODEL, None)):
            block = {"model": str(path.relative_to(OUT.parent.parent)),
                     "latency": model_latency(path, keras, images, sets, reps, threads,
                                              http10 if keras is not None else None)}
            print(f"  {name}: cold starts ...", file=sys.stderr, flush=True)
            block["cold"] = cold.measure(path, keras, photo, threads, args.cold_runs,
                                         args.tf_cold_runs)
            results["models"][name] = block
        results["sizes"] = sizes.measure()
        print("  log line and metrics cost ...", file=sys.stderr, flush=True)
        results["logging"] = logcost.in_child(quick=args.quick)
        print("  v2 binary infer beside POST /predict ...", file=sys.stderr, flush=True)
        results["oip"] = oip.measure([folder / n for n in small[:8]], args.oip_pairs)
        print("  load test ...", file=sys.stderr, flush=True)
        urls = [f"{images.url}/{n}" for n in small[: args.load_images]]
        results["load"] = concurrency(images, urls, args.load_requests, args.threads)
    finally:
        images.close()
        http10.close()
        https.close()
    results["targets"] = targets.all_targets(results)
    return results


def main() -> int:
    """Run, print, record."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.suite")
    p.add_argument("--images", type=int, default=30, help="validation photos sampled")
    p.add_argument("--large", type=int, default=8, help="12-MP photos made from them")
    p.add_argument("--repeats", type=int, default=5, help="passes over each photo set")
    p.add_argument("--cold-runs", type=int, default=9)
    p.add_argument("--tf-cold-runs", type=int, default=3)
    p.add_argument("--load-requests", type=int, default=96, help="requests per level")
    p.add_argument("--load-images", type=int, default=16)
    p.add_argument("--oip-pairs", type=int, default=300,
                   help="(POST /predict, v2 infer) pairs per way")
    p.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)),
                   help="our interpreter threads (and the bare invoke's)")
    p.add_argument("--ref-threads", type=int, default=0,
                   help="tflite-runtime threads of the reference; 0: unset, as in the lesson")
    p.add_argument("--quick", action="store_true", help="few images and runs (a smoke test)")
    p.add_argument("--no-doc", action="store_true", help="leave docs/ alone")
    args = p.parse_args()
    if args.quick:
        args.images, args.large, args.repeats = 4, 2, 1
        args.cold_runs, args.tf_cold_runs, args.load_requests, args.load_images = 1, 1, 8, 4
        args.oip_pairs = 20
    results = run(args)
    text = report.markdown(results)
    print(text)
    write_json(OUT / "bench.json", results)
    if not args.no_doc:
        report.chart(results)
        write_json(DOC_JSON, results)
        write_tables()
    print("\n" + closing_line(results["targets"], args.quick), file=sys.stderr)
    return 0


def closing_line(rows: list[dict[str, Any]], quick: bool) -> str:
    """The last line: targets met and missed; a quick run judges nothing (too few samples)."""
    judged = [r for r in rows if r["status"] in ("PASS", "MISS")]
    missed = [r for r in judged if r["status"] == "MISS"]
    where = f"results in {OUT / 'bench.json'}"
    if quick:
        return (f"quick run: a smoke test of the suite, too few photos and runs to judge the "
                f"{len(judged)} targets (the PASS/MISS above are not verdicts); "
                f"`make bench` judges them; {where}")
    return (f"{len(judged) - len(missed)} of {len(judged)} targets met, {len(missed)} missed "
            f"({len(rows) - len(judged)} rows for information only); {where}")


if __name__ == "__main__":
    raise SystemExit(main())
