"""Settings: one frozen object read from the environment in one place
(``core.config.environment``).

An explicit argument wins over the environment: ``Settings.from_env(model_threads=1)``.
A bad value raises ConfigError naming the variable and the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field, fields
from typing import Any

from core.config.checks import check_settings
from core.config.choices import METRICS_MODES
from core.config.defaults import DEFAULT_MAX_PIXELS as DEFAULT_MAX_PIXELS
from core.config.defaults import DEFAULT_MODEL as DEFAULT_MODEL
from core.config.defaults import GIB, HOUR, PILLOW_MAX_PIXELS
from core.config.defaults import ROOT as ROOT
from core.config.defaults import available_cpus as available_cpus
from core.config.environment import read_env
from core.config.metadata import meta as _meta
from core.config.model_settings import ModelSettings
from core.config.ranges import count, positive
from core.record import frozen_record


@frozen_record(init=False, repr=False, eq=False)  # those four from Record
class Settings(ModelSettings):
    """Every tunable of the service. Field metadata names the environment variable; the
    model's own fields come first, from ``ModelSettings``."""

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
        "largest image, width x height from the header before decoding (413); at most "
        "Pillow's own decompression-bomb limit, which refuses larger images in any case",
        values=count(1, PILLOW_MAX_PIXELS)))
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
        "the demo page, a Prometheus scraper)", "empty (every route asks for the key)",
        allowed="comma-separated: `/`, `/health`, `/v2/health/live`, `/v2/health/ready`, "
                "`/metrics`"))
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
    metrics: str = field(default="on", metadata=_meta(
        "METRICS",
        "`on`: CloudWatch EMF metrics in Lambda's request lines; `off`: none; `prometheus`: "
        "as `on`, and the local and container server also answers `GET /metrics` "
        "([Observability](observability.md#prometheus-metrics-local-and-container-server)); "
        "a function platform ignores it with a warning",
        "`on`", choices=METRICS_MODES))
    metrics_namespace: str = field(default="ServerlessClassifier", metadata=_meta(
        "METRICS_NAMESPACE", "Lambda: the metrics' CloudWatch namespace"))
    service_name: str = field(default="classifier", metadata=_meta(
        "SERVICE_NAME", "the `service` field of the log line and metrics dimension"))
    gcp_project: str = field(default="", metadata=_meta(
        "GOOGLE_CLOUD_PROJECT", "GCP: project id for `logging.googleapis.com/trace`"))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read every field's variable from ``env`` (default os.environ); overrides win."""
        values = read_env(cls, env, overrides)
        settings = cls(**values)
        settings.validate()
        return settings

    @property
    def emf(self) -> bool:
        """Whether Lambda's request lines carry CloudWatch EMF metrics (METRICS not ``off``)."""
        return self.metrics != "off"

    @property
    def prometheus(self) -> bool:
        """Whether the local and container server answers ``GET /metrics`` (METRICS=prometheus)."""
        return self.metrics == "prometheus"

    def validate(self) -> None:
        """Reject values that parse but make no sense, naming the variable."""
        check_settings(self)


def env_name(name: str) -> str:
    """The environment variable behind a settings field."""
    for spec in fields(Settings):
        if spec.name == name:
            return str(spec.metadata["env"])
    raise KeyError(name)
