# The local server: waitress in front of core.api.wsgi, for `make run` and its tests.
# Editable, like every install of the checkout here, so the packages stay the working tree.
SERVE_STAMP := $(VENV)/.serve-installed

$(SERVE_STAMP): pyproject.toml | $(PY)
	$(PIP) install -e ".[serve]"
	@touch $@

run: $(SERVE_STAMP)
test-deps: $(SERVE_STAMP)
soak bench-deps: $(SERVE_STAMP)
