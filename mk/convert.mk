# convert/: Keras -> TFLite and ONNX. TensorFlow comes from the `convert` extra and is a
# build-time dependency only; no runtime bundle imports it.
PY ?= .venv/bin/python

.PHONY: bench-convert test-convert

# Writes build/bench/convert.json and the table in README.md (a few minutes on 2 cores).
bench-convert: $(DEV_STAMP)  ## Convert the lesson's Xception in every quantisation mode and time each
	$(PY) -m benchmarks.convert_xception

## test-convert: only the conversion tests (they also run in `make test`)
test-convert: $(DEV_STAMP)
	$(PY) -m pytest tests/convert -q
