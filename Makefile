# The two set-up commands: `make run` (server with demo data) and `make test`.
# Both create the virtualenv and install what is needed on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
HOST ?= 127.0.0.1
PORT ?= 8000
PROCESSES ?= 2
CLUSTER_PORT ?= 8001

.PHONY: run cluster test lint venv clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# One server process (daphne) with the background tasks (the relay) on its event loop.
run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

# A local production-like layout: PROCESSES servers from CLUSTER_PORT on, plus the relay,
# sharing Redis and PostgreSQL (set REDIS_URL and DATABASE_URL, e.g. in .env).
cluster: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py cluster --processes $(PROCESSES) --host $(HOST) --port $(CLUSTER_PORT)

test: venv
	$(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy .

clean:
	rm -rf $(VENV) var
