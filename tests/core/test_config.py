"""Settings: environment parsing, explicit arguments winning, errors naming the variable."""

from __future__ import annotations

from dataclasses import Field, fields
from pathlib import Path
from typing import Any

import pytest

from core.config import DEFAULT_MODEL, Settings, available_cpus, env_name
from core.config.ranges import Range
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
    ({"MODEL_THREADS": "0"}, "MODEL_THREADS must be a whole number from 1 to 256, got 0"),
    ({"ALLOW_PRIVATE_URLS": "maybe"}, "ALLOW_PRIVATE_URLS has a bad value 'maybe'"),
    ({"ALLOWED_PORTS": "80,99999"}, "ALLOWED_PORTS has a bad value '80,99999'"),
    ({"MODEL_RUNTIME": "onnx"}, "MODEL_RUNTIME must be one of"),
    ({"FETCH_DEADLINE": "-1"}, "FETCH_DEADLINE must be a number above 0"),
    ({"FETCH_DEADLINE": "nan"}, "FETCH_DEADLINE must be a number above 0, at most 3600, got nan"),
    ({"DECODE_CPU_SECONDS": "nan"}, "DECODE_CPU_SECONDS must be a number above 0"),
    ({"AZURE_DEADLINE_SECONDS": "inf"}, "AZURE_DEADLINE_SECONDS must be a number above 0"),
    ({"SERVER_TIMEOUT": "0.5"}, "SERVER_TIMEOUT must be a whole number from 1 to 86400"),
    ({"LAMBDA_DEADLINE_MARGIN_MS": "1.5"}, "LAMBDA_DEADLINE_MARGIN_MS has a bad value"),
    ({"REQUEST_DEADLINE_SECONDS": "0"}, "REQUEST_DEADLINE_SECONDS must be a number above 0"),
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


NUMERIC = [spec for spec in fields(Settings)
           if any(kind in str(spec.type) for kind in ("int", "float"))
           and "tuple" not in str(spec.type)]


def test_every_numeric_setting_declares_its_range() -> None:
    assert {spec.name for spec in NUMERIC} >= {"fetch_deadline", "server_timeout",
                                               "azure_deadline_seconds"}
    for spec in NUMERIC:
        assert isinstance(spec.metadata.get("range"), Range), spec.name


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "-1", "1e12"])
@pytest.mark.parametrize("spec", NUMERIC, ids=lambda spec: spec.metadata["env"])
def test_no_numeric_setting_takes_a_non_finite_or_out_of_range_value(spec: Field[Any],
                                                                      text: str) -> None:
    var = spec.metadata["env"]
    with pytest.raises(ConfigError, match=f"^{var} ") as caught:
        Settings.from_env(env={var: text})
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("spec", [s for s in NUMERIC if s.metadata["range"].whole],
                         ids=lambda spec: spec.metadata["env"])
def test_whole_settings_refuse_a_fraction(spec: Field[Any]) -> None:
    var = spec.metadata["env"]
    with pytest.raises(ConfigError, match=f"^{var} "):
        Settings.from_env(env={var: "2.5"})
    with pytest.raises(ConfigError, match=f"^{var} must be a whole number"):
        Settings.from_env(env={}, **{spec.name: 2.5})


def test_the_settings_table_shows_the_range_the_check_enforces() -> None:
    from tests.docs.test_tables import GENDOCS

    table = GENDOCS.settings_table()
    for spec in NUMERIC:
        row = next(line for line in table.splitlines()
                   if line.startswith(f"| `{spec.metadata['env']}` |"))
        assert f"| {spec.metadata['range'].text} |" in row


def test_a_bad_setting_stops_the_cli_with_one_line(capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from core.cli import main

    monkeypatch.setenv("FETCH_DEADLINE", "nan")
    assert main(["info"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "FETCH_DEADLINE" in err
