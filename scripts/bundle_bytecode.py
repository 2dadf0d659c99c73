"""Byte-compiling a bundle for its target Python, whatever Python runs the build: with this
interpreter when it is the target's version, else with one of that version found on PATH or
given (``--bytecode-python``); none: the bundle ships sources only, and says so."""

from __future__ import annotations

import compileall
import py_compile
import shutil
import subprocess
import sys
from pathlib import Path


def version_of(python: str) -> str | None:
    """``X.Y`` of the interpreter at ``python``, or None when it does not run."""
    try:
        result = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, timeout=60, check=False)
    except OSError:
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def target_interpreter(python_version: str, explicit: str | None = None) -> str | None:
    """A Python of the target's version: this one, else ``explicit`` (``--bytecode-python``) or
    ``pythonX.Y`` on PATH, each checked by running it (a shim of another version does not count).
    """
    if python_version == f"{sys.version_info.major}.{sys.version_info.minor}" and not explicit:
        return sys.executable
    candidate = explicit or shutil.which(f"python{python_version}")
    if candidate and version_of(candidate) == python_version:
        return candidate
    if explicit:
        raise SystemExit(f"error: --bytecode-python {explicit} is not Python {python_version}")
    return None


def compile_bytecode(staging: Path, python_version: str, explicit: str | None = None) -> bool:
    """Byte-compile everything for the target's Python, whatever Python runs this script.

    /var/task is read-only, so Python cannot cache bytecode there: without .pyc files every
    cold start compiles the core, NumPy and Pillow again. Bytecode is version-specific, so it
    is made by an interpreter of the target's version (``target_interpreter``); the rule when
    there is none: the zip ships sources only, and says so. ``unchecked-hash`` pycs stay valid
    whatever the zip does to timestamps.
    """
    python = target_interpreter(python_version, explicit)
    if python is None:
        running = f"{sys.version_info.major}.{sys.version_info.minor}"
        print(f"note: no bytecode: no Python {python_version} here to compile with (this is "
              f"{running}); the zip ships sources only, compiled again at every cold start. "
              f"Pass --bytecode-python (make: BYTECODE_PYTHON=/path/to/python{python_version}) "
              f"or build for this Python (LAMBDA_PYTHON={running}).", file=sys.stderr)
        return False
    if python == sys.executable:
        mode = py_compile.PycInvalidationMode.UNCHECKED_HASH
        compileall.compile_dir(staging, quiet=1, workers=0, invalidation_mode=mode)
    else:
        subprocess.run([python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode",
                        "unchecked-hash", str(staging)], check=False, stdout=subprocess.DEVNULL)
    return True
