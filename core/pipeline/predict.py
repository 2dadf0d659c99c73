"""The prediction pipeline: fetch, decode, resize, infer; each step timed for Server-Timing.

It joins the three lower packages (``core.fetch``, ``core.images``, ``core.inference``) and
knows nothing of HTTP: the API layer parses a request into a ``PredictInput`` and renders the
scores, or the error, it gets back.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from core import errors
from core.config import Settings
from core.images.decode import open_image
from core.images.limits import shared_budget
from core.images.resize import decode_target, fit_image
from core.inference.classifier import Classifier
from core.pipeline.batch import FETCH_SHARE, Batch, timed
from core.pipeline.timings import Timings

if TYPE_CHECKING:
    from core.fetch.fetcher import Fetcher

Scores = dict[str, float]


@dataclass(frozen=True)
class PredictInput:
    """What to classify: exactly one of ``url``, ``image`` bytes or ``urls``."""

    url: str | None = None
    image: bytes | None = None
    urls: tuple[str, ...] | None = None
    top_k: int | None = None


class Pipeline:
    """Turns a parsed predict request into ranked scores."""

    def __init__(self, settings: Settings, classifier: Classifier, pool: ThreadPoolExecutor,
                 fetcher: Fetcher | None = None) -> None:
        self.settings = settings
        self.classifier = classifier
        self._fetcher = fetcher
        self._fetcher_lock = threading.Lock()
        self._pool = pool
        self._labels = classifier.labels
        self._budget = shared_budget(settings.decode_memory_mb << 20)

    @property
    def fetcher(self) -> Fetcher:
        """The URL fetcher, created on the first URL: urllib3 and TLS stay off the cold path
        of image uploads (importing them costs about 30 ms and 5 MB)."""
        if self._fetcher is None:
            with self._fetcher_lock:
                if self._fetcher is None:
                    from core.fetch.fetcher import Fetcher

                    self._fetcher = Fetcher(self.settings)
        return self._fetcher

    def reset_connections(self) -> None:
        """Drop every keep-alive connection and the TLS context (SnapStart's restore hooks)."""
        if self._fetcher is not None:
            from core.fetch.pinning import tls_context

            self._fetcher.close()
            tls_context.cache_clear()

    def predict_input(self, parsed: PredictInput, timings: Timings,
                      deadline: float | None = None) -> Any:
        """Scores for an already-validated input (the Lambda direct invocation uses this)."""
        if parsed.urls is not None:
            return self._predict_many(parsed.urls, parsed.top_k, timings, deadline)
        if parsed.url is not None:
            timings.url = parsed.url
            with timings.step("fetch"):
                data = self.fetcher.fetch(parsed.url, deadline)
        else:
            data = parsed.image or b""
        pixels = self.prepare(data, timings, deadline)
        return self.rank(self.infer(pixels, timings, deadline), parsed.top_k)

    def prepare(self, data: bytes, timings: Timings, deadline: float | None = None
                ) -> np.ndarray:
        """Image bytes to model-sized uint8 pixels (the decode waits for the process's decode
        memory budget, until ``deadline``)."""
        size = self.classifier.input_size
        manifest = self.classifier.manifest
        timings.info["image_bytes"] = timings.info.get("image_bytes", 0) + len(data)
        shorter = manifest.resize_shorter
        with timings.step("decode"):
            decoded = open_image(data, target=decode_target(size, shorter),
                                 max_pixels=self.settings.max_image_pixels,
                                 draft=manifest.draft, budget=self._budget,
                                 cpu_seconds=self.settings.decode_cpu_seconds,
                                 deadline=deadline, resample=manifest.resize)
        timings.info["image_size"] = list(decoded.source_size)
        with timings.step("resize"):
            return fit_image(decoded, size, manifest.resize, shorter)

    def infer(self, pixels: np.ndarray, timings: Timings, deadline: float | None,
              preprocessed: bool = False) -> np.ndarray:
        """Scores for one image's pixels (or its input tensor, when ``preprocessed``)."""
        if deadline is not None and time.monotonic() > deadline:
            raise errors.DeadlineExceeded("no time was left to run the model")
        with timings.step("inference"):
            batch = pixels[np.newaxis]
            scores: np.ndarray = (self.classifier.predict(batch, preprocessed=True)
                                  if preprocessed else self.classifier.predict(batch))[0]
        return scores

    def rank(self, scores: np.ndarray, top_k: int | None) -> Scores:
        """``{label: score}`` best first, as plain floats."""
        order = np.argsort(-scores, kind="stable")[: top_k or len(scores)]
        values = scores[order].tolist()
        return {self._labels[i]: round(v, 6) for i, v in zip(order.tolist(), values, strict=True)}

    def _predict_many(self, urls: tuple[str, ...], top_k: int | None, timings: Timings,
                      deadline: float | None) -> list[Any]:
        """Fetch concurrently; decode and invoke once per image in order on this thread.

        Fairness: every URL's download deadline counts from the start of the request (not from
        when a worker picks it up), and a request downloads on at most ``FETCH_SHARE`` pool
        workers plus its own thread, which fetches the next URL itself whenever it would wait;
        so other requests' slow batches cannot stall it. Decoding on the request's thread, one
        image at a time, keeps a batch's decode memory to one image's (plus the process-wide
        decode budget across requests).

        One invoke per image, measured here (2 threads, default model): 8 single invokes take
        20 ms against 15 ms for one steady batch of 8, but resizing the input tensor between
        batch sizes costs more than that (a batch of 8 after a single: 40 ms; a single after
        a batch: 5.7 ms against 2.0 ms), and on the lesson's Xception a batch of 8 is slower per
        image than batch 1. Per-image invokes also start as soon as the first image arrives.
        """
        started = time.monotonic()

        def fetch(url: str) -> tuple[bytes, Timings]:
            own = Timings()
            return timed(own, "fetch", lambda: self.fetcher.fetch(url, deadline, started)), own

        batch = Batch(urls, fetch)
        for _ in range(min(FETCH_SHARE, len(urls) - 1)):
            self._pool.submit(batch.work)
        results: list[Any] = []
        for index in range(len(urls)):
            try:
                data, own = batch.result(index)
                pixels = self.prepare(data, own, deadline)
                del data
                for name, seconds in own.parts.items():
                    timings.parts[name] = timings.parts.get(name, 0.0) + seconds
                results.append(self.rank(self.infer(pixels, timings, deadline), top_k))
            except errors.ServiceError as exc:
                results.append(exc.to_json())
            except Exception as exc:  # a fault on one URL is that entry's answer alone
                timings.info.setdefault("batch_faults", []).append(type(exc).__name__)
                results.append(errors.InternalError("internal error").to_json())
        timings.info["batch"] = len(urls)
        return results
