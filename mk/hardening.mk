# Hardening: hostile-input soak and decoder fuzzing. Neither is part of `make test`.
SOAK_REQUESTS ?= 10000
SOAK_CLIENTS ?= 8
FUZZ_SECONDS ?= 60

.PHONY: soak fuzz test-hostile

soak: $(DEV_STAMP)  ## 8 clients x 10,000 mixed requests, then good clients alone and under attack (slow clients, bombs, 1,000 idle sockets, chunk extensions, Expect); writes build/bench/soak.json
	$(PY) -m benchmarks.soak --requests $(SOAK_REQUESTS) --clients $(SOAK_CLIENTS)

fuzz: $(DEV_STAMP)  ## Fuzz image decoding with Hypothesis for FUZZ_SECONDS (default 60)
	$(PY) -m benchmarks.fuzz_decode --seconds $(FUZZ_SECONDS)

test-hostile: $(DEV_STAMP)  ## The hostile-input corpus (SSRF, limits, decoding, parsing, fuzz)
	$(PY) -m pytest -q tests/hostile tests/test_dependencies.py
