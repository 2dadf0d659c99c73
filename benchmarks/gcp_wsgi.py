"""The GCP function as a WSGI app for gunicorn: ``gunicorn benchmarks.gcp_wsgi:app``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import functions_framework

SOURCE = Path(__file__).resolve().parent.parent / "gcp_function" / "main.py"
create_app: Any = functions_framework.create_app
app: Any = create_app(target="predict", source=str(SOURCE))
