# MODEL_URI's tests run against real object-storage servers on 127.0.0.1: moto (S3) and
# gcp-storage-emulator (Cloud Storage) come with the dev extras; Azurite (Azure Blob) is an npm
# package, installed here into build/node (Node and npm from Debian when missing).
AZURITE_VERSION ?= 3.35.0
AZURITE_STAMP := build/node/.azurite-$(AZURITE_VERSION)

.PHONY: azurite
azurite: $(AZURITE_STAMP)  ## Install Azurite (npm) into build/node for the model store's tests

$(AZURITE_STAMP):
	command -v npm >/dev/null || (apt-get update && apt-get install -y nodejs npm)
	npm install --prefix build/node --no-audit --no-fund --loglevel=error azurite@$(AZURITE_VERSION)
	@touch $@

test-deps: $(AZURITE_STAMP)
