"""`make try-url`: the sample photos, served on 127.0.0.1, classified by URL through a real
service process."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def test_the_samples_are_small_attributed_photos() -> None:
    photos = sorted(SAMPLES.glob("*.jpg"))
    assert len(photos) >= 2
    notes = (SAMPLES / "README.md").read_text()
    for photo in photos:
        assert photo.stat().st_size < 150_000
        with Image.open(photo) as image:
            assert image.format == "JPEG" and min(image.size) >= 224
        assert f"`{photo.name}`" in notes  # each one has its source and licence
    assert "CC0" in notes and "public domain" in notes


def test_try_url_classifies_every_sample_by_url() -> None:
    result = subprocess.run([sys.executable, "scripts/try_url.py"], cwd=ROOT,
                            capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    answers = re.findall(r"^http://127\.0\.0\.1:\d+/(\S+) -> (\d+) (.*)$", result.stdout, re.M)
    assert sorted(name for name, _, _ in answers) == sorted(p.name for p in
                                                            SAMPLES.glob("*.jpg"))
    for _, status, body in answers:
        assert status == "200"
        assert next(iter(json.loads(body))) == "outwear"  # both photos show outerwear


def test_make_try_url_runs_the_script() -> None:
    recipe = subprocess.run(["make", "-n", "try-url"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, check=False).stdout
    assert "scripts/try_url.py" in recipe
