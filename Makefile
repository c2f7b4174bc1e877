# Carepay: `make run` brings up the platform; `make test` sets up and passes the tests.
# Everything a fresh Debian machine needs is installed from here (see README, Prerequisites).

SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt 2>/dev/null | sha1sum | cut -c1-12)
DEMO ?= 1


.PHONY: prereqs setup up down run test test-fast test-api test-reliability status contracts bench deploy-check clean help

help:
	@echo "make run      set up and run the platform (DEMO=0 for the bare stack)"
	@echo "make test     set up, start the stack, run every test, stop what it started"
	@echo "make test-fast  the unit and database-only tiers: Postgres alone, no Kafka, no services"
	@echo "make test-api  schemathesis with every phase (coverage too) on a clean, then a demo-loaded stack"
	@echo "make test-reliability  the month again under SIGKILLs, Kafka and Postgres restarts, two instances"
	@echo "make up/down  start/stop Kafka, Postgres and the seven services"
	@echo "make status   what is running and ready"
	@echo "make contracts  regenerate contracts/asyncapi, contracts/openapi and contracts/schemas"
	@echo "make bench    run every benchmark on the stack and write BENCHMARKS.md"
	@echo "make deploy-check  lint and validate the Dockerfile and the Helm chart (tools into .local/deploy-tools)"

setup: prereqs $(STAMP)
	@deploy/local/kafka.sh setup
	@deploy/local/postgres.sh setup

prereqs:
	@deploy/local/prereqs.sh

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip
	@$(BIN)/python -m pip install -q -c constraints.txt -e ".[test]"
	@rm -f $(VENV)/.installed-* && touch $@

up: setup
	@deploy/local/postgres.sh start
	@deploy/local/kafka.sh start
	@$(BIN)/carepay stack topics
	@$(BIN)/carepay stack migrate
	@$(BIN)/carepay stack up

down:
	@deploy/local/prometheus.sh stop
	@test ! -x $(BIN)/carepay || $(BIN)/carepay stack down
	@deploy/local/kafka.sh stop
	@deploy/local/postgres.sh stop

status:
	@deploy/local/postgres.sh status || true
	@deploy/local/kafka.sh status || true
	@$(BIN)/carepay stack status

# Local stack only: the dashboard at http://127.0.0.1:8007/ signs this machine's browser in as ops.
run: export CAREPAY_LOCAL_SIGN_IN := 1
run: up
	@deploy/local/prometheus.sh start
	@$(BIN)/carepay stack status
	@if [ "$(DEMO)" != "0" ]; then $(BIN)/carepay demo run --no-follow \
		|| echo "[run] the demo council did not finish (see above); the stack is up"; fi
	@echo "Dashboard: http://127.0.0.1:8007/   Prometheus: http://127.0.0.1:9090/ (when installed)"
	@echo "Logs follow (Ctrl-C stops following; 'make down' stops the stack)."
	@tail -n 5 -F .local/logs/*.log

test: setup
	@deploy/local/run-tests.sh

# The tiers that need no stack: pure unit tests, and one service's consumers and SQL against Postgres alone.
test-fast: setup
	@deploy/local/postgres.sh start
	@$(BIN)/python -m pytest tests/unit tests/db

# Not in `make test`: it kills services and restarts Kafka and Postgres (README, "Proof under stress").
test-reliability: setup
	@deploy/local/run-tests.sh tests/reliability

# Schemathesis with every phase, coverage's walk of each parameter's edges too (minutes a service): the clean
# stack, then the demo council's month (`make test` runs the same without coverage).
test-api: setup
	@FUZZ_PHASES=all deploy/local/run-tests.sh tests/api tests/integration/hostile/test_openapi_fuzz.py

bench: setup
	@$(BIN)/python -m benchmarks.run_all

contracts: setup
	@$(BIN)/carepay contracts

# No cluster, no Docker: helm lint/template for both value sets, kubernetes-validate and the CRDs' schemas,
# hadolint and checkov (deploy/check/deploy-check.sh installs its tools under .local/deploy-tools once).
deploy-check:
	@deploy/check/deploy-check.sh

clean: down
	rm -rf .local
