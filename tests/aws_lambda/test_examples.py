"""The example events users are pointed to (examples/events/) work as they are.

Each goes through the Lambda handler in process; the photo URL (the lesson's, on the internet)
is the one input replaced, by the same photo served on 127.0.0.1, since nothing may leave this
machine. tests/docker/test_emulator.py posts them to the emulator in the image too.
"""

from __future__ import annotations

import base64
import json

from tests.docker.lesson import EXAMPLES, PHOTO, example, in_process, photo_host


def test_the_examples_are_the_ones_the_readme_lists() -> None:
    names = {p.name for p in EXAMPLES.glob("*.json")}
    assert names == {"photo-url.json", "photo-base64.json", "http-api-v2.json"}
    readme = (EXAMPLES / "README.md").read_text()
    assert all(f"`{name}`" in readme for name in names)


def test_the_base64_example_is_the_sample_photo_and_answers_it() -> None:
    event = example("photo-base64.json")
    assert base64.b64decode(event["image"]) == PHOTO.read_bytes()
    scores = in_process(event)
    assert max(scores, key=scores.get) == "outwear" and len(scores) == 10


def test_the_url_example_is_the_lessons_and_answers_as_the_photo() -> None:
    event = example("photo-url.json")
    assert event == {"url": "http://bit.ly/mlbookcamp-pants"}
    with photo_host() as url:
        scores = in_process({**event, "url": url})
    assert scores == in_process(example("photo-base64.json"))


def test_the_http_api_example_posts_the_photo_to_predict() -> None:
    event = example("http-api-v2.json")
    assert event["version"] == "2.0" and event["rawPath"] == "/predict"
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == PHOTO.read_bytes()
    answer = in_process(event)
    assert answer["statusCode"] == 200 and answer["isBase64Encoded"] is False
    assert json.loads(answer["body"]) == in_process(example("photo-base64.json"))
