"""Models: loaded once per process and run on uint8 RGB pixels.

Owns the ``Classifier`` interface (``classifier``) and its runtimes (``litert`` for TFLite,
``onnx_runtime`` for ONNX; ``runtimes`` finds them, ``loader`` picks one by the file), the
manifest and its resolution from the model's folder (``manifest``, ``model_files``), the input
tensor's shape and encoding (``input_shape``, ``input_encoding``, ``normalization``,
``tensor_info``), the raw outputs turned into scores (``scores``), reading an ONNX file's
header without ONNX itself (``onnx_header``), and an ONNX model's external data files with the
model's identity over them (``external_data``), and the values a model without a manifest is
served on (``assumptions``).

May import ``core.config`` and ``core.errors`` only; knows nothing of images' bytes or HTTP.
"""
