# The embedded default model (models/clothing/): rebuilt from ../shared (override SHARED_DIR=...).
# `make model` (frozen recipe, the committed model) takes about 1-2 minutes on 2 idle cores;
# MODEL_RECIPE=finetune (last block fine-tuned) about 30-40 minutes, mostly caching activations.
MODEL_SEED ?= 0
MODEL_RECIPE ?= frozen

.PHONY: model model-experiments
model: $(DEV_STAMP)  ## Rebuild models/clothing/model.tflite + model.json from ../shared
	SHARED_DIR=$(SHARED_DIR) $(PY) -m models.build --seed $(MODEL_SEED) --recipe $(MODEL_RECIPE)

model-experiments: $(DEV_STAMP)  ## Compare the model recipes on a held-out 15% of train
	SHARED_DIR=$(SHARED_DIR) $(PY) -m models.build.experiments --seed $(MODEL_SEED)
