"""The Open Inference Protocol v2 routes (``/v2/...``) beside the lesson's API.

The model takes ``image`` (BYTES ``[N]``: encoded images, binary or base64 in JSON) or its own
input tensor, already preprocessed (``GET /v2/models/{name}`` gives its name, datatype and
shape). It answers ``scores`` (FP32 ``[N, labels]`` in ``GET /model``'s label order) and
``label`` (BYTES ``[N]``, the top class). Images go through the same pipeline, limits and errors
as ``POST /predict``; ``core.api.service`` renders errors here as ``{"error": "message"}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from core import errors
from core.config import Settings
from core.messages import Request, Response, b64decode, json_response
from core.pipeline.predict import Pipeline
from core.pipeline.timings import Timings

if TYPE_CHECKING:
    from core.api.openinference.codec import InferRequest, Tensor

Handler = Callable[[Request, Timings], Response]
# The wire codec (core.api.openinference.codec) is imported by the handlers that use it, on the
# first /v2 request: a cold start that answers /predict never pays for it.
IMAGE, SCORES, LABEL = "image", "scores", "label"
SERVER_NAME = "serverless-classifier"


def is_v2(path: str) -> bool:
    """True for a path of the protocol (any ``/v2`` segment: stage prefixes included)."""
    return "/v2/" in "/" + path.strip("/") + "/"


class OpenInference:
    """The protocol's handlers on one service's pipeline (loaded on first use)."""

    def __init__(self, pipeline: Callable[[], Pipeline], settings: Settings) -> None:
        self._pipeline = pipeline
        self._settings = settings

    def routes(self) -> dict[str, dict[str, Handler]]:
        """Route -> method -> handler, in ``core.api.router`` form."""
        table: dict[str, dict[str, Handler]] = {
            "/v2": {"GET": self.server_metadata},
            "/v2/health/live": {"GET": self.live},
            "/v2/health/ready": {"GET": self.ready},
        }
        for base in ("/v2/models/{name}", "/v2/models/{name}/versions/{version}"):
            table[base] = {"GET": self.model_metadata}
            table[f"{base}/ready"] = {"GET": self.model_ready}
            table[f"{base}/infer"] = {"POST": self.infer}
        return table

    def server_metadata(self, request: Request, timings: Timings) -> Response:
        """``GET /v2``: name, version, extensions."""
        from importlib import metadata  # imported here: it costs ~10 ms of every cold start

        from core.api.openinference.codec import EXTENSIONS

        try:
            version = metadata.version(SERVER_NAME)
        except metadata.PackageNotFoundError:
            version = "0"
        return json_response({"name": SERVER_NAME, "version": version,
                              "extensions": list(EXTENSIONS)})

    def live(self, request: Request, timings: Timings) -> Response:
        """``GET /v2/health/live``: the process answers (the model is not loaded for this)."""
        return json_response({"live": True})

    def ready(self, request: Request, timings: Timings) -> Response:
        """``GET /v2/health/ready``: the model is loaded (loading it if needed)."""
        self._pipeline()
        return json_response({"ready": True})

    def model_ready(self, request: Request, timings: Timings) -> Response:
        """``GET /v2/models/{name}[/versions/{version}]/ready``."""
        return json_response({"name": self._model(request).classifier.manifest.name,
                              "ready": True})

    def model_metadata(self, request: Request, timings: Timings) -> Response:
        """``GET /v2/models/{name}[/versions/{version}]``: inputs and outputs."""
        from core.api.openinference.codec import datatype_of

        classifier = self._model(request).classifier
        manifest = classifier.manifest
        platform = "onnxruntime_onnx" if classifier.format == "onnx" else "tflite"
        return json_response({
            "name": manifest.name, "versions": [manifest.version], "platform": platform,
            "inputs": [
                {"name": IMAGE, "datatype": "BYTES", "shape": [-1]},
                {"name": self._tensor_name(), "datatype": datatype_of(classifier.input_dtype),
                 "shape": [-1, *classifier.input.shape[1:]]}],
            "outputs": [
                {"name": SCORES, "datatype": "FP32", "shape": [-1, len(classifier.labels)]},
                {"name": LABEL, "datatype": "BYTES", "shape": [-1]}]})

    def infer(self, request: Request, timings: Timings) -> Response:
        """``POST /v2/models/{name}[/versions/{version}]/infer``."""
        from core.api.openinference.codec import decode_request, encode_response

        pipeline = self._model(request)
        parsed = decode_request(request, self._settings.max_body_bytes,
                                max_elements=self._settings.max_batch)
        if len(parsed.inputs) != 1:
            raise errors.InvalidField(f"send one input: '{IMAGE}' (encoded images) or "
                                      f"'{self._tensor_name()}' (the model's input tensor)")
        (tensor,) = parsed.inputs
        deadline = request.due
        if tensor.name == IMAGE:
            scores = self._from_images(pipeline, tensor, timings, deadline)
        elif tensor.name == self._tensor_name():
            scores = self._from_tensor(pipeline, tensor, timings, deadline)
        else:
            raise errors.InvalidField(f"unknown input '{errors.shown(tensor.name, 40)}'; send "
                                      f"'{IMAGE}' or '{self._tensor_name()}'")
        timings.info["batch"] = len(scores)
        manifest = pipeline.classifier.manifest
        doc: dict[str, Any] = {"model_name": manifest.name, "model_version": manifest.version}
        if parsed.id is not None:
            doc["id"] = parsed.id
        return encode_response(doc, self._outputs(parsed, scores, pipeline.classifier.labels))

    def _model(self, request: Request) -> Pipeline:
        """The pipeline when the path names our model (and version); else a 404."""
        pipeline = self._pipeline()
        manifest = pipeline.classifier.manifest
        name, version = request.params.get("name"), request.params.get("version")
        if name != manifest.name:
            raise errors.NotFound(f"unknown model '{errors.shown(name, 60)}'; this server serves "
                                  f"'{manifest.name}'")
        if version is not None and version != manifest.version:
            raise errors.NotFound(f"model '{manifest.name}' has no version "
                                  f"'{errors.shown(version, 40)}'; it has '{manifest.version}'")
        return pipeline

    def _tensor_name(self) -> str:
        name = self._pipeline().classifier.input.name
        return name if name and name != IMAGE else "input"

    def _batch(self, count: int) -> None:
        limit = self._settings.max_batch
        if not 1 <= count <= limit:
            raise errors.InvalidField(f"the input holds {count} images; send 1 to {limit}")

    def _from_images(self, pipeline: Pipeline, tensor: Tensor, timings: Timings,
                     deadline: float) -> np.ndarray:
        count = len(tensor.data)
        if tensor.datatype != "BYTES" or tensor.shape not in ((count,), (count, 1)):
            raise errors.InvalidField(f"'{IMAGE}' must be BYTES of shape [N]: encoded images")
        self._batch(count)
        rows, allowance = [], pipeline.allowance()
        for index, element in enumerate(tensor.data):
            data = (element if isinstance(element, bytes)
                    else b64decode(str(element), f"'{IMAGE}' element {index}"))
            pixels = pipeline.prepare(data, timings, deadline, allowance)
            rows.append(pipeline.infer(pixels, timings, deadline))
        return np.array(rows)

    def _from_tensor(self, pipeline: Pipeline, tensor: Tensor, timings: Timings,
                     deadline: float) -> np.ndarray:
        from core.api.openinference.codec import datatype_of

        classifier = pipeline.classifier
        expected = datatype_of(classifier.input_dtype)
        size = classifier.input.shape[1:]
        if (tensor.datatype != expected or len(tensor.shape) != 4 or tensor.shape[1:] != size
                or not isinstance(tensor.data, np.ndarray)):
            raise errors.InvalidField(f"'{tensor.name}' must be {expected} of shape "
                                      f"[N, {', '.join(map(str, size))}]")
        self._batch(tensor.shape[0])
        return np.array([pipeline.infer(row, timings, deadline, preprocessed=True)
                         for row in tensor.data])

    def _outputs(self, parsed: InferRequest, scores: np.ndarray, labels: tuple[str, ...]
                 ) -> list[Tensor]:
        from core.api.openinference.codec import Tensor

        wanted = parsed.outputs or {SCORES: parsed.binary_output, LABEL: parsed.binary_output}
        unknown = [name for name in wanted if name not in (SCORES, LABEL)]
        if unknown:
            raise errors.InvalidField(f"unknown output '{unknown[0][:40]}'; this model has "
                                      f"'{SCORES}' and '{LABEL}'")
        top = [labels[i] for i in np.argmax(scores, axis=1).tolist()]
        return [Tensor(SCORES, "FP32", scores.shape, scores.astype(np.float32, copy=False), binary)
                if name == SCORES else Tensor(LABEL, "BYTES", (len(top),), top, binary)
                for name, binary in wanted.items()]

