"""One inference outside the request path, for a process about to be copied (SnapStart).

Whatever the first request does only once happens here instead, once before the snapshot, not
in every environment restored from it: Pillow's JPEG plugin and decoder on the first decode,
the runtime's first run (ONNX Runtime sets up its memory arena then; LiteRT packs its weights
for XNNPACK already when the interpreter is created, so its first invoke costs about what
later ones do). The rehearsal goes through the pipeline (decode, resize, invoke) but not the
service, so it writes no request line and the first real request is still the environment's
cold start. ``make bench-snapstart`` measures what it saves (docs/deploy-aws.md).
"""

from __future__ import annotations

import io
import time

from core.pipeline.predict import Pipeline
from core.pipeline.timings import Timings

DEADLINE_SECONDS = 60.0  # far above the ~10 ms it takes


def rehearse(pipeline: Pipeline) -> None:
    """Decode, resize and classify a grey JPEG a quarter of the model's input size."""
    from PIL import Image  # loaded at init already, by core.images

    width, height = pipeline.classifier.input_size
    encoded = io.BytesIO()
    Image.new("RGB", (max(width // 4, 1), max(height // 4, 1)), (128, 128, 128)).save(
        encoded, "JPEG")
    deadline = time.monotonic() + DEADLINE_SECONDS
    pixels = pipeline.prepare(encoded.getvalue(), Timings(), deadline)
    pipeline.infer(pixels, Timings(), deadline)
