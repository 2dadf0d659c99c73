"""The demo page at ``GET /``: its headers over plain HTTP, then the page in headless Chromium.

The browser is Debian's ``/usr/bin/chromium`` (``make test-deps`` installs it), driven by
Playwright against the real local server; no browser is downloaded.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    FileChooser,
    FilePayload,
    Page,
    Route,
    expect,
    sync_playwright,
)
from pytest_httpserver import HTTPServer

from core.api.page import PAGE_PATH, inline_hashes
from core.api.server import make_server
from core.api.service import Service
from core.messages import Request
from tests import images
from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
PHOTO = images.jpeg(seed=3)


def api(service: Service, body: bytes, content_type: str, top_k: int | None = 5) -> Any:
    """The API's JSON answer to the same request the page makes."""
    query = {"top_k": str(top_k)} if top_k else {}
    request = Request("POST", "/predict", {"content-type": content_type}, query, body)
    return service.handle(request).json()


def photo_file(data: bytes = PHOTO) -> FilePayload:
    return {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": data}


# --- plain HTTP, no browser -------------------------------------------------------------------

def test_page_is_served_with_strict_headers(service: Service) -> None:
    response = service.handle(Request("GET", "/"))
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert not response.is_binary  # the AWS adapter sends it as text
    html = response.body.decode("utf-8")
    assert html == PAGE_PATH.read_text(encoding="utf-8")
    assert "<script src" not in html and "<link rel=\"stylesheet\"" not in html
    csp = dict(part.strip().split(" ", 1) for part in
               response.headers["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'none'" and csp["connect-src"] == "'self'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    hashes = inline_hashes(html)
    assert len(hashes["script"]) == 1 and len(hashes["style"]) == 1
    assert csp["script-src"].split() == hashes["script"]
    assert csp["style-src"].split() == hashes["style"]


def test_page_route_is_exact(service: Service) -> None:
    """Decided: only "/" is the page (matched exactly, so no unknown path gets HTML). A
    prefixed root reaching the core (``/prod/``, ``/api/``) is a JSON 404; serving the page
    there is the adapter's job (hand the core "/"). ``/prod/predict``, what the page posts
    to from there, resolves."""
    for path in ("/prod/", "/api/", "/prod", "/index.html"):
        response = service.handle(Request("GET", path))
        assert response.status == 404, path
        assert response.json()["error"]["code"] == "not_found"
    response = service.handle(Request("POST", "/"))
    assert response.status == 405 and response.headers["Allow"] == "GET"
    assert service.handle(Request("GET", "/prod/model")).status == 200


# --- in a real browser ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def base_url(service: Service) -> Iterator[str]:
    """The real local server, in a thread, on a free port."""
    server = make_server(service, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium: make test-deps (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield opened
    context.close()
    # No script error and no CSP violation ("Refused to ..."); the API's deliberate 4xx
    # answers and the missing image's preview are logged as failed loads, which is fine.
    assert [e for e in errors if not e.startswith("Failed to load resource")] == []


def shown_labels(page: Page, count: int) -> list[str]:
    expect(page.locator("#bars li")).to_have_count(count)
    return page.locator("#bars .label").all_inner_texts()


def test_upload_then_bad_url(page: Page, base_url: str, service: Service,
                             image_server: HTTPServer) -> None:
    page.goto(base_url + "/")
    expect(page).to_have_title("Clothing classifier")
    page.set_input_files("#file", photo_file())
    expected = api(service, PHOTO, "image/jpeg")
    assert shown_labels(page, 5) == list(expected)
    values = [float(v.rstrip("%")) for v in page.locator("#bars .value").all_inner_texts()]
    assert values == pytest.approx([v * 100 for v in expected.values()], abs=0.051)
    expect(page.locator("#timings")).to_contain_text("inference:")
    expect(page.locator("#preview")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "page.png"), full_page=True)

    page.select_option("#top-k", "")
    page.set_input_files("#file", photo_file())
    assert shown_labels(page, 10) == list(api(service, PHOTO, "image/jpeg", top_k=None))

    bad = image_server.url_for("/missing")
    page.fill("#url", bad)
    page.click("#url-submit")
    message = api(service, json.dumps({"url": bad}).encode(), "application/json")["error"]
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_have_text(message["message"])
    page.fill("#url", "ftp://x")
    page.keyboard.press("Enter")
    message = api(service, b'{"url": "ftp://x"}', "application/json")["error"]
    expect(alert).to_have_text(message["message"])
    page.screenshot(path=str(ARTIFACTS / "page-error.png"), full_page=True)


@pytest.mark.parametrize("path", ["/prod", "/prod/", "/api/"])
def test_page_behind_a_prefix_posts_relative(page: Page, base_url: str, path: str) -> None:
    """As behind API Gateway's stage or Azure's /api/: the adapter answers the prefixed URL
    with the page, and the page's own requests go to <prefix>/predict."""
    def serve_page(route: Route) -> None:
        route.fulfill(response=route.fetch(url=base_url + "/"))

    page.route(base_url + path, serve_page)
    page.goto(base_url + path)
    with page.expect_request(re.compile(r".*/predict(\?.*)?$")) as posted:
        page.set_input_files("#file", photo_file())
    assert posted.value.url == f"{base_url}{path.rstrip('/')}/predict?top_k=5"
    shown_labels(page, 5)


def test_phone_width_has_no_horizontal_scroll(browser: Browser, base_url: str,
                                              image_server: HTTPServer) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    page = context.new_page()
    try:
        page.goto(base_url + "/")
        page.set_input_files("#file", photo_file())
        shown_labels(page, 5)
        page.fill("#url", image_server.url_for("/missing?" + "long-query-" * 20))
        page.click("#url-submit")
        expect(page.get_by_role("alert")).to_be_visible()
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1] == 375
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "page-375.png"), full_page=True)
    finally:
        context.close()


def test_keyboard_reaches_every_control_and_opens_the_picker(page: Page, base_url: str,
                                                             service: Service) -> None:
    chosen: list[FileChooser] = []

    def choose(chooser: FileChooser) -> None:
        chosen.append(chooser)
        chooser.set_files(photo_file())

    page.on("filechooser", choose)  # intercepting from the start: no race with the keypress
    page.goto(base_url + "/")
    order = []
    for _ in range(4):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id"))
    assert order == ["drop", "url", "url-submit", "top-k"]
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "drop"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # a visible focus ring
    page.keyboard.press("Enter")
    assert shown_labels(page, 5) == list(api(service, PHOTO, "image/jpeg"))
    assert len(chosen) == 1 and chosen[0].element.get_attribute("id") == "file"
    assert page.locator("#answer").get_attribute("aria-live") == "polite"
    assert page.get_by_label("Or classify an image URL").count() == 1
    assert page.get_by_label("Classes to show").count() == 1


_COLOURS_JS = """(selectors) => selectors.map((selector) => {
  const element = document.querySelector(selector);
  let node = element, background = "rgba(0, 0, 0, 0)";
  while (node && background === "rgba(0, 0, 0, 0)") {
    background = getComputedStyle(node).backgroundColor;
    node = node.parentElement;
  }
  return [selector, getComputedStyle(element).color, background];
})"""


def contrast(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two opaque ``rgb(...)`` colours."""
    def luminance(colour: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_text_contrast_meets_wcag_aa(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.set_input_files("#file", photo_file())
    shown_labels(page, 5)
    page.evaluate("Object.assign(document.getElementById('error'), {hidden: false, "
                  "textContent: 'x'})")
    selectors = ["h1", ".lead", "#model", ".drop-title", ".drop-hint", "label[for=url]",
                 "#url", "#url-submit", "#top-k", "#status", "#error", "#bars .label",
                 "#bars .value", "#timings li", "figcaption"]
    for selector, colour, background in page.evaluate(_COLOURS_JS, selectors):
        assert contrast(colour, background) >= 4.5, (selector, colour, background)
