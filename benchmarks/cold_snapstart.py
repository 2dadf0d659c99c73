"""SnapStart's restored environment, as closely as one machine allows: fork from a warmed state.

In the unzipped Lambda zip (as ``benchmarks.cold_zip`` lays it out), a *snapshot* process
imports ``lambda_function`` (the init: model loaded, hooks registered with the runtime's own
``snapshot_restore_py``, put on sys.path after the task root as the managed runtime has it) and
runs the before-snapshot hooks as awslambdaric does (last registered first). Then, once per
round, it forks: the child runs the after-restore hooks and answers one base64 photo; its
figure is the time from just before ``os.fork`` to the answer. Two snapshot processes are kept,
one with the hook's warm-up inference and one with it switched off, and each round alternates
them with a fresh process's whole cold start (exec to answer, ``cold_zip``'s own measure).

What fork cannot show: a restore pages the snapshot's memory in from Lambda's snapshot store
(here the child shares the parent's pages, already in RAM), the restored microVM's network and
clock are re-established, and the runtime client asks for ``restore/next``; none of that is
timed here. Writes ``docs/data/cold_snapstart.json``.
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import statistics
import subprocess
import zipfile
from pathlib import Path
from typing import IO, Any

import snapshot_restore_py

from benchmarks.cold_zip import OURS, PHOTO, once
from benchmarks.common import ROOT, run_record, write_json

FRESH = "fresh process"
RESTORE = "restore, warm-up in the snapshot"
BARE_RESTORE = "restore, no warm-up"
SNAPSHOT = """
import time; t0 = time.perf_counter()
import json, os, sys, threading; sys.path.insert(0, ROOT); sys.path.append(RUNTIME)
import lambda_function
t1 = time.perf_counter()
from aws_lambda import snapstart
if not WARM_UP:
    lambda_function.SERVICE.warm = lambda inference=False: None
import snapshot_restore_py as hooks
before = hooks.get_before_snapshot()
while before:
    func, args, kwargs = before.pop()
    func(*args, **kwargs)
t2 = time.perf_counter()
event = json.load(open(EVENT))
print(json.dumps({"init": t1 - t0, "before_snapshot": t2 - t1,
                  "threads": threading.active_count()}), flush=True)
for _ in sys.stdin:
    started = time.perf_counter()
    child = os.fork()
    if child == 0:
        forked = time.perf_counter()
        for func, args, kwargs in hooks.get_after_restore():
            func(*args, **kwargs)
        restored = time.perf_counter()
        answer = lambda_function.lambda_handler(event, None)
        done = time.perf_counter()
        print(json.dumps({"fork": forked - started, "after_restore": restored - forked,
                          "answer": done - started, "cpu": time.process_time(),
                          "ok": "error" not in answer}), flush=True)
        os._exit(0)
    os.waitpid(child, 0)
"""
ENV = {"PATH": "/usr/bin:/bin", "LOG_LEVEL": "WARNING", "MODEL_THREADS": "1",
       "LANG": "C.UTF-8"}


def ms(report: dict[str, Any]) -> dict[str, float]:
    """A child's report in milliseconds, once it says it answered."""
    if not report.pop("ok", True):
        raise RuntimeError(f"the restored environment failed to answer: {report}")
    return {key: round(value * 1000, 1) for key, value in report.items()}


class Snapshot:
    """A warmed process that forks one restored environment per ``restore()``."""

    def __init__(self, python: str, code: str, cwd: Path) -> None:
        self.process = subprocess.Popen([python, "-I", "-S", "-c", code], cwd=cwd, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, env=ENV)
        self.ready = self._line()

    def _line(self) -> dict[str, Any]:
        stdout: IO[str] | None = self.process.stdout
        assert stdout is not None
        line = stdout.readline()
        if not line:
            raise RuntimeError(f"the snapshot process exited ({self.process.wait(60)})")
        report: dict[str, Any] = json.loads(line)
        return report

    def restore(self) -> dict[str, float]:
        """One fork: after-restore hooks and the first answer, timed from the fork."""
        assert self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()
        return ms(self._line())

    def close(self) -> None:
        """End the snapshot process (its loop ends with its stdin)."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)


def prepare(zip_path: Path, work: Path) -> dict[str, str]:
    """The unzipped task root, the event and the runtime's hook module: code substitutions."""
    root = work / "task"
    shutil.rmtree(root, ignore_errors=True)  # always the zip just built
    with zipfile.ZipFile(zip_path) as bundle:
        bundle.extractall(root)
    runtime = work / "runtime"
    runtime.mkdir(exist_ok=True)
    shutil.copy(str(snapshot_restore_py.__file__), runtime / "snapshot_restore_py.py")
    event = work / "event.json"
    event.write_text(json.dumps({"image": base64.b64encode(PHOTO.read_bytes()).decode()}))
    return {"ROOT": repr(str(root)), "EVENT": repr(str(event)), "RUNTIME": repr(str(runtime))}


def substitute(code: str, values: dict[str, str]) -> str:
    """``code`` with each placeholder replaced by its value."""
    for key, value in values.items():
        code = code.replace(key, value)
    return code


