# LinkedIn RSC connector - every command a developer, CI or an operator needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STAGE ?= dev
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= us-east-1
PY_SOURCES := layers/common functions local tests

.PHONY: help venv demo bench test check lint format typecheck validate test-unit test-integration test-stack \
        stack-up stack-down stack-status build openapi coldstart demo-lifecycle faults load poll-load proof clean

help: ## List the commands
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml requirements/dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/dev.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP) ## Create .venv from the pinned lock file (every other target does this first)

demo: $(STAMP) ## The main job: the admin's story on the embedded local stack (no AWS account)
	$(BIN)/python -m rsc_demo

demo-lifecycle: $(STAMP) ## After the main story: a second contract, ongoing ATS changes, deactivation
	$(BIN)/python -m rsc_demo.lifecycle

bench: $(STAMP) ## Sync benchmark: 100,000 records through the local stack at LinkedIn's ceiling; prints JSON
	$(BIN)/python -m rsc_demo.bench

test: check test-unit test-integration test-stack ## Everything CI runs: lint, types, template checks, all tests

check: lint typecheck validate ## Static checks: ruff, mypy, sam validate --lint, cfn-lint (template + translated)

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check $(PY_SOURCES)
	$(BIN)/ruff format --check $(PY_SOURCES)

format: $(STAMP) ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix $(PY_SOURCES)
	$(BIN)/ruff format $(PY_SOURCES)

typecheck: $(STAMP) ## mypy over the shared package, the local stack and the emulators
	$(BIN)/mypy

validate: $(STAMP) ## sam validate --lint, cfn-lint on template.yaml and on its SAM-translated form
	$(BIN)/sam validate --lint --template template.yaml
	$(BIN)/cfn-lint template.yaml
	$(BIN)/python -m devtools.validate_template

test-unit: $(STAMP) ## Unit tests (no AWS, no network)
	$(BIN)/pytest tests/unit -q

test-integration: $(STAMP) ## Logic against moto (in-process) and the LinkedIn emulator; ASL and template tests
	$(BIN)/pytest tests/integration tests/emulator tests/fake_ats tests/infrastructure tests/statemachine -q

test-stack: $(STAMP) ## End-to-end tests on the embedded local stack (moto server, emulator, real handlers)
	$(BIN)/pytest tests/local_stack -q
	$(BIN)/pytest tests/e2e -q
	$(BIN)/pytest tests/proof -q

proof: $(STAMP) ## Every proof suite at full size: faults, bad input/security, load, enablement poll, cold start (~1 h)
	$(BIN)/python -m rsc_demo.faults --records 20000
	PROOF_EXAMPLES=500 $(BIN)/pytest tests/proof -q
	$(BIN)/python -m rsc_demo.load
	$(BIN)/python -m rsc_demo.poll_load
	$(BIN)/python -m devtools.coldstart --check

faults: $(STAMP) ## Fault suite: a sync under injected LinkedIn/worker/SQS faults; prints the table (FAULT_RECORDS=...)
	$(BIN)/python -m rsc_demo.faults

load: $(STAMP) ## Load suite: 20 customers enabled at once, each within its own LinkedIn budget (~17 min)
	$(BIN)/python -m rsc_demo.load

poll-load: $(STAMP) ## The enablement poll over 5,000 waiting contracts: run time and LinkedIn calls per app
	$(BIN)/python -m rsc_demo.poll_load

coldstart: $(STAMP) ## Import time of every handler in a fresh interpreter (median of 7) beside `import boto3`
	$(BIN)/python -m devtools.coldstart --check

stack-up: $(STAMP) ## Start the local stack in the background (URLs in .local-stack/state.json)
	$(BIN)/rsc-local up --detach

stack-down: $(STAMP) ## Stop the background local stack
	$(BIN)/rsc-local down

stack-status: $(STAMP) ## Show the background local stack's URLs
	$(BIN)/rsc-local status

build: $(STAMP) ## sam build for python3.13/arm64 (needs pyenv's 3.13 and PyPI access)
	PYENV_VERSION=3.11.7:3.12.1:3.13.0 $(BIN)/sam build

openapi: $(STAMP) ## Regenerate docs/openapi.json from the code's routes
	$(BIN)/python -m devtools.openapi > docs/openapi.json

clean: ## Remove the venv, caches and build output
	rm -rf $(VENV) .aws-sam .local-stack .pytest_cache .mypy_cache .ruff_cache
