# The embedded default model (models/clothing/): rebuilt from ../shared (override SHARED_DIR=...).
MODEL_SEED ?= 0

.PHONY: model
model: $(DEV_STAMP)  ## Rebuild models/clothing/model.tflite + model.json from ../shared
	$(PY) -m models.build --seed $(MODEL_SEED)
