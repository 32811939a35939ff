# Two commands do all set-up on a fresh machine:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test lint bench rules-test clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

demo: $(BIN)/.installed  ## score the bundled sample calls, then serve the console on 127.0.0.1:8000
	$(BIN)/callqa demo

test: $(BIN)/.installed  ## lint, rule tests and the test suite
	$(BIN)/ruff check .
	$(BIN)/pytest

bench: $(BIN)/.installed  ## benchmarks (on demand, not part of the tests)
	$(BIN)/python bench/bench_check.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
