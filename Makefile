# tickvault: `make run` starts the whole system locally, `make test` checks it.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
ARGS   ?=

.PHONY: run test generate executions history status clean browser

# The virtualenv is rebuilt whenever a requirements file changes.
$(VENV)/.installed: requirements/*.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt -c requirements/constraints.txt
	touch $@

run: $(VENV)/.installed
	$(PY) -m tickvault run $(ARGS)

test: $(VENV)/.installed browser
	$(PY) -m pytest $(ARGS)

# Debian's Chromium, for the dashboard test (headless; it saves artifacts/dashboard.png).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

# The CLI commands, e.g. `make history ARGS=<execution name>`; ARGS are passed as they are.
generate executions history status: $(VENV)/.installed
	$(PY) -m tickvault $@ $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache cdk.out

# --- AWS deployment: the CDK app in cdk/ (see README, "Deploy on AWS") ---
.PHONY: synth lint-asl node-install

# Node tools pinned by package-lock.json: the CDK CLI (npx aws-cdk) and the ASL linter.
node-install: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The CloudFormation template and assets in cdk.out/, without the CDK CLI.
synth: $(VENV)/.installed
	$(PY) cdk/app.py

lint-asl: node_modules/.installed
	npm run --silent lint-asl

# --- Benchmarks: bench/ (see README, "Performance") ---
.PHONY: bench

# The profiler (python -m bench.profile) on top of the test environment.
$(VENV)/.bench-installed: $(VENV)/.installed requirements/bench.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/bench.txt
	touch $@

# One table, printed and written to bench/results/latest.md; ARGS=--quick for a few requests of each kind.
bench: $(VENV)/.bench-installed
	$(PY) -m bench $(ARGS)
