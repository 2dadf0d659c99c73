"""ONNX Runtime's own choices measured: graph optimisation level, lock or no lock, and the size
of either runtime set (what a GCP/Azure deploy installs, what the Lambda zip carries)."""

from __future__ import annotations

import statistics
import subprocess
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import OUT, PY, ROOT

LEVELS = ("ORT_DISABLE_ALL", "ORT_ENABLE_BASIC", "ORT_ENABLE_EXTENDED", "ORT_ENABLE_ALL")


def _pixels(photos: list[Path], count: int) -> list[np.ndarray]:
    from core.images.resize import load_rgb

    return [load_rgb(p.read_bytes(), (299, 299), "nearest")[None] for p in photos[:count]]


def optimization_levels(model: Path, photos: list[Path], rounds: int = 3,
                        threads: int = 2) -> dict[str, dict[str, float]]:
    """Per level: session creation (s), first run (ms), steady median run (ms); medians."""
    import onnxruntime as ort

    from core.inference.normalization import normalize

    tensors = [normalize(p, "xception") for p in _pixels(photos, 8)]
    found: dict[str, dict[str, list[float]]] = {level: {} for level in LEVELS}
    for _ in range(rounds):
        for level in LEVELS:
            options = ort.SessionOptions()
            options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
            options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, level)
            start = time.perf_counter()
            session = ort.InferenceSession(str(model), options,
                                           providers=["CPUExecutionProvider"])
            created = time.perf_counter() - start
            name = session.get_inputs()[0].name
            times = []
            for x in tensors:
                start = time.perf_counter()
                session.run(None, {name: x})
                times.append((time.perf_counter() - start) * 1000)
            row = found[level]
            row.setdefault("create_s", []).append(created)
            row.setdefault("first_ms", []).append(times[0])
            row.setdefault("steady_ms", []).append(statistics.median(times[1:]))
    return {level: {k: round(statistics.median(v), 3) for k, v in row.items()}
            for level, row in found.items()}


def _clients(classifier: Any, pixels: list[np.ndarray], clients: int,
             repeat: int) -> tuple[float, float, list[np.ndarray]]:
    """(images per second, median ms per call, every answer in client order)."""
    answers: list[list[np.ndarray]] = [[] for _ in range(clients)]
    latencies: list[float] = []

    def client(index: int) -> None:
        for _ in range(repeat):
            image = pixels[index % len(pixels)]
            start = time.perf_counter()
            answers[index].append(classifier.predict(image))
            latencies.append((time.perf_counter() - start) * 1000)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    return clients * repeat / wall, statistics.median(latencies), [a for r in answers for a in r]


def concurrency(model: Path, photos: list[Path], repeat: int = 4,
                rounds: int = 2) -> dict[str, dict[str, float]]:
    """One shared session, locked and not, at 1, 2, 4 and 8 clients (MODEL_THREADS=2)."""
    from core.inference.loader import load_classifier

    classifier: Any = load_classifier(model, threads=2)
    pixels = _pixels(photos, 8)
    serial = [classifier.predict(p) for p in pixels]
    found: dict[str, dict[str, list[float]]] = {}
    for _ in range(rounds):
        for clients in (1, 2, 4, 8):
            for locked in (False, True):
                classifier._lock = threading.Lock() if locked else _NoLock()
                rate, median, answers = _clients(classifier, pixels, clients, repeat)
                expected = [serial[i % len(pixels)] for i in range(clients) for _ in range(repeat)]
                equal = all(np.array_equal(a, b) for a, b in zip(answers, expected, strict=True))
                row = found.setdefault(f"{clients} {'lock' if locked else 'no lock'}", {})
                row.setdefault("images_per_s", []).append(rate)
                row.setdefault("median_ms", []).append(median)
                row.setdefault("equal_to_serial", []).append(float(equal))
    return {key: {k: round(min(v) if k == "equal_to_serial" else statistics.median(v), 2)
                  for k, v in row.items()} for key, row in found.items()}


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _zip_sizes(model: Path | None, name: str) -> tuple[float, float]:
    out = OUT / "onnx" / f"bundle-{name}.zip"
    argv = [PY, str(ROOT / "scripts" / "bundle_aws.py"), "--source", "local", "--out", str(out)]
    subprocess.run([*argv, *(["--model", str(model)] if model else [])], check=True,
                   capture_output=True, timeout=900)
    with zipfile.ZipFile(out) as archive:
        infos = [i for i in archive.infolist() if not i.filename.startswith("models/")]
    return (round(sum(i.compress_size for i in infos) / 2**20, 1),
            round(sum(i.file_size for i in infos) / 2**20, 1))


