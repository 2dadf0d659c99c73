"""The default model's answers that the docs quote, rewritten from what the service answers.

A quoted answer is a line of ``PAGES`` holding ``"label": score`` pairs (also JSON-escaped, as
in a Lambda response body) that start with the sample photos' best class: the pairs are the
answer for ``samples/astronaut.jpg`` when the line names it, else for ``samples/coat.jpg``
(the photo in every example event). ``scripts/gendocs.py`` rewrites them and checks them.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from collections.abc import Iterator
from functools import cache

from models.build import REPO_ROOT

PAGES = ("README.md", "docs/getting-started.md", "docs/deploy-aws.md", "docs/batch.md")
SAMPLES = ("coat.jpg", "astronaut.jpg")
PAIR = re.compile(r'(\\?"([a-z-]+)\\?": ?)([0-9][0-9.e-]*)')


@contextlib.contextmanager
def _default_model() -> Iterator[None]:
    """Without the MODEL_* variables for a while, so the service loads the default model."""
    saved = {key: os.environ.pop(key) for key in list(os.environ) if key.startswith("MODEL_")}
    try:
        yield
    finally:
        os.environ.update(saved)


@cache
def answer(name: str) -> dict[str, float]:
    """The default model's scores for ``samples/NAME`` (the CLI's ``predict``, all classes)."""
    from core.cli import main

    out = io.StringIO()
    with _default_model(), contextlib.redirect_stdout(out):
        code = main(["predict", str(REPO_ROOT / "samples" / name)])
    if code != 0:
        raise SystemExit(f"error: predicting samples/{name} failed with exit code {code}")
    scores: dict[str, float] = json.loads(out.getvalue())
    return scores


def _line(line: str) -> str:
    pairs = PAIR.findall(line)
    best = {next(iter(answer(name))) for name in SAMPLES}
    if not pairs or pairs[0][1] not in best:
        return line
    scores = answer("astronaut.jpg" if "astronaut" in line else "coat.jpg")
    return PAIR.sub(lambda m: f"{m[1]}{scores[m[2]]}" if m[2] in scores else m[0], line)


def rewrite(text: str) -> str:
    """``text`` with every quoted answer's scores set to the default model's."""
    return "".join(_line(line) for line in text.splitlines(keepends=True))
