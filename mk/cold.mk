# Cold starts beyond the zip's own (mk/bench.mk's bench-cold): SnapStart's restore, simulated
# by fork from the warmed init in the unzipped zip, and the GCP and Azure bundles' first
# answers, each beside its floor. Both write docs/data/*.json and regenerate the docs' tables.
# Like bench-cold, they stand alone: the SnapStart bench needs the zip's Python on this machine
# (LAMBDA_PYTHON=3.11 here; COLD_PYTHON names it), which `make bench` cannot assume.
.PHONY: bench-snapstart bench-platforms

bench-snapstart: bundle-aws  ## SnapStart restore (fork from the warmed init) vs a fresh cold start, with and without the warm-up: docs/data/cold_snapstart.json
	$(PY) -m benchmarks.cold_snapstart --python $(COLD_PYTHON) $(COLD_BENCH_ARGS)
	$(PY) scripts/gendocs.py

bench-platforms: bundle-gcp bundle-azure  ## GCP (functions-framework) and Azure (no host) first answers vs the bare floor, interleaved: docs/data/cold_platforms.json
	$(PY) -m benchmarks.cold_platforms $(PLATFORMS_BENCH_ARGS)
	$(PY) scripts/gendocs.py

PLATFORMS_BENCH_ARGS ?=
