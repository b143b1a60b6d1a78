# The README's commands: `make demo` and `make test` (plus `make lab`). Idempotent.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lab install bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Check the bundled examples. Findings (exit 1) are the point of the demo; a crash or an
# unreadable file (exit 2) fails it.
demo: install
	$(BIN)/nbprod check examples/ || [ $$? -eq 1 ]

test: install
	$(BIN)/python -m pytest
	$(BIN)/python -m mypy --strict nbprod

lab: install
	$(BIN)/jupyter lab examples/

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info
