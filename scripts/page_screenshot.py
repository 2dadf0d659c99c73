"""docs/page.png: the demo page after classifying samples/coat.jpg, from the model as it is.

The README and the docs show this picture; it names the model's version and its scores, so it
is taken again whenever the default model changes (`make docs-screenshot`). The page is served
by the real local server on a free 127.0.0.1 port and driven by Debian's Chromium through
Playwright (the browser test's setup; no browser is downloaded).

usage: python scripts/page_screenshot.py [--out docs/page.png]
"""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from core.api.server import make_server
from core.api.service import Service

ROOT = Path(__file__).resolve().parents[1]
PHOTO = ROOT / "samples" / "coat.jpg"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


def screenshot(out: Path) -> None:
    """Serve the page, upload the sample coat, and save the page as ``out``."""
    server = make_server(Service(), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1000, "height": 900})
            page.goto(f"http://{host}:{port}/")
            page.set_input_files("#file", str(PHOTO))
            expect(page.locator("#bars li")).to_have_count(5)
            expect(page.locator("#timings")).to_contain_text("inference:")
            page.screenshot(path=str(out), full_page=True)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "page.png")
    args = parser.parse_args()
    screenshot(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
