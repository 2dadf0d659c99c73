"""The names a model may be described with, shared by the settings and the manifest.

Both ``MODEL_NORMALIZATION``/``MODEL_RESIZE``/``MODEL_OUTPUT``/``MODEL_LAYOUT`` and the
manifest's fields take their values from these tuples, so the two cannot accept different words.
"""

from __future__ import annotations

RESAMPLE_NAMES = ("nearest", "bilinear", "bicubic", "lanczos", "box", "hamming")
NORMALIZATIONS = (
    "auto", "none", "mobilenet", "xception", "inception", "resnet50", "vgg16", "caffe",
    "efficientnet", "torch",
)
OUTPUT_KINDS = ("probabilities", "logits", "sigmoid")
LAYOUTS = ("auto", "NHWC", "NCHW")
# METRICS: EMF in Lambda's lines (on), nothing (off), or also Prometheus on the server
METRICS_MODES = ("on", "off", "prometheus")


def layout_name(text: str) -> str:
    """``auto``, ``NHWC`` or ``NCHW`` in any case, spelled the one way."""
    return "auto" if text.lower() == "auto" else text.upper()


def parse_size(text: str) -> tuple[int, int]:
    """``224`` or ``WIDTHxHEIGHT`` (``224x200``) as (height, width)."""
    parts = text.lower().split("x")
    if len(parts) not in (1, 2) or not all(p.strip().isdigit() for p in parts):
        raise ValueError(text)
    width, height = int(parts[0]), int(parts[-1])
    if width <= 0 or height <= 0:
        raise ValueError(text)
    return height, width
