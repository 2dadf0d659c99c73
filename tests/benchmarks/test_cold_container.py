"""The container cold start's run order, paired verdicts and docs table."""

from __future__ import annotations

import itertools
from pathlib import Path

from benchmarks.cold_container import Run, Samples, document, judge, markdown, schedule


def runs(*whole: float, cpu: tuple[float | None, ...] = ()) -> list[Run]:
    """Runs of these wall times, with these CPU times (none given: 100 ms each)."""
    return [Run(whole=w, cpu=c) for w, c in zip(whole, cpu or (100.0,) * len(whole),
                                                  strict=True)]


def pair(ours: list[float], bare: list[float]) -> dict[str, list[Run]]:
    return {"ours": runs(*ours), "bare": runs(*bare)}


def test_each_round_runs_every_pair_back_to_back_the_order_flipping() -> None:
    assert schedule(["default", "onnx"], 2) == [
        ("default", "ours"), ("default", "bare"), ("onnx", "bare"), ("onnx", "ours"),
        ("default", "bare"), ("default", "ours"), ("onnx", "ours"), ("onnx", "bare")]


def test_every_side_follows_ours_and_bare_equally_often() -> None:
    """Over the rounds, each kind's ours and bare each come after an ours start as often as
    after a bare one (the first start of the run follows nothing)."""
    order = schedule(["default", "onnx", "xception"], 8)
    after: dict[tuple[str, str], list[str]] = {}
    for before, (kind, side) in itertools.pairwise(order):
        after.setdefault((kind, side), []).append(before[1])
    for (kind, side), sides in after.items():
        skew = sides.count("ours") - sides.count("bare")
        assert abs(skew) <= 1, (kind, side, sides)


def test_the_difference_and_ratio_pair_the_runs_of_each_round() -> None:
    # the load doubles in the second round: paired, ours is 10, 10 and 30 ms over bare, while
    # the medians of each side (320 and 300) are 20 ms apart
    samples: Samples = {"default": {"ours": runs(310, 610, 320, cpu=(150, 160, 170)),
                                    "bare": runs(300, 600, 290, cpu=(100, 140, 100))}}
    verdict = judge(samples)["default"]
    assert verdict["cpu_over_bare_ms"] == 50.0
    assert (verdict["over_bare_ms"], verdict["met"]) == (10.0, True)
    assert verdict["ratio"] == round(310 / 300, 3)
    assert (verdict["ours"]["median"], verdict["bare"]["median"]) == (320.0, 300.0)
    assert verdict["ours"]["p90"] == 610.0


def test_each_model_has_the_zips_goal() -> None:
    over_21 = pair([321], [300])  # +21 ms, 1.07x
    within = pair([2080], [2000])  # +80 ms, 1.04x
    verdicts = judge({"default": over_21, "onnx": pair([320], [300]), "xception": within})
    assert [verdicts[k]["met"] for k in ("default", "onnx", "xception")] == [False, True, True]
    assert verdicts["xception"]["goal"] == "bare + 5 %"
    assert not judge({"xception": over_21})["xception"]["met"]


def record() -> dict[str, object]:
    samples: Samples = {"default": pair([330, 340], [300, 310]),
                        "onnx": {"ours": runs(400, 410, cpu=(90, None)),
                                 "bare": runs(395, 400)}}
    return {"date": "2026-12-06 07:00 UTC", "cpus": 2, "load": [1.5, 1.2, 1.0],
            "base": "public.ecr.aws/lambda/python:3.11-x86_64", "runs": 2,
            "sizes": {"default": {"over_base_mb": 133.4}}, "verdicts": judge(samples)}


def test_the_table_has_one_row_per_model_with_its_verdict() -> None:
    lines = markdown(record()).splitlines()
    rows = [line for line in lines if line.startswith("| default") or line.startswith("| ONNX")]
    assert rows == [
        "| default model (LiteRT, 2.6 MB) | 335 (340) ms | 305 (310) ms | +30.0 ms | 1.10x "
        "| +0.0 ms | 133.4 MB | bare + 20 ms: NOT met |",
        # a run without its CPU time: no CPU difference for that model
        "| ONNX MobileNetV2 (8.8 MB, ONNX Runtime) | 405 (410) ms | 398 (400) ms | +7.5 ms "
        "| 1.02x |  |  | bare + 20 ms: met |"]
    assert "2 interleaved runs per side" in lines[0]


def test_the_docs_block_says_when_nothing_was_recorded(tmp_path: Path) -> None:
    assert "make bench-container" in document(tmp_path)
