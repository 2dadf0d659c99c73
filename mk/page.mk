# The demo page (GET /, core/api/static/index.html). Its browser test (tests/core/test_page.py)
# drives Debian's Chromium (/usr/bin/chromium) with Playwright; no browser is downloaded.
CHROMIUM_STAMP := $(VENV)/.chromium-installed

.PHONY: chromium-installed
chromium-installed: $(CHROMIUM_STAMP)  ## Install Debian's chromium for the page test (apt)

$(CHROMIUM_STAMP): | $(PY)
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
	@touch $@

test-deps: chromium-installed

.PHONY: docs-screenshot
docs-screenshot: $(DEV_STAMP) chromium-installed  ## Take docs/page.png again (the demo page after classifying samples/coat.jpg)
	$(PY) scripts/page_screenshot.py
