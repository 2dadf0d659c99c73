"""``classifier batch SOURCE --out results.jsonl``: list, skip what the file holds, classify
the rest with progress, stop cleanly on a signal, and say what was done in one line.

Exit status: 0 when every image of the run was classified, 1 when some got an error record,
2 when SOURCE or --out cannot be used (nothing classified), 130 / 143 when Ctrl-C / SIGTERM
stopped the run (the file then holds whole lines; the same command completes the rest).
"""

from __future__ import annotations

import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.batch.progress import has_tqdm, make_progress
from core.batch.readahead import Runner, Tally
from core.batch.results_file import ResultsFile
from core.batch.sources import open_source, pending
from core.batch.stopping import stop_on_signals
from core.pipeline.predict import Pipeline

STDOUT = Path("/dev/stdout")  # --out -: the lines on standard output, nothing resumed
PROGRESS_HINT = ("(install the batch extra for a progress bar: make install-batch, "
                 "or pip install -e '.[batch]')")


@dataclass(frozen=True)
class Options:
    """The command's arguments."""

    source: str
    out: Path
    workers: int = 2
    progress: bool | None = None  # None: when stderr is a terminal


def run_batch(pipeline: Pipeline, options: Options) -> int:
    """Run the command; configuration problems raise ``ConfigError`` before any work."""
    out = STDOUT if options.out == Path("-") else options.out
    skip = frozenset({out.resolve(), out.resolve().with_name(f".{out.name}.partial")})
    items = open_source(options.source, pipeline.settings, skip)
    results = ResultsFile(out)
    if results.kept.dropped:
        print(f"batch: {results.kept.dropped} lines of {out} dropped to be done again (cut "
              "short, or a transient failure)", file=sys.stderr)
    todo = list(pending(items, results.done))
    if options.progress is not False and sys.stderr.isatty() and not has_tqdm():
        print(PROGRESS_HINT, file=sys.stderr)
    progress = make_progress(len(todo), options.progress)

    def write(line: dict[str, Any]) -> None:
        results.append(line)
        progress.update("error" in line)

    started = time.monotonic()
    try:
        with stop_on_signals() as stop:
            tally = Runner(pipeline, options.workers).run(todo, write, stop.is_set)
    finally:
        progress.close()
        results.close()
    _summary(options, len(items), len(todo), tally, time.monotonic() - started)
    status = stop.exit_status()
    if status is not None:
        print(f"batch: stopped by {signal.Signals(status - 128).name} with "
              f"{len(todo) - tally.written} images left; run the same command again to "
              "classify them", file=sys.stderr)
        return status
    return 1 if tally.failed else 0


def _summary(options: Options, total: int, todo: int, tally: Tally, seconds: float) -> None:
    rate = tally.written / seconds if seconds > 0 else 0.0
    print(f"batch: {total} images in {options.source}; {total - todo} already in "
          f"{options.out}, {tally.written} classified now ({tally.failed} failed) in "
          f"{seconds:.1f} s, {rate:.1f} img/s", file=sys.stderr)
