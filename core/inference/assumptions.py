"""What a model served without a manifest runs on: the values neither a manifest nor a setting
gave, each with the setting that changes it, said once at start-up.

Without a manifest a model is served with raw 0..255 pixels, a plain bilinear resize, the layout
its input shape suggests and its outputs read as probabilities. For a channels-first ONNX model
(a PyTorch export, nearly always trained on ImageNet-normalised pixels) the raw pixels saturate
it and every image gets the same answer, so the warning says what to set instead.
"""

from __future__ import annotations

import numpy as np

from core.inference.classifier import Classifier
from core.paths import name

SETTINGS = {"normalization": "MODEL_NORMALIZATION", "resize": "MODEL_RESIZE",
            "layout": "MODEL_LAYOUT", "output": "MODEL_OUTPUT"}


def assumed(classifier: Classifier) -> dict[str, str]:
    """The values served by assumption (empty when a manifest describes the model)."""
    if classifier.manifest_file is not None:
        return {}
    m = classifier.manifest
    values = {"normalization": m.normalization, "resize": m.resize,
              "layout": classifier.layout, "output": m.output}
    if m.normalization == "auto" and np.dtype(classifier.input.dtype).kind == "f":
        values["normalization"] = "none"  # what "auto" means for a float input
    return {key: value for key, value in values.items() if key not in classifier.given}


def _meaning(key: str, value: str, classifier: Classifier) -> str:
    width, height = classifier.input_size
    return {
        "normalization": {"none": "raw pixels 0..255",
                          "auto": "pixels as the quantised input takes them"}.get(value, value),
        "resize": f"the whole image resized to {width}x{height}, no crop",
        "layout": "from the input shape",
        "output": "the scores as the model answers them",
    }[key]


def _advice(values: dict[str, str], classifier: Classifier) -> list[str]:
    tips = []
    if values.get("normalization") == "none" and classifier.layout == "NCHW" \
            and classifier.format == "onnx":
        tips.append("A channels-first ONNX model is most likely a PyTorch export: set "
                    "MODEL_NORMALIZATION=torch (ImageNet mean and std, as torchvision's "
                    "Normalize) unless it was trained on raw pixels")
    if values.get("output") == "probabilities" and classifier.output.values == 1:
        tips.append("One output value is most likely a sigmoid probability: set "
                    "MODEL_OUTPUT=sigmoid (or MODEL_OUTPUT=logits with MODEL_SOFTMAX=true)")
    return tips


def warning(classifier: Classifier) -> str:
    """The start-up warning's text, or "" when nothing was assumed."""
    values = assumed(classifier)
    if not values:
        return ""
    named = "; ".join(f"{key}={value} ({_meaning(key, value, classifier)}; set "
                      f"{SETTINGS[key]})" for key, value in values.items())
    text = (f"model {name(classifier.model_path)} has no manifest, so it is served on assumed "
            f"values: {named}")
    tips = _advice(values, classifier)
    return text + (". " + ". ".join(tips) if tips else "") + \
        ". A manifest beside the model (docs/models.md) says them all."
