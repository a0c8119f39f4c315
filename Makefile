# tamaflow: `make demo` and `make test` set everything up on a fresh Debian machine with Python 3.11.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian packages: dot (Graphviz), a CJK font for Japanese in PNGs, chromium for browser tests
DEB_PACKAGES := graphviz fonts-ipafont-gothic chromium
NODE_STAMP := node_modules/.installed

.PHONY: demo test install sysdeps node diagrams site bench clean lint

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# the dask and semantic extras too, so that their tests run in CI instead of skipping; the
	# word vectors take part in a comparison only when TAMAFLOW_SEMANTIC=1 asks for them
	# (they no longer lift the development sets: docs/compare.md, "Word vectors")
	$(BIN)/pip install --quiet -e '.[test,dask,semantic]'
	touch $(STAMP)

install: $(STAMP)

# Install missing Debian packages when root; otherwise print the exact command.
sysdeps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages:$$missing — run: sudo apt-get install -y$$missing"; \
	  fi; \
	fi

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

node: $(NODE_STAMP)

# The main job on the library: validate, compare every procedure, score, and draw the diagrams.
demo: install sysdeps
	$(BIN)/tamaflow validate processes/
	$(BIN)/tamaflow summary processes/
	$(BIN)/tamaflow render processes/ --to bpmn --to dot --to svg -o diagrams/ --force --prune
	@echo "diagrams: diagrams/<procedure>/<city>.bpmn|.svg (open the .bpmn in bpmn.io or Camunda Modeler)"

test: install sysdeps node
	$(BIN)/python -m pytest -q

diagrams: install sysdeps
	$(BIN)/tamaflow render processes/ --to bpmn --to dot --to svg -o diagrams/ --force --prune

site: install sysdeps node
	$(BIN)/tamaflow publish processes/ -o site/ --force

bench: install sysdeps
	$(BIN)/python benchmarks/run_all.py

lint: install
	$(BIN)/ruff check tamaflow tests benchmarks
	$(BIN)/mypy tamaflow

clean:
	rm -rf $(VENV) node_modules site .pytest_cache
