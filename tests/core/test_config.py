"""Settings: environment parsing, explicit arguments winning, errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import DEFAULT_MODEL, Settings, available_cpus, env_name
from core.errors import ConfigError


def test_defaults_from_an_empty_environment() -> None:
    settings = Settings.from_env(env={})
    assert settings.model_path == DEFAULT_MODEL
    assert settings.model_threads == available_cpus()
    assert settings.allow_private_urls is False
    assert settings.allowed_ports == (80, 443)
    assert settings.max_batch == 16


def test_environment_is_read() -> None:
    env = {"MODEL_PATH": "/m/x.tflite", "MODEL_THREADS": "3", "MODEL_LABELS": "a, b ,c",
           "ALLOW_PRIVATE_URLS": "yes", "ALLOWED_PORTS": "80,8080", "FETCH_DEADLINE": "2.5",
           "JPEG_DRAFT": "off"}
    settings = Settings.from_env(env=env)
    assert settings.model_path == Path("/m/x.tflite")
    assert settings.model_threads == 3
    assert settings.model_labels == ("a", "b", "c")
    assert settings.allow_private_urls is True
    assert settings.allowed_ports == (80, 8080)
    assert settings.fetch_deadline == 2.5
    assert settings.jpeg_draft is False


def test_explicit_argument_wins_over_environment() -> None:
    settings = Settings.from_env(env={"MODEL_THREADS": "3"}, model_threads=1)
    assert settings.model_threads == 1


@pytest.mark.parametrize(("env", "message"), [
    ({"MODEL_THREADS": "many"}, "MODEL_THREADS has a bad value 'many'"),
    ({"MODEL_THREADS": "0"}, "MODEL_THREADS must be positive, got 0"),
    ({"ALLOW_PRIVATE_URLS": "maybe"}, "ALLOW_PRIVATE_URLS has a bad value 'maybe'"),
    ({"ALLOWED_PORTS": "80,99999"}, "ALLOWED_PORTS has a bad value '80,99999'"),
    ({"MODEL_RUNTIME": "onnx"}, "MODEL_RUNTIME must be one of"),
    ({"FETCH_DEADLINE": "-1"}, "FETCH_DEADLINE must be positive"),
])
def test_bad_values_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env=env)


def test_settings_are_frozen() -> None:
    settings = Settings.from_env(env={})
    with pytest.raises(AttributeError):
        settings.max_batch = 3  # type: ignore[misc]


def test_unknown_override_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown setting"):
        Settings.from_env(env={}, no_such_thing=1)


def test_env_name() -> None:
    assert env_name("max_batch") == "MAX_BATCH_URLS"
