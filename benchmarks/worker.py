"""Worker processes for our side of the suite (run in the project's .venv).

``python -m benchmarks.worker KIND``; KIND is one of

* ``lambda``: ``aws_lambda/lambda_function.lambda_handler({"url": ...}, None)`` per request;
* ``server``: ``core.api.server.make_server`` on a free port (the suite is the HTTP client);
  ``server-before``: the same with ``benchmarks.legacy_server`` (http.server, the former local
  server);
* ``invoke``: the bare LiteRT ``invoke()`` on the same model and thread count;
* ``cold-ours`` / ``cold-bare``: one cold start, printed with the peak RSS;
  ``cold-ours-nohash``: the same without hashing the model file (a what-if for the core);
  ``cold-ours-https``: ``cold-ours`` with an https URL, the bench's CA (``--ca``) trusted
  beside certifi's roots;
* ``cold-floor`` / ``cold-floor-tls``: the bare cold start plus what any service that decodes
  with Pillow must carry (one photo from ``--image`` decoded and resized, no HTTP code), and
  with ``-tls`` the TLS context an https image URL needs (certifi's roots): memory floors.

The model and the fetch permissions come from the environment, as in production.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LAMBDA_DIR = ROOT / "aws_lambda"


def peak_rss_mb() -> float:
    """VmHWM of this process in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def lambda_handler() -> tuple[Callable[[dict[str, Any], Any], Any], str]:
    """The deployed handler, or the core's service when aws_lambda/ is not there yet."""
    if (LAMBDA_DIR / "lambda_function.py").is_file():
        sys.path.insert(0, str(LAMBDA_DIR))
        import lambda_function  # type: ignore[import-not-found, unused-ignore]

        handler: Callable[[dict[str, Any], Any], Any] = lambda_function.lambda_handler
        return handler, "aws_lambda/lambda_function.py"
    from core.api.service import default_service
    from core.messages import Request

    service = default_service()
    service.warm()

    def fallback(event: dict[str, Any], context: Any) -> Any:
        body = json.dumps(event).encode()
        request = Request("POST", "/predict", {"content-type": "application/json"}, {}, body)
        return service.handle(request).json()

    return fallback, "core.api.service (aws_lambda/lambda_function.py missing)"


def run_lambda() -> None:
    """Time the handler on each URL sent."""
    handler, via = lambda_handler()
    print(json.dumps({"ready": True, "via": via}), flush=True)
    for line in sys.stdin:
        event = {"url": json.loads(line)["url"]}
        started = time.perf_counter()
        answer = handler(event, None)
        ms = (time.perf_counter() - started) * 1000
        print(json.dumps({"ms": ms, "answer": answer}), flush=True)


