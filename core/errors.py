"""The one error hierarchy. Each class carries its HTTP status and a stable error code.

Foreign exceptions (http.client, Pillow, the runtime) are translated into these where they arise;
``core.api.service`` turns them into JSON responses in exactly one place. A 5xx always means a
bug or a fault of the service itself, never something a caller sent.
"""

from __future__ import annotations


def shown(text: object, limit: int = 64) -> str:
    """Caller input as it may appear in an error message: at most ``limit`` characters, with
    anything not printable, markup characters and lone surrogates as ``\\uXXXX`` escapes, so
    an echoed path or header can neither break the JSON's encoding nor read as HTML."""
    value = str(text)
    cut = value[:limit]
    safe = "".join(c if c.isprintable() and c not in "<>&\"'\\" and not "\ud800" <= c <= "\udfff"
                   else f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}"
                   for c in cut)
    return safe + ("..." if len(value) > limit else "")


class ServiceError(Exception):
    """Base class: an error answered as ``{"error": {"code", "message"}}``."""

    status = 500
    code = "internal_error"
    sent = True  # False on a base class that is never raised itself (read from its __dict__)

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def to_json(self) -> dict[str, dict[str, str | int]]:
        """The JSON error body."""
        return {"error": {"code": self.code, "message": self.message}}


class BadRequest(ServiceError):
    """The request is malformed: bad JSON, a missing or wrong field."""

    status = 400
    code = "bad_request"


class InvalidJSON(BadRequest):
    """The body is not valid JSON."""

    code = "invalid_json"


class InvalidField(BadRequest):
    """A field is missing, unknown, or of the wrong type or value."""

    code = "invalid_field"


class URLNotAllowed(BadRequest):
    """The image URL is refused by policy (scheme, port, credentials, address)."""

    code = "url_not_allowed"


class Unauthorized(ServiceError):
    """The request carries no accepted API key (answered with ``WWW-Authenticate: Bearer``)."""

    status = 401
    code = "unauthorized"


class NotFound(ServiceError):
    """No route matches the path."""

    status = 404
    code = "not_found"


class MethodNotAllowed(ServiceError):
    """The route exists but not for this method."""

    status = 405
    code = "method_not_allowed"

    def __init__(self, message: str, *, allowed: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.allowed = allowed


class PayloadTooLarge(ServiceError):
    """The request body, a download or an image is larger than allowed."""

    status = 413
    code = "payload_too_large"

    @classmethod
    def body(cls, limit: int) -> PayloadTooLarge:
        """A request body over ``limit`` bytes: one message on every front end."""
        return cls(f"the request body is larger than {limit} bytes")


class ImageTooLarge(PayloadTooLarge):
    """The image has more pixels or bytes than allowed (decompression bombs included)."""

    code = "image_too_large"


class RequestTooLarge(PayloadTooLarge):
    """The request's images together would decode to more pixels than MAX_REQUEST_PIXELS."""

    code = "request_too_large"


class DecodeBusy(ServiceError):
    """Too many large images are already waiting to be decoded; retry shortly."""

    status = 429
    code = "decode_busy"


class UnsupportedMediaType(ServiceError):
    """The request's Content-Type is not one the service reads."""

    status = 415
    code = "unsupported_media_type"


class UnsupportedImageFormat(UnsupportedMediaType):
    """The bytes are an image format the service does not open (PDF, SVG, TIFF, ...)."""

    code = "unsupported_image_format"


class Unprocessable(ServiceError):
    """The request is well formed but its image cannot be used."""

    status = 422
    code = "unprocessable"
    sent = False  # a base class: only its subclasses are raised, so its code is never answered


class InvalidImage(Unprocessable):
    """The bytes cannot be decoded as an image (corrupt, truncated, not an image)."""

    code = "invalid_image"


class ImageTooComplex(Unprocessable):
    """The image's structure would cost abnormal CPU to decode (scan floods, slow decodes)."""

    code = "image_too_complex"


class FetchFailed(Unprocessable):
    """The image URL could not be fetched."""

    code = "fetch_failed"
    sent = False  # a base class, as Unprocessable


class URLUnreachable(FetchFailed):
    """The image host could not be resolved or connected to."""

    code = "url_unreachable"


class URLStatus(FetchFailed):
    """The image host answered with an error status."""

    code = "url_status"


class URLTimeout(FetchFailed):
    """The image download took longer than allowed."""

    code = "url_timeout"


class StorageError(ServiceError):
    """Reading or writing a stored object (an event's image, its result) failed."""

    status = 502
    code = "storage_error"
    sent = False  # a base class, as Unprocessable


class ObjectNotFound(StorageError):
    """The stored object (or its bucket) does not exist (deleted before it was read)."""

    status = 404
    code = "object_not_found"


class StorageForbidden(StorageError):
    """The function's identity may not read the object or write the result."""

    status = 403
    code = "storage_forbidden"


class StorageUnavailable(StorageError):
    """The object store throttled, timed out, failed or could not be reached; retried."""

    status = 503
    code = "storage_unavailable"


class DeadlineExceeded(ServiceError):
    """The platform's time limit was about to run out before an answer was ready."""

    status = 504
    code = "deadline_exceeded"


class InternalError(ServiceError):
    """An unexpected fault in the service; the body never carries exception text."""

    status = 500
    code = "internal_error"


class ModelError(InternalError):
    """The interpreter failed on a well-formed input."""

    code = "model_error"


class ConfigError(Exception):
    """The deployment is misconfigured (bad variable, model and labels disagree): fail at start."""
