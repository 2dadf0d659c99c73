"""The ``func.Context`` the Python worker passes to a function that declares ``context``.

The worker (azure-functions-worker, run by the .NET Functions host) cannot run here, so this
implements the library's own abstract ``azure.functions.Context`` and ``TraceContext`` with the
values the worker fills in from the host's invocation request: the invocation id and the W3C
trace context of the invocation.
"""

from __future__ import annotations

import threading
import uuid

import azure.functions as func
from azure.functions._abc import RetryContext
from azure.functions._abc import TraceContext as AbstractTraceContext


class TraceContext(AbstractTraceContext):
    """The invocation's W3C trace context, as the host sends it."""

    def __init__(self, trace_parent: str, trace_state: str = "") -> None:
        self._parent, self._state = trace_parent, trace_state

    @property
    def trace_parent(self) -> str:
        return self._parent

    @property
    def trace_state(self) -> str:
        return self._state

    @property
    def attributes(self) -> dict[str, str]:
        return {}


class Context(func.Context):
    """One invocation's context."""

    def __init__(self, function_name: str = "predict", invocation_id: str | None = None,
                 trace_parent: str = "") -> None:
        self._name = function_name
        self._id = invocation_id or str(uuid.uuid4())
        self._trace = TraceContext(trace_parent)
        self._local = threading.local

    @property
    def invocation_id(self) -> str:
        return self._id

    @property
    def thread_local_storage(self) -> type[threading.local]:
        return self._local

    @property
    def function_name(self) -> str:
        return self._name

    @property
    def function_directory(self) -> str:
        return "/home/site/wwwroot"

    @property
    def trace_context(self) -> AbstractTraceContext:
        return self._trace

    @property
    def retry_context(self) -> RetryContext:
        raise NotImplementedError("HTTP triggers have no retry context")
