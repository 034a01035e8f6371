# Entry points; the real logic lives in scripts/*.sh (usable without make).
PYTEST_ARGS ?=
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test validate lint-docker serve setup setup-dev

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh $(PYTEST_ARGS)

validate: setup
	$(PY) -m evidence validate data

lint-docker: setup-dev
	$(VENV)/bin/hadolint Dockerfile

serve: setup
	$(VENV)/bin/gunicorn --no-control-socket -c gunicorn.conf.py wsgi:server

setup:
	bash scripts/setup.sh

setup-dev:
	bash scripts/setup.sh --dev
