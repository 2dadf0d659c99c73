"""Parity of a converted model with its source, measured through the serving path.

The converted model is run by ``core.inference.classifier.Classifier`` on uint8 pixels, exactly
as a request
would be; the source model is run on the same pixels after ``core.images.decode.normalize``.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from convert.load import SourceModel
from core.inference.classifier import Classifier
from core.inference.normalization import normalize


@dataclass(frozen=True)
class ParityReport:
    """What the conversion changed: scores, top-1 answers, size and speed."""

    source: str
    source_format: str
    output: str
    quantize: str
    io: str
    samples: int
    sample_source: str
    max_abs_diff: float
    mean_abs_diff: float
    top1_agreement: float
    reference_classes: int
    size_before: int
    size_after: int
    latency_ms_median: float
    latency_runs: int
    threads: int
    min_agreement: float | None = None

    @property
    def passed(self) -> bool:
        """True unless top-1 agreement is below ``--min-agreement``."""
        return self.min_agreement is None or self.top1_agreement >= self.min_agreement

    def to_json(self) -> dict[str, Any]:
        """The report as written to ``OUT.parity.json``."""
        return {**asdict(self), "passed": self.passed}

    def lines(self) -> list[str]:
        """The human summary printed at the end of a conversion."""
        ratio = self.size_after / self.size_before if self.size_before else 0.0
        return [
            f"converted {self.source} ({self.source_format}) -> {self.output} "
            f"[quantize={self.quantize}, io={self.io}]",
            f"  size          {_mb(self.size_before)} -> {_mb(self.size_after)} "
            f"({ratio:.1%} of the source)",
            f"  top-1 agree   {self.top1_agreement:.1%} on {self.samples} "
            f"{self.sample_source} images ({self.reference_classes} distinct top-1 classes)",
            f"  max |diff|    {self.max_abs_diff:.6g} (mean {self.mean_abs_diff:.3g})",
            f"  latency       {self.latency_ms_median:.2f} ms median single-image invoke "
            f"({self.latency_runs} runs, {self.threads} thread(s))",
        ]


def _mb(size: int) -> str:
    return f"{size / 1e6:.2f} MB" if size >= 100_000 else f"{size / 1e3:.1f} kB"


def reference_scores(source: SourceModel, pixels: np.ndarray, family: str,
                     batch: int = 16) -> np.ndarray:
    """The source model's scores for uint8 pixels (N, H, W, 3), normalised as serving does."""
    parts = [source.run(normalize(pixels[i:i + batch], family))
             for i in range(0, len(pixels), batch)]
    return np.concatenate(parts).astype(np.float32)


def converted_scores(classifier: Classifier, pixels: np.ndarray) -> np.ndarray:
    """The converted model's scores through the serving classifier, one image at a time."""
    rows = [classifier.predict(image[None])[0]
            for image in tqdm(pixels, desc="parity", unit="img", disable=None, leave=False)]
    return np.stack(rows)


def compare(reference: np.ndarray, converted: np.ndarray) -> tuple[float, float, float]:
    """(max |diff|, mean |diff|, top-1 agreement) between two score matrices."""
    diff = np.abs(reference.astype(np.float64) - converted.astype(np.float64))
    agree = np.mean(np.argmax(reference, axis=1) == np.argmax(converted, axis=1))
    return float(diff.max()), float(diff.mean()), float(agree)


def distinct_top1(scores: np.ndarray) -> int:
    """How many classes are someone's top-1 (agreement means little when this is 1)."""
    return len(np.unique(np.argmax(scores, axis=1)))


def median_latency_ms(classifier: Classifier, image: np.ndarray, runs: int = 20,
                      warmup: int = 3) -> float:
    """Median wall time in ms of one single-image ``predict`` after a few warm-up calls."""
    batch = image[None]
    for _ in range(warmup):
        classifier.predict(batch)
    times = []
    for _ in range(max(1, runs)):
        start = time.perf_counter()
        classifier.predict(batch)
        times.append((time.perf_counter() - start) * 1000.0)
    return float(statistics.median(times))


def looks_like_probabilities(scores: np.ndarray) -> bool:
    """True when every row is non-negative and sums to 1 (a softmax head)."""
    return bool(np.all(scores >= -1e-6) and np.allclose(scores.sum(axis=1), 1.0, atol=1e-3))


def write_report(report: ParityReport, path: Path) -> None:
    """Write the report as pretty JSON."""
    path.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
