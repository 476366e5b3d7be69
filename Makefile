# The two commands of the README: `make demo` and `make test`. Both set up
# everything on a fresh machine (virtual environment, npm packages, Chromium).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.package-lock.json

.PHONY: setup demo test test-fast lint bench clean chromium java wordnet

setup: $(STAMP) $(NPM_STAMP) chromium java wordnet

$(STAMP): requirements.txt requirements-dev.txt requirements-ray.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# Debian's Chromium for the browser tests (never a downloaded browser build).
chromium:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "make: could not install chromium; browser tests will be skipped"; \
	  else echo "make: run 'sudo apt-get install chromium' to enable the browser tests"; fi; }

# WordNet for search words ("dog" finds every breed): Debian's database, read with NLTK.
wordnet:
	@test -f /usr/share/wordnet/data.noun || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wordnet-base >/dev/null) \
	      || echo "make: could not install wordnet-base; search will know the class names only"; \
	  else echo "make: run 'sudo apt-get install wordnet-base' so that search knows broader words"; fi; }

# Java for the Nu Html Checker (npm's vnu-jar) in the tests.
java:
	@command -v java >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null) \
	      || echo "make: could not install Java; the HTML checker test will be skipped"; \
	  else echo "make: run 'sudo apt-get install default-jre-headless' to enable the HTML checker test"; fi; }

demo: setup
	$(BIN)/python demo/generate.py demo/collection
	$(BIN)/python build.py --config site.toml --collection demo/collection --out _site
	@echo "Open _site/index.html in a browser, or: $(BIN)/python -m http.server -d _site 8000"

test: setup lint
	$(BIN)/python -m pytest -q -rs

# Lint and import order (ruff; configuration in pyproject.toml): part of `make test`, so of CI.
lint: $(STAMP)
	$(BIN)/ruff check .

test-fast: setup lint
	$(BIN)/python -m pytest -q -rs -m "not slow and not browser"

bench: setup
	$(BIN)/python bench/build_bench.py

clean:
	rm -rf _site .lookalike demo/collection test-artifacts
