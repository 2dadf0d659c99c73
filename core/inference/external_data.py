"""An ONNX model's external data files ("sidecars"), and the identity of a model's files.

``torch.onnx.export`` and ``onnx.save_model(..., save_as_external_data=True)`` write the weights
beside the graph (``model.onnx`` + ``model.onnx.data``). The graph names each such file in its
tensors' ``external_data`` ``location``, relative to the graph's folder: that list, and nothing
guessed from file names, is the model's sidecars. A location that is absolute or leaves the
folder is refused, and so is a sidecar that is missing, each with one line naming the file.

The model's identity (``sha256`` in ``GET /model``, the manifest and the logs):

* no sidecars (every TFLite model, most ONNX models): the sha256 of the model file itself;
* with sidecars: the sha256 of the text ``<sha256 of the graph>\\n`` followed by one line
  ``<sha256 of the sidecar>  <location>\\n`` per sidecar in sorted location order, which is
  what ``{ sha256sum < model.onnx | cut -d' ' -f1; sha256sum SIDECAR...; } | sha256sum``
  prints in the model's folder (sidecars sorted). Changing any weight, or which file holds it,
  changes the identity; renaming the graph file does not, as without sidecars.

``python -m core.inference.external_data MODEL`` checks a model's sidecars and prints them, one
a line (the image build runs it: it needs nothing but the standard library and the core).
"""

from __future__ import annotations

import os
import sys

from core.errors import ConfigError
from core.inference.manifest import sha256_of
from core.paths import StrPath, join, name, parent, pure


def _is_tflite(path: str) -> bool:
    with open(path, "rb") as handle:
        return handle.read(8)[4:8] == b"TFL3"


def _relative(model: str, location: str) -> str:
    """``location`` as a '/'-separated path inside the model's folder; ConfigError otherwise.
    Refused: a root (``/``, ``\\`` or a UNC share), a drive (any character before a colon,
    ``C:``, as Windows paths read from Python 3.12), a ``..`` part, or no part at all; empty
    and ``.`` parts are dropped."""
    posix = location.replace("\\", "/")
    parts = [part for part in posix.split("/") if part not in ("", ".")]
    if posix.startswith("/") or location[1:2] == ":" or ".." in parts or not parts:
        raise ConfigError(f"model {name(model)} names external data {location!r}, which is "
                          "absolute or outside the model's folder; only files in the model's "
                          "folder are read (save the model with a relative location)")
    return "/".join(parts)


def named(model: StrPath) -> tuple[str, ...]:
    """The external data files the model's graph names, relative to its folder and sorted,
    whether or not they exist yet (none for TFLite); ConfigError for a refused location."""
    model = pure(model)
    try:
        if _is_tflite(model):
            return ()
    except OSError as exc:
        raise ConfigError(f"cannot read model {model}: {exc}") from exc
    from core.inference.onnx_header import external_locations  # ONNX only: TFLite never loads it

    return tuple(sorted({_relative(model, location) for location in external_locations(model)}))


def sidecars(model: StrPath) -> tuple[str, ...]:
    """The external data files of the model at ``model``, relative to its folder and sorted
    (none for a TFLite model); ConfigError for a refused location or a missing file."""
    model = pure(model)
    found = named(model)
    for file in found:
        path = join(parent(model), file)
        if not os.path.isfile(path):
            raise ConfigError(f"model {name(model)} keeps its weights in {file}, which is "
                              f"missing from {parent(model)}; put it beside the model (as "
                              "torch.onnx.export wrote it)")
        if not os.access(path, os.R_OK):
            raise ConfigError(f"model {name(model)} keeps its weights in {file}, which this "
                              f"process may not read; make it readable (chmod a+r {path})")
    return tuple(found)


def identity(model: StrPath, files: tuple[str, ...]) -> str:
    """The model's hex identity: see the module's rule (the file's sha256 without sidecars)."""
    graph = sha256_of(model)
    if not files:
        return graph
    import hashlib  # as sha256_of: only where a hash is taken

    folder = parent(pure(model))
    lines = [graph] + [f"{sha256_of(join(folder, file))}  {file}" for file in sorted(files)]
    return hashlib.sha256("".join(f"{line}\n" for line in lines).encode("utf-8")).hexdigest()


def total_bytes(model: StrPath, files: tuple[str, ...]) -> int:
    """The bytes of the model file and its sidecars."""
    folder = parent(pure(model))
    return os.path.getsize(model) + sum(os.path.getsize(join(folder, file)) for file in files)


def main(argv: list[str] | None = None) -> int:
    """Check each model's sidecars; print them, or one error line (exit 2)."""
    try:
        for arg in argv if argv is not None else sys.argv[1:]:
            for file in sidecars(arg):
                print(file)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
