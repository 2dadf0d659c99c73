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
from typing import Any

import numpy as np

from core import errors
from core.batch.items import Item
from core.jobs.objects import ObjectRef
from core.jobs.results import record
from core.jobs.runner import model_identity, read_source
from core.pipeline.predict import Pipeline
from core.pipeline.timings import Timings
from core.telemetry.request_log import log_json

# pixels, the image's timings, its deadline, the object as read (its ETag or version)
Loaded = tuple[np.ndarray, Timings, float, ObjectRef]


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
        self.model = model_identity(pipeline)

    def load(self, item: Item) -> Loaded:
        """Read and decode one item (a pool thread's task); its deadline starts here."""
        if item.error is not None:
            raise item.error
        deadline = time.monotonic() + self.settings.request_deadline_seconds
        timings = Timings()
        data, ref = read_source(self.pipeline, item.ref, deadline, timings)
        pixels = self.pipeline.prepare(data, timings, deadline, self.pipeline.allowance())
        return pixels, timings, deadline, ref

    def finish(self, item: Item, future: Future[Loaded]) -> dict[str, Any]:
        """Run the model on a loaded item (this thread) and build its record."""
        timings, ref = Timings(), item.ref
        scores: dict[str, float] | None = None
        error: errors.ServiceError | None = None
        try:
            pixels, timings, deadline, ref = future.result()
            scores = self.pipeline.rank(self.pipeline.infer(pixels, timings, deadline), None)
        except errors.ServiceError as exc:
            error = exc
        except Exception as exc:  # a fault on one image is that image's record alone
            timings.info["fault"] = type(exc).__name__
            error = errors.InternalError("internal error")
        self._log(item, error, timings)
        line: dict[str, Any] = record(ref, self.model, scores, error)
        line["source"] = item.source(ref)
        return line

    def _log(self, item: Item, error: errors.ServiceError | None, timings: Timings) -> None:
        log_json(logging.INFO, "batch_image", source=item.key,
                 outcome=error.code if error is not None else "ok", ms=timings.as_ms(),
                 **timings.info)

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

