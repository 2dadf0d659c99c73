# Google Cloud Functions and Azure Functions bundles (README.md, "Google Cloud Functions and Azure Functions"). The script needs only
# the standard library; the tests' packages (functions-framework, azure-functions) come from the
# gcp and azure extras in DEV_EXTRAS, so nothing is added to `test-deps`.
# MODEL=... and RUNTIMES=both as for bundle-aws (mk/aws.mk defines BUNDLE_MODEL_ARGS).
# EVENTS=1 adds the storage SDK the event function needs (google-cloud-storage, or
# azure-storage-blob and azure-identity); without it the bundle serves HTTP only.
EVENTS ?=
.PHONY: bundle-gcp bundle-azure

bundle-gcp: | $(PY)  ## Assemble build/gcp_function/ (main.py, core/, model, requirements; EVENTS=1)
	$(PY) scripts/bundle.py gcp $(BUNDLE_MODEL_ARGS) $(if $(EVENTS),--events)

bundle-azure: | $(PY)  ## Assemble build/azure_function/ (function_app.py, host.json, ...; EVENTS=1)
	$(PY) scripts/bundle.py azure $(BUNDLE_MODEL_ARGS) $(if $(EVENTS),--events)
