"""The prediction pipeline: fetch, decode, resize, infer; each step timed for Server-Timing.

It joins the three lower packages (``core.fetch``, ``core.images``, ``core.inference``) and
knows nothing of HTTP: the API layer parses a request into a ``PredictInput`` and renders the
scores, or the error, it gets back.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from core import errors
from core.config import Settings
from core.images.budget import shared_budget
from core.images.decode import open_image
from core.images.resize import decode_target, fit_image
from core.inference.background import Background
from core.inference.classifier import Classifier
from core.pipeline.batch import FETCH_SHARE, Batch, timed
from core.pipeline.gate import ModelGate
from core.pipeline.timings import Timings

if TYPE_CHECKING:
    from core.fetch.fetcher import Fetcher
    from core.fetch.url_policy import UrlPolicy
    from core.pipeline.pool import LazyPool

Scores = dict[str, float]


class PredictInput(NamedTuple):
    """What to classify: exactly one of ``url``, ``image`` bytes or ``urls``."""

    url: str | None = None
    image: bytes | None = None
    urls: tuple[str, ...] | None = None
    top_k: int | None = None


class PixelAllowance:
    """Pixels one request may still decode (MAX_REQUEST_PIXELS), taken image by image before
    each decode starts, so a batch of decompression bombs costs at most one allowance of CPU."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    def take(self, pixels: int) -> None:
        """Spend ``pixels``, or refuse the image (413) when the request has not that many left."""
        if pixels > self.left:
            raise errors.RequestTooLarge(
                f"the request's images decode to more than {self.limit} pixels together "
                "(MAX_REQUEST_PIXELS); send fewer or smaller images")
        self.left -= pixels


class Pipeline:
    """Turns a parsed predict request into ranked scores."""

    def __init__(self, settings: Settings, classifier: Classifier, pool: LazyPool,
                 fetcher: Fetcher | None = None) -> None:
        self.settings = settings
        self.classifier = classifier
        self._fetcher = fetcher
        self._fetcher_lock = threading.Lock()
        self._pool = pool
        self._labels = classifier.labels
        self._budget = shared_budget(settings.decode_memory_mb << 20)
        self._gate = ModelGate(serial=getattr(classifier, "serial", True))

    @property
    def fetcher(self) -> Fetcher:
        """The URL fetcher, created on the first URL: the HTTP client and TLS stay off the cold
        path of image uploads (importing them costs about 14 ms)."""
        return self._fetcher or self._create_fetcher(None)

    def _create_fetcher(self, policy: UrlPolicy | None) -> Fetcher:
        with self._fetcher_lock:
            if self._fetcher is None:
                from core.fetch.fetcher import Fetcher

                self._fetcher = Fetcher(self.settings, policy)
            return self._fetcher

    def fetch(self, url: str, deadline: float, started: float | None = None) -> bytes:
        """The body of ``url``; ``deadline`` and ``started`` as in ``Fetcher.fetch``. Every URL
        (a request's, a batch's, a stored job's) comes here. Before the fetcher exists, the
        URL's check (its host's DNS lookup among it) and, for https, the TLS context (~20 ms of
        OpenSSL loading certifi's roots) are made on a thread of their own while this one
        imports the HTTP client (http.client, ~14 ms of CPU): their waits and GIL-free work
        overlap that import instead of following it. The fetch then connects to the addresses
        that check validated, as always."""
        if self._fetcher is not None:
            return self._fetcher.fetch(url, deadline, started)
        from core.fetch.url_policy import UrlPolicy  # without http.client

        if started is None:  # FETCH_DEADLINE counts the lookup, as in Fetcher.fetch
            started = time.monotonic()
        policy = UrlPolicy(self.settings)
        checking = Background(policy.check_first, url)
        fetcher = self._create_fetcher(policy)
        return fetcher.fetch(url, deadline, started, checked=checking.result())

    def reset_connections(self) -> None:
        """Drop every keep-alive connection and the TLS context (SnapStart's restore hooks)."""
        if self._fetcher is not None:
            from core.fetch.tls import tls_context

            self._fetcher.close()
            tls_context.cache_clear()

    def predict_input(self, parsed: PredictInput, timings: Timings, deadline: float) -> Any:
        """Scores for an already-validated input, answered by ``deadline`` (monotonic) or
        refused with DeadlineExceeded: every wait below (download, decode memory, the model's
        queue) ends there."""
        if parsed.urls is not None:
            return self._predict_many(parsed.urls, parsed.top_k, timings, deadline)
        if parsed.url is not None:
            timings.url = parsed.url
            with timings.step("fetch"):
                data = self.fetch(parsed.url, deadline)
        else:
            data = parsed.image or b""
        pixels = self.prepare(data, timings, deadline, self.allowance())
        return self.rank(self.infer(pixels, timings, deadline), parsed.top_k)

    def allowance(self) -> PixelAllowance:
        """A fresh allowance of MAX_REQUEST_PIXELS for one request's images."""
        return PixelAllowance(self.settings.max_request_pixels)

    def prepare(self, data: bytes, timings: Timings, deadline: float,
                allowance: PixelAllowance | None = None) -> np.ndarray:
        """Image bytes to model-sized uint8 pixels (the decode waits for the process's decode
        memory budget, until ``deadline``; its pixels are taken from ``allowance`` first)."""
        size = self.classifier.input_size
        manifest = self.classifier.manifest
        timings.info["image_bytes"] = timings.info.get("image_bytes", 0) + len(data)
        shorter = manifest.resize_shorter
        with timings.step("decode"):
            decoded = open_image(data, target=decode_target(size, shorter),
                                 max_pixels=self.settings.max_image_pixels,
                                 draft=manifest.draft, budget=self._budget,
                                 cpu_seconds=self.settings.decode_cpu_seconds,
                                 deadline=deadline, resample=manifest.resize,
                                 admit=allowance.take if allowance is not None else None)
        timings.info["image_size"] = list(decoded.source_size)
        with timings.step("resize"):
            return fit_image(decoded, size, manifest.resize, shorter)

    def infer(self, pixels: np.ndarray, timings: Timings, deadline: float,
              preprocessed: bool = False) -> np.ndarray:
        """Scores for one image's pixels (or its input tensor, when ``preprocessed``), once the
        model's queue lets this request in (before ``deadline``)."""
        with self._gate.turn(deadline), timings.step("inference"):
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
                      deadline: float) -> list[Any]:
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
            return timed(own, "fetch", lambda: self.fetch(url, deadline, started)), own

        batch = Batch(urls, fetch)
        allowance = self.allowance()
        for _ in range(min(FETCH_SHARE, len(urls) - 1)):
            self._pool.submit(batch.work)
        results: list[Any] = []
        for index in range(len(urls)):
            try:
                data, own = batch.result(index)
                pixels = self.prepare(data, own, deadline, allowance)
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
