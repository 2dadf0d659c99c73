"""Caller bytes to model-sized RGB pixels, within limits.

Owns decoding with the format allowlist (``decode``; each format's decoder chosen by signature
and imported on first use: ``decoders``), the limits on what a decode may cost in
memory and CPU (``limits``), the process's decode memory budget (``budget``), conversion of
every pixel mode to RGB (``rgb``) and resizing or cropping to the model's input size
(``resize``).

May import ``core.config`` and ``core.errors`` only; knows nothing of models.
"""
