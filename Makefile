# The README's two commands: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip -q --disable-pip-version-check
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-ahead check bench clean

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

# The suite, and beside it the suite once more with the machine's clock moved 400 days ahead
# (Debian's faketime), to prove that it passes on any date; the browser tests run at
# today's date only. Without faketime the second run is skipped with a message, except
# under CI=true, where that fails. Only the calendar moves: the monotonic clock stays real
# (scripts/monotonic_sleep.c says why, and mends the sleeps libfaketime would break).
SHIFT ?= +400d
SLEEP_SHIM := $(VENV)/monotonic_sleep.so

# The two runs go side by side, one per core; the later one's output follows the first's.
test: check
	@$(MAKE) --no-print-directory test-ahead > $(VENV)/test-ahead.log 2>&1 & ahead=$$!; \
	$(BIN)/pytest; today=$$?; \
	wait $$ahead; later=$$?; \
	echo; cat $(VENV)/test-ahead.log; \
	[ $$today -eq 0 ] && [ $$later -eq 0 ]

test-ahead: $(VENV)/.installed-test
	@if command -v faketime >/dev/null 2>&1; then \
	  $(CC) -O2 -shared -fPIC -o $(SLEEP_SHIM) scripts/monotonic_sleep.c -ldl && \
	  echo "The suite again with the clock $(SHIFT) ahead (faketime), browser tests excluded:" && \
	  FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f $(SHIFT) sh -c \
	    'LD_PRELOAD="$(CURDIR)/$(SLEEP_SHIM):$$LD_PRELOAD" exec $(BIN)/pytest -q \
	     -p no:cacheprovider --basetemp=$(VENV)/pytest-ahead --ignore=tests/browser'; \
	elif [ "$$CI" = true ]; then \
	  echo "CI=true: the run $(SHIFT) ahead needs faketime (Debian package faketime)"; exit 1; \
	else \
	  echo "faketime is not installed: the run $(SHIFT) ahead is skipped (CI runs it)"; \
	fi

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
