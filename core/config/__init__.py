"""Configuration: one frozen ``Settings`` read from the environment in one place.

Owns the settings (``settings``, the model's fields first from ``model_settings``), each
field's metadata (``metadata``), the computed defaults (``defaults``), the reading of the
environment (``environment``), the parsing of each variable's text (``parsing``) and the
words a model may be described with (``choices``). Sits at the bottom of the core beside
``core.errors`` and ``core.messages``.

May import ``core.errors`` only.
"""

from core.config.checks import LOG_FORMATS
from core.config.settings import (
    DEFAULT_MAX_PIXELS,
    DEFAULT_MODEL,
    ROOT,
    Settings,
    available_cpus,
    env_name,
)

__all__ = ["DEFAULT_MAX_PIXELS", "DEFAULT_MODEL", "LOG_FORMATS", "ROOT", "Settings",
           "available_cpus", "env_name"]
