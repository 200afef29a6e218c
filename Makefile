# weishang: `make run` serves a demo brand on 127.0.0.1:5000; `make test` runs the suite on SQLite and MySQL.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := wsgi

.PHONY: run test install migrate seed scheduler clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed

run: seed
	TASK_WORKER_THREAD=1 DEV_LOGIN=1 $(BIN)/flask run --host 127.0.0.1 --port 5000

test: install
	sh scripts/ensure_browser.sh
	$(BIN)/python scripts/test_suites.py $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance/weishang.db*
