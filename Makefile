# MMVRL: `make demo` and `make test` each install what is missing first (idempotent).
MMVRL_VENV ?= $(HOME)/.cache/mmvrl/venv
PY := $(MMVRL_VENV)/bin/python
export MMVRL_VENV
PYTEST_ARGS ?=
# What to test: `make test TESTS=tests/acsl` runs one method's tests.
TESTS ?= tests
# One single-threaded pytest worker per core.
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: install data test demo clean

install:
	@bash tools/install.sh

data: install
	$(PY) tools/dataset_converters/make_tiny_datasets.py --out data/tiny

test: data
	$(PY) -m pytest $(TESTS) -q -rfE -n $(TEST_WORKERS) --dist worksteal --durations=20 --timeout=900 $(PYTEST_ARGS)

demo: data
	$(PY) tools/run_demo.py

clean:
	rm -rf work_dirs .pytest_cache
