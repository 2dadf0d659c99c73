"""The model's settings: which model is served, how its input is prepared and run, and
where it is downloaded from. ``Settings`` (core.config.settings) starts with these fields."""

from __future__ import annotations

from dataclasses import field

from core.config.checks import RUNTIMES
from core.config.choices import NORMALIZATIONS, OUTPUT_KINDS, RESAMPLE_NAMES
from core.config.defaults import DEFAULT_MODEL, HOUR, available_cpus
from core.config.metadata import meta as _meta
from core.config.ranges import count, positive
from core.record import Record, frozen_record


@frozen_record(init=False, repr=False, eq=False)  # those four from Record
class ModelSettings(Record):
    """The model's fields of ``Settings``; not used on its own."""

    model_path: str = field(default=DEFAULT_MODEL, metadata=_meta(
        "MODEL_PATH",
        "the model file to serve (`.tflite` or `.onnx`), or its manifest `.json`",
        "`models/clothing/model.tflite`"))
    model_manifest: str | None = field(default=None, metadata=_meta(
        "MODEL_MANIFEST",
        "the manifest (labels, input, preprocessing, output kind, sha256)",
        "`<model>.json` or `model.json` beside it"))
    model_labels: tuple[str, ...] = field(default=(), metadata=_meta(
        "MODEL_LABELS",
        "comma-separated labels in output order (overrides the manifest)",
        "from the manifest"))
    model_labels_file: str | None = field(default=None, metadata=_meta(
        "MODEL_LABELS_FILE",
        "one label per line, when there is no manifest",
        "`labels.txt` beside the model"))
    model_normalization: str | None = field(
        default=None, metadata=_meta(
        "MODEL_NORMALIZATION",
        "`mobilenet`/`xception`/`inception` (x/127.5-1), `resnet50`/`vgg16`/`caffe` (BGR, "
        "mean subtracted), `efficientnet` (0..255), `torch` (ImageNet mean/std), `none`; "
        "`auto` passes pixels straight into a quantised input",
        "from the manifest (`auto`)", choices=NORMALIZATIONS))
    model_resize: str | None = field(default=None, metadata=_meta(
        "MODEL_RESIZE",
        "resample filter",
        "from the manifest (`bilinear`)", choices=RESAMPLE_NAMES))
    model_output: str | None = field(default=None, metadata=_meta(
        "MODEL_OUTPUT",
        "what the model outputs: `sigmoid` is independent per-label scores (reported by "
        "`GET /model`)",
        "from the manifest", choices=OUTPUT_KINDS))
    jpeg_draft: bool | None = field(default=None, metadata=_meta(
        "JPEG_DRAFT",
        "decode large JPEGs at reduced size (DCT scaling) before resizing",
        "from the manifest (`true`)"))
    model_threads: int = field(default_factory=available_cpus, metadata=_meta(
        "MODEL_THREADS",
        "interpreter threads",
        "CPUs available to the process", values=count(1, 256)))
    model_runtime: str = field(default="auto", metadata=_meta(
        "MODEL_RUNTIME",
        "`auto` (by the model file: LiteRT, then tflite-runtime, then TensorFlow for TFLite; "
        "ONNX Runtime for ONNX), or that runtime", choices=RUNTIMES))
    model_layout: str | None = field(default=None, metadata=_meta(
        "MODEL_LAYOUT",
        "`NHWC` or `NCHW`, for a model whose input shape does not say (both sizes 3)",
        "from the model, else the manifest's `input.layout`"))
    model_input_size: tuple[int, int] | None = field(default=None, metadata=_meta(
        "MODEL_INPUT_SIZE",
        "`224` or `WIDTHxHEIGHT`, for a model whose height and width are symbolic",
        "from the model, else the manifest"))  # (height, width)
    model_resize_shorter: int | None = field(default=None, metadata=_meta(
        "MODEL_RESIZE_SHORTER",
        "resize the shorter side to this, then center-crop to the input size (torchvision's "
        "`Resize(S)` + `CenterCrop`); `0` resizes straight to the input size",
        "from the manifest (`0`)", values=count(0, 65535)))
    model_softmax: bool | None = field(default=None, metadata=_meta(
        "MODEL_SOFTMAX",
        "answer softmax probabilities for a model that outputs logits",
        "from the manifest (`false`)"))
    model_uri: str = field(default="", metadata=_meta(
        "MODEL_URI",
        "download the model (with its manifest, labels and external data from the same "
        "prefix) from object storage once at start, into `MODEL_CACHE_DIR`, and serve it "
        "instead of `MODEL_PATH`",
        "empty (serve `MODEL_PATH`)",
        allowed="`s3://BUCKET/KEY`, `gs://BUCKET/OBJECT`, "
                "`https://ACCOUNT.blob.core.windows.net/CONTAINER/BLOB`, any `https://` URL"))
    model_sha256: str = field(default="", metadata=_meta(
        "MODEL_SHA256",
        "the model's identity (`sha256` of `GET /model`, external data included) that the "
        "download must match; required for a plain `https://` `MODEL_URI`",
        "empty (not checked)", allowed="64 hex digits"))
    model_cache_dir: str | None = field(default=None, metadata=_meta(
        "MODEL_CACHE_DIR",
        "where `MODEL_URI` is downloaded to; a verified copy there is reused by the next start",
        "`classifier-models` in the temp folder (`/tmp` on Lambda)",
        allowed="a writable folder"))
    model_download_timeout: float = field(default=30.0, metadata=_meta(
        "MODEL_DOWNLOAD_TIMEOUT",
        "`MODEL_URI`: seconds to connect to the store, and to wait for its next bytes",
        values=positive(HOUR)))
