"""``python -m convert MODEL OUT.tflite``."""

from __future__ import annotations

from convert.cli import main

raise SystemExit(main())
