# chainrule: `make demo` to see it work, `make test` to run every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test check lint bench torch clean fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/chainrule solve exercise-2

test: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

# The contributor's loop: lint and every test but the slow ones (well under a minute on 2 cores).
check: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -m "not slow"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/lint-imports

# The long fuzzing run (issue 10): counts by outcome; the bar is 0 for all but ok and rejected.
MINUTES ?= 10
fuzz: $(VENV)/.installed-test
	$(BIN)/python tools/fuzz.py --minutes $(MINUTES)

# The PyTorch oracle and bridge (exactly this version: a CPU build lies on the CI disk).
torch: | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0

bench: $(VENV)/.installed-test torch
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
