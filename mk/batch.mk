# Local batch: `classifier batch SOURCE --out FILE` (docs/batch.md). The batch extra brings
# tqdm's progress bar; without it the command prints a line every few seconds instead.
BATCH_STAMP := $(VENV)/.batch-installed
SOURCE ?=
OUT ?= results.jsonl
BATCH_BENCH_ARGS ?=

.PHONY: batch install-batch bench-batch

$(BATCH_STAMP): pyproject.toml | $(PY)
	$(PIP) install -e ".[batch]"
	@touch $@

install-batch: | $(PY)  ## Install the runtime + the batch extra (tqdm, the progress bar of classifier batch) into .venv
	$(PIP) install -e ".[batch]"
	@touch $(RUNTIME_STAMP) $(BATCH_STAMP)

batch: $(RUNTIME_STAMP) $(BATCH_STAMP)  ## Classify SOURCE=folder|urls.txt|s3://..|gs://.. into OUT=results.jsonl (resumable)
	@test -n "$(SOURCE)" || { echo "usage: make batch SOURCE=folder-or-url-list [OUT=results.jsonl]"; exit 2; }
	$(PY) -m core batch "$(SOURCE)" --out "$(OUT)"

bench-batch: bench-shared $(DEV_STAMP)  ## classifier batch vs a bare decode+invoke loop, interleaved: docs/data/batch.json
	$(PY) -m benchmarks.batch_throughput $(BATCH_BENCH_ARGS)
