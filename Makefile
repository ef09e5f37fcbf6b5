# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check graph clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The main job on the bundled rules: validate, analyze, draw the dependency graph, write the HTML report.
run: $(STAMP)
	$(BIN)/askless check rules/
	$(BIN)/askless analyze rules/
	$(BIN)/askless graph rules/boligstoette.yaml --format mermaid -o build/boligstoette.mmd --force
	$(BIN)/askless graph rules/ --format json -o build/rules-graph.json --force
	$(BIN)/askless report rules/ -o build/report.html --force

# Node packages for the export tests (SurveyJS's survey-core, playwright-core), from the lock file.
JS := tests/js
$(JS)/node_modules/.installed: $(JS)/package.json $(JS)/package-lock.json
	cd $(JS) && npm ci --no-audit --no-fund --silent
	touch $@

# Debian's Chromium for the browser tests (HTML flow, report). The tests skip, saying why, only
# when it cannot be installed (not root, no package registry).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  (apt-get install -y -qq chromium >/dev/null 2>&1 || \
	   (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1)) || \
	  echo "chromium could not be installed: the browser tests will be skipped"; }

test: $(STAMP) $(JS)/node_modules/.installed browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest tests analyzer

clean:
	rm -rf $(VENV) build $(JS)/node_modules

# Benchmarks on synthetic rule sets (not part of `make test`): writes docs/performance.md.
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
