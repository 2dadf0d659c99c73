"""The lesson's Xception as float32 and dynamic-int8 models for both runtimes, cached in build/.

``convert.pipeline`` converts ``benchmarks.convert_xception``'s Keras model (random weights,
settled batch norm) four ways: TFLite and ONNX, each ``--quantize none`` and ``dynamic``, all
with the ``xception`` normalisation and the parity report of ``python -m convert``.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.common import OUT

MODELS = OUT / "onnx"
VARIANTS = {"litert-float32": ("xception.tflite", "none"),
            "litert-dynamic": ("xception-dynamic.tflite", "dynamic"),
            "onnx-float32": ("xception.onnx", "none"),
            "onnx-dynamic": ("xception-dynamic.onnx", "dynamic")}


def model_path(variant: str) -> Path:
    """Where ``variant``'s model lives (each in a folder of its own, beside its manifest)."""
    name, _ = VARIANTS[variant]
    return MODELS / variant / name


def prepare(samples: int = 16) -> dict[str, Path]:
    """Every variant, converted once (cached)."""
    from benchmarks.convert_xception import BENCH, build_model, calibration_folder
    from convert.options import Options
    from convert.pipeline import run

    calibration, _ = calibration_folder(samples)
    keras = build_model(BENCH / "xception.keras", calibration)
    paths = {}
    for variant, (_, mode) in VARIANTS.items():
        path = model_path(variant)
        if not path.is_file():
            report = run(Options(model=keras, out=path, quantize=mode, calibration=calibration,
                                 calibration_limit=samples, preprocessing="xception",
                                 resize="nearest", samples=samples, latency_runs=5))
            print("\n".join(report.lines()), flush=True)
        paths[variant] = path
    return paths


if __name__ == "__main__":
    for variant, path in prepare().items():
        print(variant, path, f"{path.stat().st_size / 1e6:.1f} MB")
