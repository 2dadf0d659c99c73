"""Settings: one frozen object read from the environment in one place.

An explicit argument wins over the environment: ``Settings.from_env(model_threads=1)``.
A bad value raises ConfigError naming the variable and the value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from core.config.checks import RUNTIMES, check_settings
from core.config.choices import NORMALIZATIONS, OUTPUT_KINDS, RESAMPLE_NAMES
from core.config.parsing import parse
from core.config.ranges import Range, count, positive
from core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]  # the checkout, or the bundle's root
DEFAULT_MODEL = ROOT / "models" / "clothing" / "model.tflite"
_BUNDLED = ROOT / "models" / "default.txt"  # a bundle built with MODEL=... names its model here
if _BUNDLED.is_file():
    DEFAULT_MODEL = ROOT / _BUNDLED.read_text(encoding="utf-8").strip()
DEFAULT_MAX_PIXELS = 25_000_000  # a 24 MP camera photo fits; ~100 MB as RGBA at most


def available_cpus() -> int:
    """CPUs this process may run on (the affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _meta(env: str, doc: str, default: str | None = None, *, values: Range | None = None,
          allowed: str | None = None, choices: tuple[str, ...] = ()) -> dict[str, Any]:
    """Field metadata: the variable, a one-line description, (in words) the default and the
    values it may take: a number's range, a text's forms in words (``allowed``), or the words
    it must be one of (``choices``: the settings check and the docs both read them)."""
    meta: dict[str, Any] = {"env": env, "doc": doc}
    if choices:
        meta["choices"] = choices
        allowed = ", ".join(f"`{word}`" for word in choices)
    if default:
        meta["default"] = default
    if values is not None:
        meta["range"] = values
    if allowed:
        meta["allowed"] = allowed
    return meta


HOUR = 3600.0
GIB = 1 << 30


@dataclass(frozen=True)
class Settings:
    """Every tunable of the service. Field metadata names the environment variable."""

    model_path: Path = field(default=DEFAULT_MODEL, metadata=_meta(
        "MODEL_PATH",
        "the model file to serve (`.tflite` or `.onnx`), or its manifest `.json`",
        "`models/clothing/model.tflite`"))
    model_manifest: Path | None = field(default=None, metadata=_meta(
        "MODEL_MANIFEST",
        "the manifest (labels, input, preprocessing, output kind, sha256)",
        "`<model>.json` or `model.json` beside it"))
    model_labels: tuple[str, ...] = field(default=(), metadata=_meta(
        "MODEL_LABELS",
        "comma-separated labels in output order (overrides the manifest)",
        "from the manifest"))
    model_labels_file: Path | None = field(default=None, metadata=_meta(
        "MODEL_LABELS_FILE",
        "one label per line, when there is no manifest",
        "`labels.txt` beside the model"))
    model_normalization: str | None = field(
        default=None, metadata=_meta(
        "MODEL_NORMALIZATION",
        "`mobilenet`/`xception`/`inception` (x/127.5-1), `resnet50`/`vgg16`/`caffe` (BGR, "
        "mean subtracted), `efficientnet` (0..255), `torch` (ImageNet mean/std), `none`; "
        "`auto` passes pixels straight into a quantised input",
        "from the manifest (`auto`)", choices=NORMALIZATIONS))
    model_resize: str | None = field(default=None, metadata=_meta(
        "MODEL_RESIZE",
        "resample filter",
        "from the manifest (`bilinear`)", choices=RESAMPLE_NAMES))
    model_output: str | None = field(default=None, metadata=_meta(
        "MODEL_OUTPUT",
        "what the model outputs: `sigmoid` is independent per-label scores (reported by "
        "`GET /model`)",
        "from the manifest", choices=OUTPUT_KINDS))
    jpeg_draft: bool | None = field(default=None, metadata=_meta(
        "JPEG_DRAFT",
        "decode large JPEGs at reduced size (DCT scaling) before resizing",
        "from the manifest (`true`)"))
    model_threads: int = field(default_factory=available_cpus, metadata=_meta(
        "MODEL_THREADS",
        "interpreter threads",
        "CPUs available to the process", values=count(1, 256)))
    model_runtime: str = field(default="auto", metadata=_meta(
        "MODEL_RUNTIME",
        "`auto` (by the model file: LiteRT, then tflite-runtime, then TensorFlow for TFLite; "
        "ONNX Runtime for ONNX), or that runtime", choices=RUNTIMES))
    model_layout: str | None = field(default=None, metadata=_meta(
        "MODEL_LAYOUT",
        "`NHWC` or `NCHW`, for a model whose input shape does not say (both sizes 3)",
        "from the model, else the manifest's `input.layout`"))
    model_input_size: tuple[int, int] | None = field(default=None, metadata=_meta(
        "MODEL_INPUT_SIZE",
        "`224` or `WIDTHxHEIGHT`, for a model whose height and width are symbolic",
        "from the model, else the manifest"))  # (height, width)
    model_resize_shorter: int | None = field(default=None, metadata=_meta(
        "MODEL_RESIZE_SHORTER",
        "resize the shorter side to this, then center-crop to the input size (torchvision's "
        "`Resize(S)` + `CenterCrop`); `0` resizes straight to the input size",
        "from the manifest (`0`)", values=count(0, 65535)))
    model_softmax: bool | None = field(default=None, metadata=_meta(
        "MODEL_SOFTMAX",
        "answer softmax probabilities for a model that outputs logits",
        "from the manifest (`false`)"))
    model_uri: str = field(default="", metadata=_meta(
        "MODEL_URI",
        "download the model (with its manifest, labels and external data from the same "
        "prefix) from object storage once at start, into `MODEL_CACHE_DIR`, and serve it "
        "instead of `MODEL_PATH`",
        "empty (serve `MODEL_PATH`)",
        allowed="`s3://BUCKET/KEY`, `gs://BUCKET/OBJECT`, "
                "`https://ACCOUNT.blob.core.windows.net/CONTAINER/BLOB`, any `https://` URL"))
    model_sha256: str = field(default="", metadata=_meta(
        "MODEL_SHA256",
        "the model's identity (`sha256` of `GET /model`, external data included) that the "
        "download must match; required for a plain `https://` `MODEL_URI`",
        "empty (not checked)", allowed="64 hex digits"))
    model_cache_dir: Path | None = field(default=None, metadata=_meta(
        "MODEL_CACHE_DIR",
        "where `MODEL_URI` is downloaded to; a verified copy there is reused by the next start",
        "`classifier-models` in the temp folder (`/tmp` on Lambda)",
        allowed="a writable folder"))
    model_download_timeout: float = field(default=30.0, metadata=_meta(
        "MODEL_DOWNLOAD_TIMEOUT",
        "`MODEL_URI`: seconds to connect to the store, and to wait for its next bytes",
        values=positive(HOUR)))
    results_uri: str = field(default="", metadata=_meta(
        "RESULTS_URI",
        "storage and queue events, `classifier batch`: where each classified object's JSON "
        "result is written (a folder or prefix, ending in `/`); keep it outside the watched "
        "prefix (results under it are never classified)",
        "empty (events are refused: there is nowhere to write)",
        allowed="`s3://BUCKET/PREFIX/`, `gs://BUCKET/PREFIX/`, "
                "`https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX/`, a local folder"))
    max_body_bytes: int = field(default=6 * 1024 * 1024, metadata=_meta(
        "MAX_BODY_BYTES",
        "largest request body (413 above it; Lambda's own payload limit is 6 MB)",
        values=count(1, GIB)))
    max_image_bytes: int = field(default=10 * 1024 * 1024, metadata=_meta(
        "MAX_IMAGE_BYTES",
        "largest image download, bytes actually read after Content-Encoding",
        values=count(1, GIB)))
    max_image_pixels: int = field(default=DEFAULT_MAX_PIXELS, metadata=_meta(
        "MAX_IMAGE_PIXELS",
        "largest image, width x height from the header before decoding (413)",
        values=count(1, 1_000_000_000)))
    max_batch: int = field(default=16, metadata=_meta(
        "MAX_BATCH_URLS",
        "most URLs (or images) in one request", values=count(1, 1024)))
    max_request_pixels: int = field(default=50_000_000, metadata=_meta(
        "MAX_REQUEST_PIXELS",
        "most pixels one request may decode, summed over its images, counted before each "
        "decode at the size it decodes to (JPEGs at their reduced draft size); 413 past it",
        values=count(1, 100_000_000_000)))
    decode_memory_mb: int = field(default=256, metadata=_meta(
        "DECODE_MEMORY_MB",
        "memory that image decodes in flight may take across the process; requests wait "
        "for their share", values=count(1, 1 << 20)))
    decode_cpu_seconds: float = field(default=1.0, metadata=_meta(
        "DECODE_CPU_SECONDS", "CPU time one image's decode may take (422 past it)",
        values=positive(HOUR)))
    server_threads: int = field(default=8, metadata=_meta(
        "SERVER_THREADS", "local server (`python -m core serve`): worker threads",
        values=count(1, 1024)))
    server_connections: int = field(default=4000, metadata=_meta(
        "SERVER_CONNECTIONS", "local server: most open connections", values=count(1, 100_000)))
    server_timeout: float = field(default=15.0, metadata=_meta(
        "SERVER_TIMEOUT",
        "local server: seconds a keep-alive connection may stay idle (a body: 4 times that; "
        "whole: waitress truncates it)",
        values=count(1, 86_400)))
    server_head_timeout: float = field(default=5.0, metadata=_meta(
        "SERVER_HEAD_TIMEOUT",
        "local server: seconds a request head may take from the connection or its first byte",
        values=positive(HOUR)))
    request_deadline_seconds: float = field(default=55.0, metadata=_meta(
        "REQUEST_DEADLINE_SECONDS",
        "GCP and the local server: seconds a request may take before it is answered 504 "
        "`deadline_exceeded`; keep it under the GCP function's `--timeout` (60 s by default)",
        values=positive(HOUR)))
    lambda_deadline_margin_ms: int = field(default=1000, metadata=_meta(
        "LAMBDA_DEADLINE_MARGIN_MS",
        "Lambda: answer this long before the invocation's time runs out (HTTP events also "
        "before API Gateway's 29 s)", values=count(0, 60_000)))
    azure_deadline_seconds: float = field(default=220.0, metadata=_meta(
        "AZURE_DEADLINE_SECONDS",
        "Azure: seconds an invocation may take, under the 230 s limit of HTTP triggers",
        values=positive(230)))
    fetch_connect_timeout: float = field(default=3.0, metadata=_meta(
        "FETCH_CONNECT_TIMEOUT",
        "seconds to connect to the image host", values=positive(HOUR)))
    fetch_read_timeout: float = field(default=5.0, metadata=_meta(
        "FETCH_READ_TIMEOUT",
        "seconds between bytes from the image host", values=positive(HOUR)))
    fetch_deadline: float = field(default=10.0, metadata=_meta(
        "FETCH_DEADLINE",
        "seconds for the whole download, redirects included", values=positive(HOUR)))
    fetch_max_redirects: int = field(default=3, metadata=_meta(
        "FETCH_MAX_REDIRECTS",
        "redirects followed, each re-validated", values=count(0, 20)))
    fetch_user_agent: str = field(
        default="serverless-classifier/0.1 (+image fetch)", metadata=_meta(
        "FETCH_USER_AGENT",
        "User-Agent of image downloads"))
    allow_private_urls: bool = field(default=False, metadata=_meta(
        "ALLOW_PRIVATE_URLS",
        "allow loopback/private/link-local image hosts and any port (local development and "
        "tests only); never cloud metadata endpoints"))
    allowed_ports: tuple[int, ...] = field(default=(80, 443), metadata=_meta(
        "ALLOWED_PORTS",
        "ports image URLs may use"))
    url_allowlist: tuple[str, ...] = field(default=(), metadata=_meta(
        "URL_ALLOWLIST",
        "host names, `.suffix`es or CIDRs allowed even when private (still pinned and "
        "port-checked); a metadata endpoint (169.254.169.254, ...) only by its exact address"))
    api_keys_sha256: tuple[str, ...] = field(default=(), metadata=_meta(
        "API_KEYS_SHA256",
        "accepted API keys, as the sha256 of each: every request must then carry "
        "`Authorization: Bearer KEY` (401 otherwise), except `API_KEY_OPEN_ROUTES`",
        "empty (no key asked)", allowed="comma-separated 64-hex-digit sha256 digests"))
    api_key_open_routes: tuple[str, ...] = field(default=(), metadata=_meta(
        "API_KEY_OPEN_ROUTES",
        "routes answered without a key when `API_KEYS_SHA256` is set (load balancer probes, "
        "the demo page)", "empty (every route asks for the key)",
        allowed="comma-separated: `/`, `/health`, `/v2/health/live`, `/v2/health/ready`"))
    cors_allow_origin: str = field(default="", metadata=_meta(
        "CORS_ALLOW_ORIGIN",
        "value of `Access-Control-Allow-Origin` (empty: no CORS headers)"))
    log_level: str = field(default="INFO", metadata=_meta(
        "LOG_LEVEL",
        "level of the JSON log lines"))
    log_format: str = field(default="auto", metadata=_meta(
        "LOG_FORMAT",
        "request line shape: `auto` (the platform's), `json`, `lambda`, `gcp`, `azure` "
        "([Observability](observability.md))"))
    metrics: bool = field(default=True, metadata=_meta(
        "METRICS",
        "Lambda: CloudWatch EMF metrics in the request line; `off` removes them", "`on`"))
    metrics_namespace: str = field(default="ServerlessClassifier", metadata=_meta(
        "METRICS_NAMESPACE", "Lambda: the metrics' CloudWatch namespace"))
    service_name: str = field(default="classifier", metadata=_meta(
        "SERVICE_NAME", "the `service` field of the log line and metrics dimension"))
    gcp_project: str = field(default="", metadata=_meta(
        "GOOGLE_CLOUD_PROJECT", "GCP: project id for `logging.googleapis.com/trace`"))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read every field's variable from ``env`` (default os.environ); overrides win."""
        source = os.environ if env is None else env
        values: dict[str, Any] = {}
        for spec in fields(cls):
            if spec.name in overrides:
                continue
            var = spec.metadata["env"]
            raw = source.get(var)
            if raw is not None and raw.strip() != "":
                values[spec.name] = parse(var, raw.strip(), spec.name)
        unknown = set(overrides) - {spec.name for spec in fields(cls)}
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        values.update(overrides)
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Reject values that parse but make no sense, naming the variable."""
        check_settings(self)


def env_name(name: str) -> str:
    """The environment variable behind a settings field."""
    for spec in fields(Settings):
        if spec.name == name:
            return str(spec.metadata["env"])
    raise KeyError(name)