def run_server(before: bool = False) -> None:
    """Serve until stdin closes."""
    from core.api.server import make_server
    from core.api.service import Service

    if before:
        from benchmarks.legacy_server import make_server  # type: ignore[assignment]

    service = Service()
    service.warm()
    server = make_server(service, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(json.dumps({"ready": True, "port": server.server_address[1]}), flush=True)
    for _ in sys.stdin:
        pass
    server.shutdown()


def bare_interpreter(model: str, threads: int) -> Any:
    """LiteRT's interpreter on ``model``, tensors allocated, input filled once."""
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter

    interpreter: Any = Interpreter(model_path=model, num_threads=threads)
    interpreter.allocate_tensors()
    detail = interpreter.get_input_details()[0]
    interpreter.set_tensor(detail["index"], np.full(detail["shape"], 1, detail["dtype"]))
    return interpreter


def run_invoke(model: str, threads: int) -> None:
    """Time ``invoke()`` alone, once per line sent."""
    interpreter = bare_interpreter(model, threads)
    print(json.dumps({"ready": True}), flush=True)
    for _ in sys.stdin:
        started = time.perf_counter()
        interpreter.invoke()
        print(json.dumps({"ms": (time.perf_counter() - started) * 1000}), flush=True)


def skip_model_hash() -> None:
    """What-if for the cold start: the model's sha256 taken from its manifest, not hashed."""
    import core.inference.classifier
    import core.inference.loader

    model = Path(os.environ["MODEL_PATH"])
    manifest = model.with_suffix(".json")
    if not manifest.is_file():
        manifest = model.parent / "model.json"
    pinned = str(json.loads(manifest.read_text()).get("sha256", ""))
    for module in (core.inference.loader, core.inference.classifier):
        setattr(module, "sha256_of", lambda path: pinned)  # noqa: B010 - patch, not an attribute


def trust_bench_ca(ca: str) -> None:
    """The service's TLS context (certifi's roots) plus the bench's CA, made on first use as in
    production; patched in this worker process only."""
    import functools

    import core.fetch.pinning

    made_by_core = core.fetch.pinning.tls_context

    @functools.cache
    def with_bench_ca() -> Any:
        context = made_by_core()
        context.load_verify_locations(cafile=ca)
        return context

    setattr(core.fetch.pinning, "tls_context", with_bench_ca)  # noqa: B010 - patch, not an attribute


def floor_answer(model: str, threads: int, image: str, tls: bool) -> list[Any]:
    """The bare invoke on a real photo decoded by Pillow; with ``tls`` an https-ready context."""
    import io

    import numpy as np
    from PIL import Image

    interpreter = bare_interpreter(model, threads)
    if tls:
        import ssl

        import certifi

        # What core.fetch.tls.tls_context makes, without importing the fetcher.
        ssl.create_default_context(cafile=certifi.where())
    detail = interpreter.get_input_details()[0]
    height, width = (int(n) for n in detail["shape"][1:3])
    with Image.open(io.BytesIO(Path(image).read_bytes())) as photo:
        pixels = np.asarray(photo.convert("RGB").resize((width, height)))
    interpreter.set_tensor(detail["index"], pixels[np.newaxis].astype(detail["dtype"]))
    return invoke_once(interpreter)


def invoke_once(interpreter: Any) -> list[Any]:
    """One ``invoke()`` on the input already set; the output tensor as lists."""
    interpreter.invoke()
    answer: list[Any] = interpreter.get_tensor(interpreter.get_output_details()[0]["index"]
                                               ).tolist()
    return answer


def cold(kind: str, url: str, model: str, threads: int, image: str = "", ca: str = "") -> None:
    """One cold start: import to first answer, in this fresh process."""
    started = time.perf_counter()
    if kind.startswith("cold-ours"):
        if kind == "cold-ours-nohash":
            skip_model_hash()
        elif kind == "cold-ours-https":
            trust_bench_ca(ca)
        handler, via = lambda_handler()
        answer = handler({"url": url}, None)
    elif kind.startswith("cold-floor"):
        answer = floor_answer(model, threads, image, tls=kind == "cold-floor-tls")
        via = "ai_edge_litert + Pillow" + (" + ssl" if kind == "cold-floor-tls" else "")
    else:
        answer, via = invoke_once(bare_interpreter(model, threads)), "ai_edge_litert"
    print(json.dumps({"cold_s": time.perf_counter() - started, "rss_mb": peak_rss_mb(),
                      "via": via, "answer": answer}), flush=True)


def main() -> int:
    """Dispatch on KIND."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.worker")
    parser.add_argument("kind", choices=("lambda", "server", "server-before", "invoke",
                                         "cold-ours",
                                         "cold-ours-nohash", "cold-ours-https", "cold-bare",
                                         "cold-floor", "cold-floor-tls"))
    parser.add_argument("--model", default="")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--url", default="")
    parser.add_argument("--image", default="", help="a photo file (cold-floor*)")
    parser.add_argument("--ca", default="", help="a CA file to trust (cold-ours-https)")
    args = parser.parse_args()
    if args.kind == "lambda":
        run_lambda()
    elif args.kind in ("server", "server-before"):
        run_server(before=args.kind == "server-before")
    elif args.kind == "invoke":
        run_invoke(args.model, args.threads)
    else:
        cold(args.kind, args.url, args.model, args.threads, args.image, args.ca)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
