# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check graph clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The main job on the bundled rules: validate them, then draw the dependency graph.
run: $(STAMP)
	$(BIN)/askless check rules/
	$(BIN)/askless analyze rules/
	$(BIN)/askless graph rules/boligstoette.yaml --format mermaid -o build/boligstoette.mmd --force
	$(BIN)/askless graph rules/ --format json -o build/rules-graph.json --force

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest tests analyzer

clean:
	rm -rf $(VENV) build

# Benchmarks on synthetic rule sets (not part of `make test`): writes docs/performance.md.
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
