# Set-up is two commands: `make demo` and `make test`. Both create .venv when it is missing
# and install the hashed, pinned lock file into it (pip checks every wheel's sha256).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.install-stamp
DEMO   := demo-out
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

CHROMIUM ?= /usr/bin/chromium
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="--random-order"` runs the suite in a
# random order (pytest-random-order; the seed is printed, `--random-order-seed=N` repeats it).
# Default: file order.
PYTEST_ARGS ?=

.PHONY: install browser demo test lint contracts typecheck unit bench lock clean help

help:  ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

install: $(STAMP)  ## Create .venv and install the pinned dependencies and the package

browser:  ## Debian's chromium for the browser tests (Playwright drives it; nothing downloaded)
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "The browser tests need Debian's chromium: sudo apt-get install chromium"; exit 1; fi; }

demo: install  ## Analyze the bundled demo export and print where the results are
	$(BIN)/cxa demo-data $(DEMO)/demo.csv --rows 3000 --seed 0
	$(BIN)/cxa analyze $(DEMO)/demo.csv --out $(DEMO)

lint: install  ## ruff lint + format check
	$(BIN)/ruff check analyzer api tests benchmarks
	$(BIN)/ruff format --check analyzer api tests benchmarks

contracts: install  ## The architecture's import contracts (import-linter; pyproject.toml)
	$(BIN)/lint-imports --no-cache --no-logo

typecheck: install  ## mypy on the package
	$(BIN)/mypy

unit: install browser  ## The test suite only
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint contracts typecheck unit  ## Everything CI runs: lint, import contracts, types, the whole test suite

bench: install  ## Time `cxa analyze` on the 3,000-response demo export
	$(BIN)/python benchmarks/analyze.py

lock: | $(BIN)/python  ## Re-resolve requirements.lock from pyproject.toml (hashes included)
	$(BIN)/python -m pip install --quiet pip-tools==7.6.2
	$(BIN)/pip-compile --extra dev --generate-hashes --strip-extras --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

clean:  ## Remove the venv, caches and demo output
	rm -rf $(VENV) .cache $(DEMO) .pytest_cache .mypy_cache .ruff_cache
