"""numpy's OpenBLAS starts no threads of its own in a process that imports the core first (they
would spin through a cold start for matrix products the classifier never makes), and a value
the environment sets is kept. Fresh interpreters: the test process imported numpy long ago."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROGRAM = """
import json, os
import core
import numpy
print(json.dumps({"value": os.environ.get("OPENBLAS_NUM_THREADS"),
                  "threads": len(os.listdir("/proc/self/task"))}))
"""


def run(extra: dict[str, str]) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"} | extra
    out = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True,
                         text=True, check=True, timeout=60)
    result: dict[str, object] = json.loads(out.stdout)
    return result


def test_importing_the_core_first_keeps_numpy_to_one_thread() -> None:
    assert run({}) == {"value": "1", "threads": 1}


def test_a_value_set_in_the_environment_wins() -> None:
    assert run({"OPENBLAS_NUM_THREADS": "2"})["value"] == "2"
