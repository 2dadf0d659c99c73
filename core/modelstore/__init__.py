"""The model from object storage: ``MODEL_URI`` downloaded once per instance at start.

Owns parsing the URI (``uri``), one reader per store, each with its cloud's own SDK and the
function's own identity (``s3``, ``gcs``, ``azure_blob``, ``https``), the verified, atomically
written copy in the cache folder that a warm start reuses (``cache``), and the download of a
model with its manifest, labels and external data (``download``).

May import ``core.config`` and ``core.errors`` only. Cloud SDKs (boto3, google-cloud-storage,
azure-storage-blob, azure-identity) are imported lazily inside the reader that needs them, so
a deployment carries only its own store's SDK. What an ONNX graph names as its external data,
and how a model's identity is computed, are passed in by the caller (``core.api.service``),
which keeps this package independent of ``core.inference``.
"""

from core.modelstore.download import Downloaded, download_model

__all__ = ["Downloaded", "download_model"]
