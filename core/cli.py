"""Command line: ``serve``, ``predict PATH_OR_URL``, ``info``, ``evaluate DIR``,
``batch SOURCE --out FILE``.

``predict``, ``info``, ``evaluate`` and ``batch`` print only their result and errors (``batch``:
its progress and one summary line) unless ``-v`` (or ``LOG_LEVEL``) asks for the log lines;
``serve`` logs every request."""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from core import errors
from core.api.service import Service
from core.cli_quiet import native_info_dropped
from core.config import Settings
from core.messages import Request


def _serve(service: Service, args: argparse.Namespace) -> int:
    from core.api.server import exposure_warning, make_server

    service.warm()
    warning = exposure_warning(args.host, service.settings)
    if warning:
        print(warning, file=sys.stderr)
    try:
        server = make_server(service, args.host, args.port)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        raise OSError(f"{args.host}:{args.port} is already in use; pass --port "
                      "(or PORT= to make run)") from exc
    for note in server.notes:
        print(note, file=sys.stderr)
    host, port = str(server.server_address[0]), server.server_address[1]
    print(f"serving {service.pipeline.classifier.manifest.name} on http://{host}:{port} "
          "(Ctrl-C to stop)", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _predict(service: Service, args: argparse.Namespace) -> int:
    target: str = args.source
    if target.startswith(("http://", "https://")):
        body = json.dumps({"url": target}).encode()
        headers = {"content-type": "application/json"}
    else:
        body = Path(target).read_bytes()
        headers = {"content-type": "application/octet-stream"}
    query = {"top_k": str(args.top_k)} if args.top_k else {}
    response = service.handle(Request("POST", "/predict", headers, query, body))
    print(json.dumps(response.json(), indent=2))
    return 0 if response.status == 200 else 1


def _info(service: Service, args: argparse.Namespace) -> int:
    print(json.dumps(service.pipeline.classifier.describe(), indent=2))
    return 0


def _evaluate(service: Service, args: argparse.Namespace) -> int:
    from core.pipeline.evaluation import evaluate, format_report

    report = evaluate(service.pipeline, Path(args.directory))
    print(format_report(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


def _batch(service: Service, args: argparse.Namespace) -> int:
    from core.batch.command import Options, run_batch

    # the log lines of -v would break the bar's line: it shows then only when asked for
    progress: bool | None = getattr(args, "progress", None)
    if progress is None and args.verbose:
        progress = False
    return run_batch(service.pipeline, Options(args.source, Path(args.out), args.workers,
                                               progress))


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text}")
    return value


def _add_batch(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    batch = add("batch", "classify a folder, a list of URLs or an s3:// / gs:// prefix into "
                "JSON lines (resumable)")
    batch.add_argument("source", help="a folder of images, a text file of http(s) URLs (one a "
                       "line), or an s3://BUCKET/PREFIX or gs://BUCKET/PREFIX")
    batch.add_argument("--out", required=True, default=argparse.SUPPRESS,
                       help="the JSON-lines file to append to; what it already holds is "
                       "skipped (-: standard output, nothing skipped)")
    batch.add_argument("--workers", type=_positive, default=2,
                       help="threads that read and decode ahead while the model runs")
    batch.add_argument("--progress", action=argparse.BooleanOptionalAction,
                       default=argparse.SUPPRESS,
                       help="show progress (default: when stderr is a terminal and without -v)")
    batch.set_defaults(run=_batch)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``classifier`` (also ``python -m core``)."""
    parser = argparse.ArgumentParser(prog="classifier", description=__doc__)
    model_help = "model .tflite, .onnx or manifest .json (default: MODEL_PATH)"
    parser.add_argument("--model", help=model_help)
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also print the log lines (model load, request) on stderr")
    # --model may also follow the subcommand; SUPPRESS keeps the one given first otherwise.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--model", default=argparse.SUPPRESS, help=model_help)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="also print the log lines (model load, request) on stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, parents=[common],
                              formatter_class=argparse.ArgumentDefaultsHelpFormatter)

    serve = add("serve", "serve the API over HTTP")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (0.0.0.0: every interface)")
    serve.add_argument("--port", type=int, default=8080, help="TCP port (0: any free port)")
    serve.set_defaults(run=_serve)
    predict = add("predict", "classify an image file or URL")
    predict.add_argument("source", help="image path or http(s) URL")
    predict.add_argument("--top-k", type=int, default=0, help="answer the best K (0: all)")
    predict.set_defaults(run=_predict)
    info = add("info", "print the model's metadata")
    info.set_defaults(run=_info)
    evaluate = add("evaluate", "accuracy on a folder of <class>/<image> files")
    evaluate.add_argument("directory")
    evaluate.add_argument("--json", help="also write the report here")
    evaluate.set_defaults(run=_evaluate)
    _add_batch(add)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; configuration errors print one line and exit 2, for every command."""
    args = build_parser().parse_args(argv)
    quiet = args.command != "serve" and not args.verbose and "LOG_LEVEL" not in os.environ
    try:
        # --model names a local file: it wins over MODEL_URI as over MODEL_PATH.
        overrides: dict[str, Any] = {"log_level": "WARNING"} if quiet else {}
        if args.model:
            overrides.update(model_path=Path(args.model), model_uri="")
        service = Service(Settings.from_env(**overrides))
        with native_info_dropped() if quiet else nullcontext():
            service.warm()  # a bad model or variable fails here, not as a 500 inside a request
        return int(args.run(service, args))
    except (errors.ConfigError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C before a command's own handling (the model load)
        print("interrupted", file=sys.stderr)
        return 130
