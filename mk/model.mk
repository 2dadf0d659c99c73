# The embedded default model (models/clothing/): rebuilt from ../shared (override SHARED_DIR=...).
# `make model` (MODEL_RECIPE=full, the committed model: blocks 6-16 of the backbone fine-tuned)
# takes about 30 minutes on 2 idle cores (29 measured), nearly all of it training, and as long
# again for the temperature fitted on held-out train (model-calibrate); MODEL_RECIPE=frozen (frozen
# backbone + MLP head) 1-2 minutes; MODEL_RECIPE=finetune (last block only) 30-40 minutes.
MODEL_SEED ?= 0
MODEL_RECIPE ?= full

.PHONY: model model-calibrate model-experiments model-test-split model-unseen
model: $(DEV_STAMP)  ## Rebuild models/clothing/model.tflite + model.json from ../shared (~1 hour)
	SHARED_DIR=$(SHARED_DIR) $(PY) -m models.build --seed $(MODEL_SEED) --recipe $(MODEL_RECIPE)
	$(if $(filter full,$(MODEL_RECIPE)),SHARED_DIR=$(SHARED_DIR) $(PY) -m models.build.calibrate --seed $(MODEL_SEED))

model-calibrate: $(DEV_STAMP)  ## Fold a temperature fitted on held-out train into the built model
	SHARED_DIR=$(SHARED_DIR) $(PY) -m models.build.calibrate --seed $(MODEL_SEED)

model-experiments: $(DEV_STAMP)  ## Compare the model recipes on a held-out 15% of train (hours)
	SHARED_DIR=$(SHARED_DIR) $(PY) -m models.build.experiments --seed $(MODEL_SEED)

model-test-split: $(DEV_STAMP)  ## Fetch the dataset's test split at its pinned commit into build/data/ (TEST_SPLIT_FROM=git URL or repo)
	$(PY) -m models.build.testsplit $(if $(TEST_SPLIT_FROM),--source $(TEST_SPLIT_FROM))

model-unseen: model-test-split  ## The shipped model's calibration on validation + test (docs/data/calibration_unseen.json)
	SHARED_DIR=$(SHARED_DIR) $(PY) -m models.build.calibration_unseen
