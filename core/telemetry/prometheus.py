"""Prometheus metrics of the local and container server (METRICS=prometheus).

Imported only when METRICS=prometheus asks for it, and only by the server's WSGI application
(``core.api.metrics_endpoint``): prometheus-client is in the ``serve`` extra, never in a function
bundle. Every metric lives in the recorder's own registry (not the library's global one), so two
services in one process, or two tests, never share or collide on a metric.

Times are in seconds, Prometheus's base unit. The buckets follow what the service measures
(docs/performance.md): a warm request of the default model takes about 5 to 15 ms, 30 to 50 ms
for a 12-MP photo, and about 200 ms with a large model; ``/health`` answers in well under a
millisecond; a request may run to the 55 s deadline. Steps are finer: a resize takes 0.15 to
2 ms, a decode 0.6 to 9 ms (35 ms in full for a 12-MP JPEG, at most DECODE_CPU_SECONDS of CPU),
an inference 2 to 240 ms, a download up to its 10 s deadline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

PREFIX = "classifier"
REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                   10.0, 30.0, 60.0)
STEP_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                0.5, 1.0, 2.5, 10.0)
STEPS = ("fetch", "decode", "resize", "inference")  # the request line's timed steps


class BudgetState(Protocol):
    """What the decode memory budget counts (``core.images.budget.DecodeBudget``)."""

    @property
    def total(self) -> int: ...
    @property
    def used(self) -> int: ...
    @property
    def waits(self) -> int: ...
    @property
    def wait_seconds(self) -> float: ...
    @property
    def refusals(self) -> Mapping[str, int]: ...


ModelInfo = Callable[[], Mapping[str, str] | None]  # labels of the loaded model, None before


class Recorder:
    """The server's metrics: ``observe`` each request line's fields, ``exposition`` to scrape.

    Request counts by route and status and latency by route are recorded as each request is
    logged; the decode budget's counters and the model's identity are read at scrape time.
    Labels are bounded: ``route`` is a route template or ``unmatched``, ``status`` a code; the
    method is left out, being whatever text a client sends.
    """

    def __init__(self, budget: Callable[[], BudgetState], model: ModelInfo) -> None:
        # no ``_created`` series: in the text format each would be one more gauge per label set,
        # doubling what a scraper stores for timestamps nobody graphs (process-wide setting)
        disable_created_metrics()  # type: ignore[no-untyped-call]  # untyped in the library
        self.registry = CollectorRegistry()
        self._requests = Counter(f"{PREFIX}_requests", "Requests answered, by route and status",
                                 ("route", "status"), registry=self.registry)
        self._latency = Histogram(
            f"{PREFIX}_request_duration_seconds",
            "Time to answer a request (the request line's ms), by route", ("route",),
            buckets=REQUEST_BUCKETS, registry=self.registry)
        self._steps = Histogram(
            f"{PREFIX}_step_duration_seconds",
            "Time of one request's pipeline step (a batch's images summed), by step",
            ("step",), buckets=STEP_BUCKETS, registry=self.registry)
        self._children: dict[tuple[str, int], tuple[Counter, Histogram]] = {}
        self._step_children = {step: self._steps.labels(step) for step in STEPS}
        self.registry.register(_BudgetCollector(budget))
        self.registry.register(_ModelCollector(model))
        ProcessCollector(registry=self.registry)  # CPU seconds, resident memory, open files
        PlatformCollector(registry=self.registry)  # the Python version

    def observe(self, fields: Mapping[str, object]) -> None:
        """Record one answered request from its log line's fields (route, status, ms,
        timings)."""
        route, status = str(fields.get("route") or "unmatched"), fields.get("status")
        key = (route, status if isinstance(status, int) else 0)
        children = self._children.get(key)
        if children is None:
            children = (self._requests.labels(route, str(key[1])), self._latency.labels(route))
            if len(self._children) < 1024:
                self._children[key] = children
        count, latency = children
        count.inc()
        ms = fields.get("ms")
        if isinstance(ms, (int, float)):
            latency.observe(ms / 1000)
        timings = fields.get("timings")
        if isinstance(timings, Mapping):
            for step, value in timings.items():
                child = self._step_children.get(step)
                if child is not None and isinstance(value, (int, float)):
                    child.observe(value / 1000)

    def exposition(self, accept: str) -> tuple[bytes, str]:
        """The registry in the format ``accept`` asks for (OpenMetrics or the text format 0.0.4),
        and its content type."""
        encoder, content_type = choose_encoder(accept)
        return encoder(self.registry), content_type


class _BudgetCollector:
    """The decode memory budget's waits, refusals and use, read from the budget at scrape time."""

    def __init__(self, budget: Callable[[], BudgetState]) -> None:
        self._budget = budget

    def collect(self) -> Iterator[Metric]:
        budget = self._budget()
        yield CounterMetricFamily(
            f"{PREFIX}_decode_budget_waits",
            "Decodes that waited for decode memory (DECODE_MEMORY_MB) before starting",
            value=budget.waits)
        yield CounterMetricFamily(
            f"{PREFIX}_decode_budget_wait_seconds",
            "Seconds decodes spent waiting for decode memory, summed", value=budget.wait_seconds)
        refusals = CounterMetricFamily(
            f"{PREFIX}_decode_budget_refusals",
            "Decodes refused by the budget: too_large (413), busy (429), deadline (504)",
            labels=("reason",))
        for reason, count in sorted(budget.refusals.items()):
            refusals.add_metric((reason,), count)
        yield refusals
        yield GaugeMetricFamily(f"{PREFIX}_decode_budget_used_bytes",
                                "Decode memory held by decodes in flight", value=budget.used)
        yield GaugeMetricFamily(f"{PREFIX}_decode_budget_limit_bytes",
                                "The decode memory budget (DECODE_MEMORY_MB)", value=budget.total)


class _ModelCollector:
    """``classifier_model_info``: the served model's identity once it is loaded."""

    def __init__(self, model: ModelInfo) -> None:
        self._model = model

    def collect(self) -> Iterator[Metric]:
        labels = self._model()
        if labels is not None:
            yield InfoMetricFamily(f"{PREFIX}_model", "The model being served",
                                   value=dict(labels))