def runtime_sizes(onnx_model: Path) -> dict[str, dict[str, float]]:
    """MiB of each runtime set: installed by pip (GCP/Azure), and in the Lambda zip (zipped,
    unzipped), the model files left out so both runtimes compare alike."""
    import importlib
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    bundle_aws: Any = importlib.import_module("bundle_aws")
    model_set: Any = importlib.import_module("model_set")

    rows = {}
    for name, model in (("ai-edge-litert (default)", None), ("onnxruntime", onnx_model)):
        lines = bundle_aws.REQUIREMENTS.read_text().splitlines()
        wanted = model_set.requirements(lines, model)
        names = [line.split(">")[0].split("=")[0].strip() for line in wanted
                 if line.strip() and not line.startswith("#")]
        dists = bundle_aws.runtime_distributions(names)
        installed = sum(Path(str(d.locate_file(f))).stat().st_size for d in dists
                        for f in d.files or [] if Path(str(d.locate_file(f))).is_file())
        zipped, unzipped = _zip_sizes(model, name.split()[0])
        rows[name] = {"installed_mb": round(installed / 2**20, 1), "zip_mb": zipped,
                      "unzipped_mb": unzipped}
    return rows


def interleaved(model: Path, photos: list[Path], rounds: int = 2,
                threads: int = 2) -> dict[str, float]:
    """Ours end to end (the Lambda handler on photo bytes) and the bare ``session.run`` on the
    same photo's prepared tensor, alternated photo by photo in one process: the ratio the
    ONNX target is about, with the machine's noise hitting both sides alike."""
    import base64

    import onnxruntime as ort

    from aws_lambda.handler import handle_event
    from core.api.service import Service
    from core.config import Settings
    from core.images.resize import load_rgb
    from core.inference.normalization import normalize

    service = Service(Settings.from_env(model_path=model, model_threads=threads,
                                        log_level="WARNING"))
    service.warm()
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    bodies = [base64.b64encode(p.read_bytes()).decode() for p in photos]
    tensors = [normalize(load_rgb(p.read_bytes(), (299, 299), "nearest")[None], "xception")
               for p in photos]
    ours, bare = [], []
    for _ in range(rounds):
        for body, tensor in zip(bodies, tensors, strict=True):
            start = time.perf_counter()
            handle_event(service, {"image": body}, None)
            ours.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            session.run(None, {name: tensor})
            bare.append((time.perf_counter() - start) * 1000)
    median_ours, median_bare = statistics.median(ours), statistics.median(bare)
    return {"ours_ms": round(median_ours, 1), "bare_ms": round(median_bare, 1),
            "ratio": round(median_ours / median_bare, 3)}


def head_to_head(models: dict[str, Path], runs: int = 10,
                 threads: int = 2) -> dict[str, dict[str, float]]:
    """Bare LiteRT ``invoke`` against bare ``session.run`` on one tensor, alternated run by run
    in one process, per quantisation: which runtime is faster on this CPU (median ms)."""
    import onnxruntime as ort
    from ai_edge_litert.interpreter import Interpreter

    x = np.random.default_rng(0).uniform(-1, 1, (1, 299, 299, 3)).astype(np.float32)
    found = {}
    for kind in ("float32", "dynamic"):
        interpreter: Any = Interpreter(model_path=str(models[f"litert-{kind}"]),
                                       num_threads=threads)
        interpreter.allocate_tensors()
        index = interpreter.get_input_details()[0]["index"]
        options = ort.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        session = ort.InferenceSession(str(models[f"onnx-{kind}"]), options,
                                       providers=["CPUExecutionProvider"])
        lite, onnx = [], []
        for _ in range(runs):
            start = time.perf_counter()
            interpreter.set_tensor(index, x)
            interpreter.invoke()
            lite.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            session.run(None, {"input": x})
            onnx.append((time.perf_counter() - start) * 1000)
        found[kind] = {"litert_ms": round(statistics.median(lite), 1),
                       "onnxruntime_ms": round(statistics.median(onnx), 1)}
    return found
