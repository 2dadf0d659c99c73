# Getting started (docs/getting-started.md): per-extra installs, the URL recipe with the sample
# photos, and the checks `make test` runs before installing anything.
.PHONY: try-url install-aws install-gcp install-azure install-onnx install-convert test-preflight

try-url: $(RUNTIME_STAMP)  ## Serve samples/ on 127.0.0.1 and classify them by URL through the service
	$(PY) scripts/try_url.py $(TRY_URL_ARGS)

install-aws: | $(PY)  ## Install the runtime + the aws extra (awslambdaric) into .venv
	$(PIP) install -e ".[aws]"
	@touch $(RUNTIME_STAMP)

install-gcp: | $(PY)  ## Install the runtime + the gcp extra (functions-framework) into .venv
	$(PIP) install -e ".[gcp]"
	@touch $(RUNTIME_STAMP)

install-azure: | $(PY)  ## Install the runtime + the azure extra (azure-functions) into .venv
	$(PIP) install -e ".[azure]"
	@touch $(RUNTIME_STAMP)

install-onnx: | $(PY)  ## Install the runtime + the onnx extra (ONNX Runtime, for .onnx models) into .venv
	$(PIP) install -e ".[onnx]"
	@touch $(RUNTIME_STAMP)

install-convert: | $(PY)  ## Install the runtime + the convert extra (TensorFlow, ~2 GB) into .venv
	$(PIP) install -e ".[convert]"
	@touch $(RUNTIME_STAMP)

# Before the dev set's long install: chromium is installed with apt-get, which needs root.
test-preflight:  ## Check that `make test` can install what it needs (root for apt-get)
	@sh scripts/preflight.sh root-for-chromium
