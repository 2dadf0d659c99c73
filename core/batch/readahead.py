"""The batch loop: pool threads read and decode the next images while the calling thread runs
the model on the current one, and writes each record in source order.

Reading and decoding go through the pipeline of ``/predict`` (``Pipeline.prepare``: the same
size limits, pixel limits, decode CPU limit and the process's decode memory budget, which also
bounds the pool's decodes in flight); the model runs through ``Pipeline.infer`` (its queue)
and ``Pipeline.rank`` (its answer), one image at a time on the calling thread. At most
``ahead`` images are read ahead, so memory stays a few images' worth whatever the source's size.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core import errors
from core.batch.items import Item
from core.batch.lines import model_info, record
from core.pipeline.predict import Pipeline
from core.pipeline.timings import Timings
from core.telemetry.request_log import log_json, redact_url

Loaded = tuple[np.ndarray, Timings, float]  # pixels, the image's timings, its deadline


@dataclass
class Tally:
    """What one run did."""

    written: int = 0
    failed: int = 0


class Runner:
    """Classifies items with ``pipeline``: ``workers`` threads read and decode ahead."""

    def __init__(self, pipeline: Pipeline, workers: int = 2) -> None:
        self.pipeline = pipeline
        self.settings = pipeline.settings
        self.workers = max(1, workers)
        self.ahead = 2 * self.workers
        self.model = model_info(pipeline.classifier)

    def read(self, item: Item, deadline: float, timings: Timings) -> bytes:
        """The image bytes of ``item``, under the limit ``/predict`` applies to them."""
        if item.kind == "url":
            timings.url = item.location
            with timings.step("fetch"):
                return self.pipeline.fetcher.fetch(item.location, deadline)
        limit = self.settings.max_body_bytes
        if item.kind == "object":
            from core.batch.prefixes import read_object

            with timings.step("fetch"):
                return read_object(item.location, limit, deadline, self.settings)
        return read_file(item.location, limit)

    def load(self, item: Item) -> Loaded:
        """Read and decode one item (a pool thread's task); its deadline starts here."""
        if item.error is not None:
            raise item.error
        deadline = time.monotonic() + self.settings.request_deadline_seconds
        timings = Timings()
        data = self.read(item, deadline, timings)
        pixels = self.pipeline.prepare(data, timings, deadline, self.pipeline.allowance())
        return pixels, timings, deadline

    def finish(self, item: Item, future: Future[Loaded]) -> dict[str, Any]:
        """Run the model on a loaded item (this thread) and build its record."""
        timings = Timings()
        outcome: dict[str, float] | errors.ServiceError
        try:
            pixels, timings, deadline = future.result()
            outcome = self.pipeline.rank(self.pipeline.infer(pixels, timings, deadline), None)
        except errors.ServiceError as exc:
            outcome = exc
        except Exception as exc:  # a fault on one image is that image's record alone
            timings.info["fault"] = type(exc).__name__
            outcome = errors.InternalError("internal error")
        self._log(item, outcome, timings)
        return record(item.source, self.model, outcome)

    def _log(self, item: Item, outcome: object, timings: Timings) -> None:
        shown = redact_url(item.key) if item.kind == "url" else item.key
        code = outcome.code if isinstance(outcome, errors.ServiceError) else "ok"
        log_json(logging.INFO, "batch_image", source=shown, outcome=code,
                 ms=timings.as_ms(), **timings.info)

    def run(self, items: Iterable[Item], write: Callable[[dict[str, Any]], None],
            stopped: Callable[[], bool]) -> Tally:
        """Classify ``items`` in order, handing each record to ``write``, until they run out
        or ``stopped()`` turns true (checked between images)."""
        tally = Tally()
        pool = ThreadPoolExecutor(self.workers, thread_name_prefix="batch-read")
        queued: deque[tuple[Item, Future[Loaded]]] = deque()
        source = iter(items)
        try:
            self._top_up(pool, source, queued, stopped)
            while queued and not stopped():
                item, future = queued.popleft()
                line = self.finish(item, future)
                write(line)
                tally.written += 1
                tally.failed += "error" in line
                self._top_up(pool, source, queued, stopped)
        finally:
            for _, future in queued:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
        return tally

    def _top_up(self, pool: ThreadPoolExecutor, source: Iterator[Item],
                queued: deque[tuple[Item, Future[Loaded]]], stopped: Callable[[], bool]) -> None:
        while len(queued) < self.ahead and not stopped():
            item = next(source, None)
            if item is None:
                return
            queued.append((item, pool.submit(self.load, item)))


def read_file(path: Path, limit: int) -> bytes:
    """A file's bytes, refused like an upload above ``limit`` (MAX_BODY_BYTES)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise errors.NotFound(f"{errors.shown(path.name)} cannot be read: "
                              f"{exc.strerror or type(exc).__name__}") from exc
    if len(data) > limit:
        raise errors.PayloadTooLarge.body(limit)
    return data
