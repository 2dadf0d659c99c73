"""Keras to TFLite conversion, with quantisation and a parity report (``python -m convert``).

TensorFlow is a build-time dependency of this package only; it is imported lazily, inside
functions, so ``python -m convert --help`` and the runtime bundles never load it.
"""

from __future__ import annotations

import os

# Before TensorFlow is imported, unless the user chose otherwise: its native log lines (such as
# "failed call to cuInit" on a machine without a GPU) are nothing the converter can act on.
# CUDA_VISIBLE_DEVICES would not help: the probe prints whatever it hides.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
