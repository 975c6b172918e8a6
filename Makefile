# The README's two commands: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip -q --disable-pip-version-check
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[test]'
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/jobbridge init-db
	$(BIN)/jobbridge demo --if-empty
	@echo
	@echo "Demo sign-ins (password for all: jobbridge-demo):"
	@echo "  admin, supervisor, caseworker, organizer, graduate"
	@echo
	@echo "The scheduler fills the recommendations in the first minute (see /runs/)."
	$(BIN)/jobbridge serve --host $(HOST) --port $(PORT) --with-scheduler

check: $(VENV)/.installed-test
	$(BIN)/ruff check matcher web tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

test: check
	$(BIN)/pytest

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[test,bench]'
	touch $@ $(VENV)/.installed-test $(VENV)/.installed-run

bench: $(VENV)/.installed-bench
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# Extract the web UI's messages, update the zh_CN catalog, compile it (scripts/translations.py).
.PHONY: translations
translations: $(VENV)/.installed-run
	$(BIN)/python scripts/translations.py
