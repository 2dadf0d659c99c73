"""The cold-start verdicts: each round's two runs are compared with each other."""

from __future__ import annotations

from benchmarks.cold_zip import judge, medians


def run(whole: float, cpu: float) -> dict[str, float]:
    return {"init": whole - 10, "answer": whole - 5, "whole": whole, "cpu": cpu}


def test_the_verdicts_pair_the_runs_of_each_round() -> None:
    # the load doubles in the second round: paired, ours is 10, 10 and 20 ms over bare
    samples = {"default": {"ours": [run(110, 60), run(310, 70), run(120, 65)],
                           "bare": [run(100, 50), run(300, 55), run(100, 50)]}}
    verdict = judge(samples)["default"]
    assert (verdict["over_bare_ms"], verdict["cpu_over_bare_ms"], verdict["met"]) == (
        10.0, 15.0, True)
    assert verdict["ratio"] == round(110 / 100, 3)
    assert medians(samples)["default"]["ours"]["whole"] == 120.0


def test_each_model_has_its_goal() -> None:
    slow = {"ours": [run(106, 50)], "bare": [run(100, 50)]}
    verdicts = judge({"xception": slow, "course2025": slow, "onnx": slow})
    assert [verdicts[k]["met"] for k in ("xception", "course2025", "onnx")] == [
        False, False, True]
