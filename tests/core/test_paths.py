"""core.paths spells paths as pathlib does, and external data locations are refused as
pathlib's pure paths refused them: pathlib itself is the reference."""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath

import pytest

from core import errors, paths
from core.inference.external_data import _relative

PATHS = ["", ".", "/", "//", "///", "a", "a/", "a//b", "./a", "a/./b", "a/../b", "/a/b/", "//a/b",
         "///a", "a.tflite", "models/x.tar.gz", ".bashrc", "a.", "..a", "..", "a/..", "x/.hidden",
         "dir.d/file", "m.onnx/", "/a/b.c.d", "....", "a/b/c.json", " sp ace/x y.z", "é/ü.onnx"]


@pytest.mark.parametrize("text", PATHS)
def test_the_spelling_name_parent_and_suffix_are_pathlibs(text: str) -> None:
    reference = PurePosixPath(text)
    assert paths.pure(text) == str(reference)
    assert paths.name(text) == reference.name
    assert paths.parent(text) == str(reference.parent)
    assert paths.suffix(text) == reference.suffix


@pytest.mark.parametrize("text", PATHS)
def test_with_suffix_is_pathlibs_and_refuses_what_it_refuses(text: str) -> None:
    reference = PurePosixPath(text)
    for new in (".json", ".labels.txt"):
        try:
            expected = str(reference.with_suffix(new))
        except ValueError:
            with pytest.raises(ValueError, match="has an empty name"):
                paths.with_suffix(text, new)
        else:
            assert paths.with_suffix(text, new) == expected


@pytest.mark.parametrize("text", PATHS)
@pytest.mark.parametrize("tail", ["b", "/b", "b/c", "./b", "", "b//c/"])
def test_join_is_pathlibs_division(text: str, tail: str) -> None:
    assert paths.join(text, tail) == str(PurePosixPath(text) / tail)
    assert paths.join(PurePosixPath(text), tail) == str(PurePosixPath(text) / tail)


def _pathlib_relative(location: str) -> str | None:
    """The location rule as written with pathlib's pure paths (None: refused); a drive is
    any character before a colon, as PureWindowsPath reads it from Python 3.12 (3.11 only
    took ASCII letters)."""
    posix = PurePosixPath(location.replace("\\", "/"))
    drive = PureWindowsPath(location).drive or location[1:2] == ":"
    if posix.is_absolute() or drive or ".." in posix.parts or not posix.parts:
        return None
    return posix.as_posix()


@pytest.mark.parametrize("location", [
    "a.data", "./a.data", "sub/a.data", "sub//a.data", "sub\\a.data", "/abs", "\\abs", "C:a",
    "C:\\a", "c:/x", "1:x", "\\\\srv\\share\\x", "//srv/share/x", "..", "../x", "a/../b", ".",
    "", "./", "a/.", "ab:c", "a\\..\\b", "...", "..a", "a..", "\\\\?\\C:\\x", "///x"])
def test_an_external_data_location_is_kept_or_refused_as_pathlib_reads_it(location: str) -> None:
    expected = _pathlib_relative(location)
    if expected is None:
        with pytest.raises(errors.ConfigError, match="outside the model's folder"):
            _relative("m.onnx", location)
    else:
        assert _relative("m.onnx", location) == expected
