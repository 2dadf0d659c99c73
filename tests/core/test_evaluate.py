"""``python -m core evaluate``: accuracy through the served pipeline on a labelled folder."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from core.api.service import Service
from core.errors import ConfigError
from core.pipeline.evaluation import evaluate, format_report
from core.pipeline.predict import PredictInput
from core.pipeline.timings import Timings
from tests import images


def labelled_folder(root: Path, service: Service) -> dict[str, str]:
    """Two images per label for three labels; returns file -> what the API predicts for it."""
    answers: dict[str, str] = {}
    for label in service.pipeline.classifier.labels[:3]:
        (root / label).mkdir(parents=True)
        for seed in range(2):
            data = images.jpeg(seed=seed + 10 * len(answers))
            (root / label / f"{seed}.jpg").write_bytes(data)
            scores = service.pipeline.predict_input(PredictInput(image=data), Timings(),
                                                    time.monotonic() + 60)
            answers[f"{label}/{seed}.jpg"] = next(iter(scores))
    (root / "not-a-label").mkdir()
    (root / "not-a-label" / "x.jpg").write_bytes(images.jpeg())
    return answers


def test_report_matches_the_apis_answers(tmp_path: Path, service: Service) -> None:
    answers = labelled_folder(tmp_path, service)
    report = evaluate(service.pipeline, tmp_path)
    labels = report["labels"]
    assert report["images"] == 6
    hits = sum(1 for name, predicted in answers.items() if name.split("/")[0] == predicted)
    assert report["accuracy"] == pytest.approx(hits / 6)
    confusion = np.array(report["confusion"])
    assert confusion.sum() == 6 and confusion.shape == (len(labels), len(labels))
    for name, predicted in answers.items():
        assert confusion[labels.index(name.split("/")[0]), labels.index(predicted)] >= 1
    assert report["per_class"][labels[5]] is None  # a label with no images
    text = format_report(report)
    assert "top-1 accuracy" in text and "confusion matrix" in text


def test_empty_folder_is_a_clear_error(tmp_path: Path, service: Service) -> None:
    with pytest.raises(ConfigError, match="no images"):
        evaluate(service.pipeline, tmp_path)
    with pytest.raises(ConfigError, match="is not a folder"):
        evaluate(service.pipeline, tmp_path / "missing")
