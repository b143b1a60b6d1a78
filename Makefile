# The README's commands: `make demo` and `make test` (plus `make lab`). Idempotent.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Two installs into one venv: the CLI alone (demo: no Node.js, no frontend build), and
# everything with the JupyterLab extension built (lab, test).
CLI_STAMP := $(VENV)/.installed-cli
LAB_STAMP := $(VENV)/.installed-lab
FRONTEND := labextension/package.json labextension/yarn.lock $(wildcard labextension/src/*.ts labextension/src/*.tsx labextension/style/* labextension/schema/*)

.PHONY: demo test lab install install-lab wheel-venv bench fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(CLI_STAMP): $(BIN)/python pyproject.toml Makefile
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# hatchling enables an off-by-default build hook with HATCH_BUILD_HOOKS_ENABLE=1 (the
# per-hook variable would need the hook's hyphenated name). Removing the old build makes
# the hook rebuild the frontend when its sources changed (it skips an existing build).
$(LAB_STAMP): $(BIN)/python pyproject.toml Makefile $(FRONTEND)
	rm -rf nbprod/labextension
	HATCH_BUILD_HOOKS_ENABLE=1 $(BIN)/python -m pip install --quiet -e '.[test,lab]'
	@test -f $(VENV)/share/jupyter/labextensions/nbprod/package.json \
	  || { echo "make: the JupyterLab extension was not installed into $(VENV)" >&2; exit 1; }
	touch $@ $(CLI_STAMP)

install: $(CLI_STAMP)
install-lab: $(LAB_STAMP)

# Check the bundled examples. Findings (exit 1) are the point of the demo; a crash or an
# unreadable file (exit 2) fails it.
demo: install
	$(BIN)/nbprod check examples/ || [ $$? -eq 1 ]

# The wheel a user receives, built from a clean copy of the tree into a fresh venv
# (build/wheel-venv); the wheel test and the browser tests use that install.
wheel-venv: install-lab
	$(BIN)/python -m tests.wheel_venv

# Python tests (real Jupyter server, real pre-commit, exported packages, the built wheel),
# mypy, then the extension's Jest and browser tests against the installed wheel (Debian's
# Chromium, installed if missing).
test: wheel-venv
	$(BIN)/python -m pytest
	$(BIN)/python -m mypy --strict nbprod
	PATH="$(abspath $(BIN)):$$PATH" NBPROD_WHEEL_VENV="$(abspath build/wheel-venv)" bash labextension/test.sh

lab: install-lab
	$(BIN)/jupyter lab examples/

# ruff is the peer the benchmarks compare against; it is installed here, not for users.
bench: install
	$(BIN)/python -m pip install --quiet ruff
	$(BIN)/python benchmarks/run.py

# A long fuzzing run (20 minutes; NBPROD_FUZZ_SECONDS changes it) on top of make test's install.
fuzz: install-lab
	NBPROD_FUZZ=long $(BIN)/python -m pytest tests/test_fuzz.py -q

clean:
	rm -rf $(VENV) build dist *.egg-info nbprod/labextension
