# Performance suite: ours side by side with the lesson's reference and TensorFlow.
# Reads ../shared (override SHARED_DIR=...); writes build/bench/, docs/bench.png and the
# generated part of README.md.
REF_VENV := build/venv-reference
REF_STAMP := $(REF_VENV)/.installed
KIH_DIR := build/bench/kih
# tflite-runtime 2.14 has wheels up to CPython 3.11: build the reference on .venv's own base.
REF_PYTHON ?= $(shell $(PY) -c 'import sys; print(sys._base_executable)' 2>/dev/null || echo python3)
BENCH_ARGS ?=

.PHONY: bench bench-quick bench-profile bench-shared bench-deps

bench-shared: $(DEV_STAMP)  ## Check that SHARED_DIR (../shared) holds the data the benchmarks read
	@$(PY) -c 'from benchmarks.common import shared_dir; shared_dir()'

$(REF_STAMP):
	$(REF_PYTHON) -m venv $(REF_VENV)
	$(REF_VENV)/bin/python -m pip --disable-pip-version-check -q install \
		"tflite-runtime==2.14.0" "numpy<2" pillow "keras-image-helper==0.0.1"
	@touch $@

$(KIH_DIR)/.installed: | $(DEV_STAMP)
	$(PIP) install --no-deps --target $(KIH_DIR) "keras-image-helper==0.0.1"
	@touch $@

bench-deps: $(DEV_STAMP) $(REF_STAMP) $(KIH_DIR)/.installed  ## Install the reference venv and the bench tools
	@$(PY) -c 'import gunicorn, matplotlib' 2>/dev/null || $(PIP) install gunicorn matplotlib

# The cold starts run on .venv's Python version unless COLD_LAMBDA_PYTHON says otherwise: the
# zips carry bytecode for the Python that runs them.
COLD_LAMBDA_PYTHON ?= $(shell $(PY) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)

bench: bench-shared bench-deps  ## Performance suite: table, build/bench/bench.json, docs/bench.png, then the cold starts (zip, SnapStart, container, GCP/Azure) and the metrics cost
	$(PY) -m benchmarks.suite $(BENCH_ARGS)
	$(PY) -m benchmarks.onnx_bench $(ONNX_BENCH_ARGS)
	$(PY) -m benchmarks.batch_throughput $(BATCH_BENCH_ARGS)
	$(MAKE) --no-print-directory bench-cold LAMBDA_PYTHON=$(COLD_LAMBDA_PYTHON)
	$(MAKE) --no-print-directory bench-snapstart LAMBDA_PYTHON=$(COLD_LAMBDA_PYTHON)
	$(MAKE) --no-print-directory bench-container
	$(MAKE) --no-print-directory bench-platforms
	$(MAKE) --no-print-directory bench-metrics

.PHONY: bench-cold
# The zip's Python: LAMBDA_PYTHON's interpreter (bytecode in the zip is for that version).
# The ONNX MobileNetV2 is built into build/bench/cold-zip/; the lesson's Xception is taken from
# ../shared/models/xception.tflite or build/bench/perf/ (`make bench` builds it) when present.
COLD_PYTHON ?= python$(LAMBDA_PYTHON)
bench-cold: bundle-aws  ## Cold starts in the unzipped Lambda zips (default, ONNX, Xception, course 2025 by URL), ours vs bare, interleaved: docs/data/cold_zip.json, docs/cold-start.png, docs/performance.md
	$(PY) -m benchmarks.cold_zip --python $(COLD_PYTHON) $(COLD_BENCH_ARGS)
	$(PY) -m benchmarks.cold_chart
	$(PY) scripts/gendocs.py

# ONNX Runtime beside LiteRT on the lesson's Xception (docs/models.md): build/bench/onnx.json.
ONNX_BENCH_ARGS ?=
.PHONY: bench-onnx
bench-onnx: bench-shared $(DEV_STAMP)  ## ONNX Runtime vs LiteRT: invoke, end to end, cold start, RSS, size
	$(PY) -m benchmarks.onnx_bench $(ONNX_BENCH_ARGS)

bench-quick: bench-shared bench-deps  ## Smoke run of the suite (few photos, judges no target, docs untouched)
	$(PY) -m benchmarks.suite --quick --no-doc $(BENCH_ARGS)

bench-profile: bench-shared $(DEV_STAMP)  ## cProfile of a cold start and warm requests, import times
	$(PY) -m benchmarks.profile

.PHONY: bench-logs
bench-logs: $(DEV_STAMP)  ## CPU cost of the request log line and its metrics per platform shape
	$(PY) -m benchmarks.logcost

.PHONY: bench-metrics
bench-metrics: $(DEV_STAMP) $(SERVE_STAMP)  ## CPU cost per request of METRICS=prometheus, on vs off interleaved
	$(PY) -m benchmarks.promcost
