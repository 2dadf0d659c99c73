# Two commands matter: `make run` and `make test`. Everything a test needs is installed here.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
DEV_EXTRAS ?= dev,aws,gcp,azure,convert,browser,bench,docs,s3,gcs,azure-blob
HOST ?= 127.0.0.1
PORT ?= 8080
IMAGE ?=

.DEFAULT_GOAL := help
.PHONY: help run test check lint typecheck imports predict info evaluate clean

help:  ## List the targets
	@{ grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'; \
	  grep -hE '^## [a-zA-Z_-]+: ' $(MAKEFILE_LIST) | sed -E 's/^## ([a-zA-Z_-]+): /\1\t/'; } | sort

$(PY):
	@sh scripts/preflight.sh venv $(PYTHON)
	$(PYTHON) -m venv $(VENV)

# Editable: `python -m core` and the `classifier` command work from any directory.
$(RUNTIME_STAMP): pyproject.toml | $(PY)
	$(PIP) install -e .
	@touch $@

$(DEV_STAMP): pyproject.toml $(wildcard mk/*.mk) | $(PY)
	$(PIP) install -e ".[$(DEV_EXTRAS)]"
	@touch $@ $(RUNTIME_STAMP) $(DOCS_STAMP)

run: $(RUNTIME_STAMP)  ## Serve the default model on http://127.0.0.1:8080 (PORT=, HOST= change it)
	$(PY) -m core serve --host $(HOST) --port $(PORT)

test: test-preflight $(DEV_STAMP) test-deps  ## Install the dev set (TensorFlow, chromium: root) and run all tests
	$(PY) -m pytest $(PYTEST_ARGS)

check: lint typecheck imports  ## ruff, mypy --strict, the import layering, and sam validate of the SAM templates (mk/aws.mk)

lint: $(DEV_STAMP)  ## ruff check .
	$(PY) -m ruff check .

typecheck: $(DEV_STAMP)  ## mypy . (strict)
	$(PY) -m mypy .

imports: $(DEV_STAMP)  ## The import layering declared in pyproject.toml (lint-imports)
	$(VENV)/bin/lint-imports

predict: $(RUNTIME_STAMP)  ## Classify IMAGE=path-or-url with the default model
	@test -n "$(IMAGE)" || { echo "usage: make predict IMAGE=path-or-url"; exit 2; }
	$(PY) -m core predict "$(IMAGE)"

info: $(RUNTIME_STAMP)  ## Print the default model's metadata
	$(PY) -m core info

SHARED_DIR ?= ../shared
VALIDATION ?= $(SHARED_DIR)/data/clothing-dataset-small/validation
evaluate: $(RUNTIME_STAMP)  ## Accuracy of the served pipeline on the validation split (reads ../shared)
	@test -d "$(VALIDATION)" || { echo "error: $(VALIDATION) not found; set SHARED_DIR"; exit 2; }
	@mkdir -p build
	$(PY) -m core evaluate "$(VALIDATION)" --json build/evaluate.json

clean:  ## Remove build outputs (keeps .venv)
	rm -rf build .pytest_cache .mypy_cache .ruff_cache

# Per-area targets (model, aws, gcp, azure, convert, bench, ...) live in mk/*.mk.
# Each may add prerequisites to `test-deps` for what its tests need installed.
.PHONY: test-deps
test-deps: $(DEV_STAMP)  ## Install what the tests need (dev extras, tools, chromium)

-include $(sort $(wildcard mk/*.mk))
