"""Settings: environment parsing, explicit arguments winning, errors naming the variable."""

from __future__ import annotations

import struct
import warnings
from dataclasses import Field, fields
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from core.config import DEFAULT_MODEL, ROOT, Settings, available_cpus, env_name
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
    assert settings.model_path == "/m/x.tflite"
    assert settings.model_threads == 3
    assert settings.model_labels == ("a", "b", "c")
    assert settings.allow_private_urls is True
    assert settings.allowed_ports == (80, 8080)
    assert settings.fetch_deadline == 2.5
    assert settings.jpeg_draft is False


def test_the_root_and_the_default_model_are_the_checkouts_as_pathlib_resolves_them() -> None:
    """The text values equal pathlib's own spelling of the checkout and its embedded model."""
    checkout = Path(__file__).resolve().parents[2]
    assert str(checkout) == ROOT
    assert str(checkout / "models" / "clothing" / "model.tflite") == DEFAULT_MODEL


PATH_VARIABLES = {"MODEL_PATH": "model_path", "MODEL_MANIFEST": "model_manifest",
                  "MODEL_LABELS_FILE": "model_labels_file", "MODEL_CACHE_DIR": "model_cache_dir"}


@pytest.mark.parametrize("raw", ["m.tflite", "./m.tflite", "models//x/./m.tflite", "dir/",
                                 "/abs//dir/", "//host/share/m.onnx", "///m.onnx", "a/../b.json",
                                 ".", "/", "x.y.z", " name with spaces.tflite"])
def test_path_variables_are_text_spelled_as_pathlib_spells_them(raw: str) -> None:
    """Each path setting holds the text ``pathlib.PurePosixPath`` makes of the variable (the
    spelling every message shows); values are stripped first, as every variable's."""
    settings = Settings.from_env(env=dict.fromkeys(PATH_VARIABLES, raw))
    for field in PATH_VARIABLES.values():
        value = getattr(settings, field)
        assert isinstance(value, str) and value == str(PurePosixPath(raw.strip())), field


def test_a_path_argument_is_kept_as_its_text() -> None:
    """An explicit ``pathlib.Path`` argument (the CLI's --model) becomes the same text."""
    settings = Settings.from_env(env={}, model_path=Path("/m//x.tflite"),
                                 model_cache_dir=Path("cache/"), model_manifest="kept as given")
    assert (settings.model_path, settings.model_cache_dir, settings.model_manifest) == \
        ("/m/x.tflite", "cache", "kept as given")


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
    ({"MAX_IMAGE_PIXELS": "100000000"},
     "MAX_IMAGE_PIXELS must be a whole number from 1 to 89478485, got 100000000"),
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


def test_the_pixel_limit_reaches_pillow_s_own_and_no_further() -> None:
    """Pillow refuses an image over its bomb limit whatever the setting says, so the setting's
    range ends there: Pillow's value, read from Pillow itself."""
    from PIL import Image

    from core.config.defaults import PILLOW_MAX_PIXELS

    assert PILLOW_MAX_PIXELS == Image.MAX_IMAGE_PIXELS
    top = Settings.from_env(env={"MAX_IMAGE_PIXELS": str(Image.MAX_IMAGE_PIXELS)})
    assert top.max_image_pixels == Image.MAX_IMAGE_PIXELS
    with pytest.raises(ConfigError, match="MAX_IMAGE_PIXELS"):
        Settings.from_env(env={"MAX_IMAGE_PIXELS": str(Image.MAX_IMAGE_PIXELS + 1)})


def _bmp_header(width: int, height: int) -> bytes:
    """A 24-bit BMP's file and info headers, no pixels: enough for Pillow to open it."""
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + 40, 0, 0, 54) + info


def test_an_image_at_the_top_of_the_range_opens_and_one_pixel_row_more_is_413() -> None:
    """At the highest setting a 9459 x 9459 header (89,472,681 pixels) passes both Pillow's
    check and ours (opened only: the header has no pixels to decode); 9460 x 9460 is refused
    with 413 however high the setting."""
    from PIL import Image

    from core.config.defaults import PILLOW_MAX_PIXELS
    from core.errors import ImageTooLarge
    from core.images.decode import _open

    with pytest.raises(Image.DecompressionBombWarning):  # an error, as the service has it
        warnings.warn("bomb", Image.DecompressionBombWarning, stacklevel=1)
    image, _ = _open(_bmp_header(9459, 9459), PILLOW_MAX_PIXELS, None)
    assert image.size == (9459, 9459)
    with pytest.raises(ImageTooLarge) as raised:
        _open(_bmp_header(9460, 9460), PILLOW_MAX_PIXELS, None)
    assert raised.value.status == 413
    assert raised.value.__cause__.__class__ is Image.DecompressionBombWarning  # Pillow's check
