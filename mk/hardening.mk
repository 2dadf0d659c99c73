# Hardening: hostile-input soak and decoder fuzzing. Neither is part of `make test`.
SOAK_REQUESTS ?= 10000
SOAK_CLIENTS ?= 8
FUZZ_SECONDS ?= 60

FAIRNESS_BOMBS ?= 8
FAIRNESS_SECONDS ?= 20

.PHONY: soak fuzz test-hostile fairness

soak: $(DEV_STAMP)  ## 8 clients x 10,000 mixed requests, then good clients alone and under attack (slow clients, bombs, 1,000 idle sockets, chunk extensions, Expect); writes build/bench/soak.json
	$(PY) -m benchmarks.soak --requests $(SOAK_REQUESTS) --clients $(SOAK_CLIENTS)
	$(PY) -m benchmarks.fairness --bombs $(FAIRNESS_BOMBS) --seconds $(FAIRNESS_SECONDS) --side 3600

fairness: $(DEV_STAMP) $(SERVE_STAMP)  ## Good photos' latency under FAIRNESS_BOMBS decoder-bomb clients; batch costs; writes build/bench/fairness.json
	$(PY) -m benchmarks.fairness --bombs $(FAIRNESS_BOMBS) --seconds $(FAIRNESS_SECONDS) --side 3600

fuzz: $(DEV_STAMP)  ## Fuzz image decoding, then the v2 protocol, with Hypothesis for FUZZ_SECONDS each (default 60)
	$(PY) -m benchmarks.fuzz_decode --seconds $(FUZZ_SECONDS)
	$(PY) -m benchmarks.fuzz_v2 --seconds $(FUZZ_SECONDS)

test-hostile: $(DEV_STAMP)  ## The hostile-input corpus (SSRF, limits, decoding, parsing, fuzz)
	$(PY) -m pytest -q tests/hostile tests/test_dependencies.py
