#!/bin/sh
# Checks the Makefile runs first, so that a missing prerequisite is one clear line, not a
# failure half-way through an install.
#   preflight.sh venv PYTHON   PYTHON is 3.11+ and can create a virtualenv (Debian: python3-venv)
#   preflight.sh root-for-chromium   `make test` needs chromium; installing it with apt-get needs root
set -u
fail() { echo "error: $*" >&2; exit 2; }

case "${1:-}" in
venv)
    py=${2:-python3}
    command -v "$py" >/dev/null 2>&1 \
        || fail "$py not found: install Python 3.11 or newer (Debian: apt-get install python3 python3-venv), or pass PYTHON=/path/to/python3"
    version=$("$py" -c 'import platform; print(platform.python_version())' 2>/dev/null) \
        || fail "$py does not run (a shim or link without its interpreter?): install Python 3.11 or newer, or pass PYTHON= the path of one that runs"
    "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
        || fail "$py is Python $version; this project needs 3.11 or newer: pass PYTHON= a 3.11+ interpreter (e.g. PYTHON=/usr/bin/python3.12)"
    "$py" -c 'import ensurepip, venv' 2>/dev/null \
        || fail "$py cannot create a virtualenv (no ensurepip): on Debian/Ubuntu install python3-venv (as root: apt-get install python3-venv), then run make again"
    ;;
root-for-chromium)
    if command -v chromium >/dev/null 2>&1 || [ "$(id -u)" = 0 ]; then
        exit 0
    fi
    fail "make test installs Debian's chromium (for the browser test) with apt-get, which needs root: run make test as root, or install it first with: sudo apt-get install -y chromium"
    ;;
*)
    fail "usage: preflight.sh venv PYTHON | root-for-chromium"
    ;;
esac
