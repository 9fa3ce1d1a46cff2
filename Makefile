# MMVRL: `make demo` and `make test` each install what is missing first (idempotent).
MMVRL_VENV ?= $(HOME)/.cache/mmvrl/venv
PY := $(MMVRL_VENV)/bin/python
export MMVRL_VENV
PYTEST_ARGS ?=

.PHONY: install data test test-fast demo clean

install:
	@bash tools/install.sh

data: install
	$(PY) tools/dataset_converters/make_tiny_datasets.py --out data/tiny

test: data
	$(PY) -m pytest tests -q -rfE --durations=15 --timeout=900 $(PYTEST_ARGS)

demo: data
	$(PY) tools/run_demo.py

clean:
	rm -rf work_dirs .pytest_cache