def measure(zip_path: Path, work: Path, python: str, runs: int) -> dict[str, Any]:
    """Fresh cold starts alternated with restores from both snapshots; medians in ms."""
    values = prepare(zip_path, work)
    cwd = work / "task"
    fresh = substitute(OURS, values)
    snapshots = {name: Snapshot(python, substitute(SNAPSHOT, {**values, "WARM_UP": flag}), cwd)
                 for name, flag in ((RESTORE, "True"), (BARE_RESTORE, "False"))}
    samples: dict[str, list[dict[str, float]]] = {FRESH: [], RESTORE: [], BARE_RESTORE: []}
    manifest = json.loads(min(cwd.glob("models/*/*.json")).read_text())
    try:
        for round_ in range(runs):
            order = [RESTORE, BARE_RESTORE] if round_ % 2 == 0 else [BARE_RESTORE, RESTORE]
            samples[FRESH].append(once(python, fresh, cwd))
            for name in order:
                samples[name].append(snapshots[name].restore())
    finally:
        for snapshot in snapshots.values():
            snapshot.close()
    medians = {name: {key: round(statistics.median(run[key] for run in rows), 1)
                      for key in rows[0]} for name, rows in samples.items()}
    pairs = list(zip(samples[RESTORE], samples[BARE_RESTORE], strict=True))
    saves = {key: round(statistics.median(cold[key] - warm[key] for warm, cold in pairs), 1)
             for key in ("answer", "cpu")}
    model = f"{manifest['name']} ({manifest['file'].rsplit('.', 1)[-1]})"
    return {"model": model, "medians_ms": medians, "warm_up_saves_ms": saves,
            "answers_ms": {name: [run["answer" if name != FRESH else "whole"] for run in rows]
                           for name, rows in samples.items()},
            "snapshots": {name: {"init_ms": round(s.ready["init"] * 1000, 1),
                                 "before_snapshot_ms": round(s.ready["before_snapshot"] * 1000, 1),
                                 "threads": s.ready["threads"]}
                          for name, s in snapshots.items()}}


def markdown(record: dict[str, Any]) -> str:
    """The docs' table and its two figures: what a restore saves, what the warm-up adds."""
    medians, load = record["medians_ms"], record["load"][0]
    fresh, warm, cold = (medians[name] for name in (FRESH, RESTORE, BARE_RESTORE))
    rows = [f"| {record['date']}, {record['cpus']} CPUs, load {load} | first answer "
            "| of it: fork | of it: after-restore hooks | CPU time of the copy |",
            "|---|---:|---:|---:|---:|",
            f"| {FRESH} (exec, imports, model load, answer) | {fresh['whole']} ms | | | |"]
    rows += [f"| {name} | {row['answer']} ms | {row['fork']} ms | {row['after_restore']} ms "
             f"| {row['cpu']} ms |" for name, row in ((RESTORE, warm), (BARE_RESTORE, cold))]
    saving = round(fresh["whole"] - warm["answer"], 1)
    gain, cpu = record["warm_up_saves_ms"]["answer"], record["warm_up_saves_ms"]["cpu"]
    effect = (f"makes the first answer {gain} ms faster" if gain > 0
              else f"does not make the first answer faster ({-gain} ms slower)")
    rows += ["", f"Medians of {record['runs']} alternated runs each. A restored environment "
             f"answers its first request {saving} ms sooner than a fresh process "
             f"({round(fresh['whole'] / warm['answer'], 1)}x faster). Against a restore "
             f"without it, the warm-up inference in the snapshot {effect}, with "
             f"{abs(cpu)} ms {'less' if cpu > 0 else 'more'} CPU time in the copy (medians of "
             "the rounds' paired differences)."]
    return "\n".join(rows)


def summary(records: list[dict[str, Any]]) -> str:
    """One row per model: the fresh process, the restore, and the warm-up's paired effect."""
    rows = ["| model | fresh process | restore | restore saves | warm-up saves (wall, CPU) |",
            "|---|---:|---:|---:|---:|"]
    for record in records:
        fresh, warm = (record["medians_ms"][name] for name in (FRESH, RESTORE))
        saves = record["warm_up_saves_ms"]
        rows.append(f"| {record['model']} ({record['date']}, load {record['load'][0]}) "
                    f"| {fresh['whole']} ms | {warm['answer']} ms "
                    f"| {round(fresh['whole'] - warm['answer'], 1)} ms "
                    f"| {saves['answer']} ms, {saves['cpu']} ms |")
    return "\n".join(rows)


def document(data: Path) -> str:
    """The docs' block: the default model's table, then every model measured, in brief."""
    main_record = data / "cold_snapstart.json"
    if not main_record.exists():
        return "Not measured yet: run `make bench-snapstart`."
    records = [json.loads(path.read_text()) for path in
               [main_record, *sorted(data.glob("cold_snapstart_*.json"))]]
    text = markdown(records[0])
    if len(records) > 1:
        text += ("\n\nEvery model measured, each in its own run (a zip built with `make "
                 "bundle-aws MODEL=...`, then `python -m benchmarks.cold_snapstart --zip ZIP "
                 "--out docs/data/cold_snapstart_NAME.json`):\n\n" + summary(records))
    return text


def main() -> int:
    """Measure, print and record."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cold_snapstart")
    parser.add_argument("--zip", type=Path, default=ROOT / "build" / "aws_lambda.zip")
    parser.add_argument("--python", default="python3", help="the zip's Python (LAMBDA_PYTHON)")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--out", type=Path,
                        default=ROOT / "docs" / "data" / "cold_snapstart.json")
    args = parser.parse_args()
    work = ROOT / "build" / "bench" / "cold-snapstart"
    work.mkdir(parents=True, exist_ok=True)
    # as cold_zip's children find it (their PATH), else on this PATH (a full path to it)
    python = (shutil.which(args.python, path=ENV["PATH"]) or shutil.which(args.python)
              or args.python)
    record = {**run_record(args.runs), "python": args.python,
              **measure(args.zip, work, python, args.runs)}
    write_json(args.out, record)
    print(markdown(record))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
