# The README's commands: `make demo` and `make test` (plus `make lab`). Idempotent.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lab install bench clean

$(STAMP): pyproject.toml labextension/package.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	HATCH_BUILD_HOOK_ENABLE_JUPYTER_BUILDER=1 $(BIN)/python -m pip install --quiet -e '.[test,lab]'
	touch $(STAMP)

install: $(STAMP)

# Check the bundled examples. Findings (exit 1) are the point of the demo; a crash or an
# unreadable file (exit 2) fails it.
demo: install
	$(BIN)/nbprod check examples/ || [ $$? -eq 1 ]

# Python tests (real Jupyter server, real pre-commit, exported packages), mypy, then the
# JupyterLab extension's Jest and browser tests (Debian's Chromium, installed if missing).
test: install
	$(BIN)/python -m pytest
	$(BIN)/python -m mypy --strict nbprod
	PATH="$(abspath $(BIN)):$$PATH" bash labextension/test.sh

lab: install
	$(BIN)/jupyter lab examples/

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info
