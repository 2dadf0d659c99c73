# The Lambda container image (docker/Dockerfile) and what its tests need: Debian's docker.io,
# buildah (tests/docker/test_builders.py) and debootstrap, a running engine (docker/engine.sh)
# and the stand-in bases for public.ecr.aws/lambda/python, x86_64 and arm64
# (docker/standin/build.sh), each built once and reused while its image is present, with AWS's
# Runtime Interface Emulator from the aws-sam-cli wheel (mk/aws.mk installs it); images the
# tests' rebuilds left untagged are pruned. ARCH, LAMBDA_PYTHON and SAM_VENV come from mk/aws.mk.
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

STANDIN_RIE_DIR = $$($(SAM_VENV)/bin/python -c \
	'import os, samcli; print(os.path.join(os.path.dirname(samcli.__file__), "local", "rapid"))')

image-standin: image-engine $(SAM_STAMP)  ## Build the stand-in base images the image tests use (once)
	STANDIN_RIE_DIR=$(STANDIN_RIE_DIR) bash docker/standin/build.sh x86_64 $(PY)
	STANDIN_RIE_DIR=$(STANDIN_RIE_DIR) bash docker/standin/build.sh arm64 $(PY)
	@docker image prune -f >/dev/null 2>&1 || true  # cleanup only: a prune already under way is fine
	@buildah rmi --prune >/dev/null 2>&1 || true

# The ONNX model is benchmarks.cold_models' (build/bench/cold-zip/); the lesson's Xception is
# measured when ../shared/models/xception.tflite or build/bench/perf/ (`make bench`) holds it.
CONTAINER_BENCH_ARGS ?=
bench-container: image-standin $(DEV_STAMP)  ## Lambda image cold starts (default, ONNX, Xception), ours vs a bare image, interleaved: docs/data/cold_container.json, docs/performance.md
	$(PY) -m benchmarks.container $(CONTAINER_BENCH_ARGS)
	$(PY) scripts/gendocs.py

# tests/docker/test_qemu.py runs the arm64 image's root filesystem under qemu user-mode
# emulation (no binfmt_misc registration: it runs qemu-aarch64-static itself).
QEMU_AARCH64 := /usr/bin/qemu-aarch64-static
$(QEMU_AARCH64):
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		qemu-user-static

test-deps: image-standin $(QEMU_AARCH64)
