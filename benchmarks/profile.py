"""Profiles of a cold start and of warm Lambda requests (``make bench-profile``).

``python -m benchmarks.profile [--model PATH]`` serves one validation photo from 127.0.0.1 and
writes, under build/bench/profile/: ``cold.txt`` (cProfile of ``import lambda_function`` plus
the first answer), ``warm.txt`` (cProfile of 20 warm requests) and ``imports.txt`` (the slowest
imports of the cold path, from ``python -X importtime``), each sorted by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import (
    DEFAULT_MODEL,
    OUT,
    PY,
    ROOT,
    core_env,
    prepare_images,
    serve_folder,
    shared_dir,
)

DIR = OUT / "profile"
LAMBDA_DIR = ROOT / "aws_lambda"


def stats_text(profile: cProfile.Profile, title: str, limit: int = 35) -> str:
    """The top of a profile by cumulative time, as text."""
    buffer = io.StringIO()
    stats = pstats.Stats(profile, stream=buffer)
    stats.sort_stats("cumulative").print_stats(limit)
    return f"# {title}\n{buffer.getvalue()}"


def child(kind: str, url: str) -> None:
    """In a fresh process: profile the cold path or warm requests."""
    sys.path.insert(0, str(LAMBDA_DIR))
    profile = cProfile.Profile()
    if kind == "cold":
        profile.enable()
        import lambda_function  # type: ignore[import-not-found, unused-ignore]

        lambda_function.lambda_handler({"url": url}, None)
        profile.disable()
    else:
        import lambda_function  # type: ignore[import-not-found, unused-ignore]

        for _ in range(3):
            lambda_function.lambda_handler({"url": url}, None)
        started = time.perf_counter()
        profile.enable()
        for _ in range(20):
            lambda_function.lambda_handler({"url": url}, None)
        profile.disable()
        print(f"20 warm requests: {(time.perf_counter() - started) * 50:.1f} ms each",
              file=sys.stderr)
    (DIR / f"{kind}.txt").write_text(stats_text(profile, f"{kind}: {url}"), encoding="utf-8")


def import_times(env: dict[str, str]) -> str:
    """The 40 slowest imports (cumulative microseconds) of ``import lambda_function``."""
    code = f"import sys; sys.path.insert(0, {str(LAMBDA_DIR)!r}); import lambda_function"
    done = subprocess.run([PY, "-X", "importtime", "-c", code], capture_output=True,
                          text=True, env=env, cwd=ROOT, check=True)
    rows = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            _, cumulative, name = (p.strip() for p in line[12:].split("|"))
            rows.append((int(cumulative), name))
    rows.sort(reverse=True)
    return "\n".join(f"{us / 1000:9.1f} ms  {name}" for us, name in rows[:40]) + "\n"


def main() -> int:
    """Profile with the chosen model; print where the files are."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile")
    parser.add_argument("--model", default=str(DEFAULT_MODEL))
    parser.add_argument("--child", choices=("cold", "warm"))
    parser.add_argument("--url", default="")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url)
        return 0
    DIR.mkdir(parents=True, exist_ok=True)
    folder, small, _ = prepare_images(shared_dir(), 1, 0)
    images = serve_folder(folder)
    try:
        env = {**os.environ, **core_env(Path(args.model), images.port,
                                        extra={"LOG_LEVEL": "WARNING"})}
        url = f"{images.url}/{small[0]}"
        for kind in ("cold", "warm"):
            subprocess.run([PY, "-m", "benchmarks.profile", "--child", kind, "--url", url],
                           env=env, cwd=ROOT, check=True)
        (DIR / "imports.txt").write_text(import_times(env), encoding="utf-8")
    finally:
        images.close()
    print(f"profiles in {DIR}: cold.txt, warm.txt, imports.txt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
