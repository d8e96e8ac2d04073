# Two set-up commands: `make run` (demo on :8000) and `make test` (the whole suite on
# SQLite and on a PostgreSQL server it starts itself).  Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-sqlite test-postgres test-clock soak bench lock clean

$(STAMP): requirements.lock pyproject.toml frontend/package-lock.json tests/sdk/node/package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	npm ci --prefix frontend --no-audit --no-fund --loglevel=error
	npm run --prefix frontend --silent build
	npm ci --prefix tests/sdk/node --no-audit --no-fund --loglevel=error
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/activereach demo --port $(PORT)
	@echo "Serving on http://$(HOST):$(PORT)  (API docs: http://$(HOST):$(PORT)/docs)"
	$(BIN)/activereach serve --host $(HOST) --port $(PORT)

test: install
	bash scripts/test.sh

test-sqlite: install
	$(BIN)/pytest -m "not soak" tests

test-postgres: install
	bash scripts/test.sh postgres

# The whole suite with the clock moved 400 days ahead and 40 days back (libfaketime).
test-clock: install
	bash scripts/test-clock.sh

# The long reliability variants (pytest -m soak; `make test` deselects them), on both databases.
soak: install
	status=0; $(BIN)/pytest -m soak tests || status=$$?; \
	url=$$(bash scripts/test-postgres.sh start); trap 'bash scripts/test-postgres.sh stop' EXIT; \
	ACTIVEREACH_TEST_DATABASE_URL="$$url" $(BIN)/pytest -m soak tests || status=$$?; exit $$status

bench: install
	$(BIN)/python bench/run_all.py

# Re-resolve pinned dependencies after editing pyproject.toml.
lock:
	$(BIN)/pip-compile -q --extra test --strip-extras --allow-unsafe --no-emit-index-url \
	  --no-emit-find-links -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) .tmp var
