"""What ``python -m convert`` was asked to do: one frozen record the conversion steps share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Options:
    """Everything ``python -m convert`` was asked to do."""

    model: Path
    out: Path
    quantize: str = "none"
    io: str = "float32"
    calibration: Path | None = None
    calibration_limit: int = 200
    labels: tuple[str, ...] = ()
    preprocessing: str = "none"
    resize: str = "bilinear"
    output_kind: str = "auto"
    name: str | None = None
    version: str = "0"
    samples: int = 32
    latency_runs: int = 20
    threads: int = 1
    min_agreement: float | None = None
    format: str = "auto"
    layout: str = "nhwc"
    trusted: bool = False  # let Keras run code stored in the model file (Lambda layers)
