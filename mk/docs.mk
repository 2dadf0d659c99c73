# The documentation site (docs/, mkdocs.yml): MkDocs with the Material theme. `make docs` installs
# only the `docs` extra (its own stamp), not the dev set; the dev set includes it, so the dev
# install counts for it too. `make test` builds the site too (tests/docs/test_site.py), so a broken link,
# a missing page or an unknown anchor fails CI.
.PHONY: docs docs-serve docs-tables

DOCS_STAMP := $(VENV)/.docs-installed

$(DOCS_STAMP): pyproject.toml | $(PY)
	$(PIP) install -e ".[docs]"
	@touch $@ $(RUNTIME_STAMP)

docs: $(DOCS_STAMP)  ## Build the docs site into build/site (mkdocs build --strict)
	$(PY) scripts/gendocs.py --check
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir build/site

docs-serve: $(DOCS_STAMP)  ## Preview the docs site on http://127.0.0.1:8000
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs serve --dev-addr 127.0.0.1:8000

docs-tables: $(DEV_STAMP)  ## Regenerate the docs' tables (settings, errors, benchmarks) from the code
	$(PY) scripts/gendocs.py

# The runnable commands in the docs call curl.
test-deps: curl-installed
.PHONY: curl-installed
curl-installed:  ## Install curl for the runnable commands of the docs (apt)
	@command -v curl >/dev/null || (apt-get update && apt-get install -y curl)
