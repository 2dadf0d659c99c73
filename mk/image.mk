# The Lambda container image (docker/Dockerfile) and what its tests need: Debian's docker.io,
# buildah (tests/docker/test_builders.py) and debootstrap, a running engine (docker/engine.sh)
# and the stand-in bases for public.ecr.aws/lambda/python, x86_64 and arm64
# (docker/standin/build.sh), each built once and reused while its image is present; images the
# tests' rebuilds left untagged are pruned. ARCH and LAMBDA_PYTHON come from mk/aws.mk.
IMAGE_TAG ?= classifier-lambda:$(ARCH)
IMAGE_BUILDER ?= auto
IMAGE_TOOLS_STAMP := $(VENV)/.image-tools-installed

.PHONY: image image-engine image-standin bench-container

image: image-engine  ## Build the Lambda image (ARCH=x86_64|arm64, LAMBDA_PYTHON, MODEL, MODEL_URI) and print its size
	ARCH=$(ARCH) TAG=$(IMAGE_TAG) PYTHON_TAG=$(LAMBDA_PYTHON) MODEL=$(MODEL) MODEL_URI='$(MODEL_URI)' \
		BUILDER=$(IMAGE_BUILDER) bash docker/build.sh

$(IMAGE_TOOLS_STAMP): | $(PY)
	command -v dockerd >/dev/null && command -v buildah >/dev/null && \
		command -v debootstrap >/dev/null || (apt-get update && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		docker.io buildah debootstrap)
	@touch $@

image-engine: $(IMAGE_TOOLS_STAMP)  ## Start dockerd when no engine answers (installs docker.io, buildah, debootstrap)
	@bash docker/engine.sh

image-standin: image-engine  ## Build the stand-in base images the image tests use (once)
	bash docker/standin/build.sh x86_64 $(PY)
	bash docker/standin/build.sh arm64 $(PY)
	@docker image prune -f >/dev/null 2>&1 || true  # cleanup only: a prune already under way is fine
	@buildah rmi --prune >/dev/null 2>&1 || true

bench-container: image-standin $(DEV_STAMP)  ## Lambda container cold start beside in-process; image size
	$(PY) -m benchmarks.container

test-deps: image-standin
