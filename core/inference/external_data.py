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
from pathlib import Path, PurePosixPath, PureWindowsPath

from core.errors import ConfigError
from core.inference.manifest import sha256_of


def _is_tflite(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(8)[4:8] == b"TFL3"


def _relative(model: Path, location: str) -> str:
    """``location`` as a '/'-separated path inside the model's folder; ConfigError otherwise."""
    posix = PurePosixPath(location.replace("\\", "/"))
    if (posix.is_absolute() or PureWindowsPath(location).drive or ".." in posix.parts
            or not posix.parts or posix.as_posix() == "."):
        raise ConfigError(f"model {model.name} names external data {location!r}, which is "
                          "absolute or outside the model's folder; only files in the model's "
                          "folder are read (save the model with a relative location)")
    return posix.as_posix()


def named(model: Path) -> tuple[str, ...]:
    """The external data files the model's graph names, relative to its folder and sorted,
    whether or not they exist yet (none for TFLite); ConfigError for a refused location."""
    try:
        if _is_tflite(model):
            return ()
    except OSError as exc:
        raise ConfigError(f"cannot read model {model}: {exc}") from exc
    from core.inference.onnx_header import external_locations  # ONNX only: TFLite never loads it

    return tuple(sorted({_relative(model, location) for location in external_locations(model)}))


def sidecars(model: Path) -> tuple[str, ...]:
    """The external data files of the model at ``model``, relative to its folder and sorted
    (none for a TFLite model); ConfigError for a refused location or a missing file."""
    found = named(model)
    for name in found:
        path = model.parent / name
        if not path.is_file():
            raise ConfigError(f"model {model.name} keeps its weights in {name}, which is "
                              f"missing from {model.parent}; put it beside the model (as "
                              "torch.onnx.export wrote it)")
        if not os.access(path, os.R_OK):
            raise ConfigError(f"model {model.name} keeps its weights in {name}, which this "
                              f"process may not read; make it readable (chmod a+r {path})")
    return tuple(found)


def identity(model: Path, files: tuple[str, ...]) -> str:
    """The model's hex identity: see the module's rule (the file's sha256 without sidecars)."""
    graph = sha256_of(model)
    if not files:
        return graph
    import hashlib  # as sha256_of: only where a hash is taken

    lines = [graph] + [f"{sha256_of(model.parent / name)}  {name}" for name in sorted(files)]
    return hashlib.sha256("".join(f"{line}\n" for line in lines).encode("utf-8")).hexdigest()


def total_bytes(model: Path, files: tuple[str, ...]) -> int:
    """The bytes of the model file and its sidecars."""
    return model.stat().st_size + sum((model.parent / name).stat().st_size for name in files)


def main(argv: list[str] | None = None) -> int:
    """Check each model's sidecars; print them, or one error line (exit 2)."""
    try:
        for arg in argv if argv is not None else sys.argv[1:]:
            for name in sidecars(Path(arg)):
                print(name)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
