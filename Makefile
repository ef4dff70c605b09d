# teamdesk — two commands on a fresh machine:
#   make run    create .venv, install, apply migrations, run the bot (reads .env; SQLite by default);
#               with no BOT_TOKEN: the sandbox (local Bot API, demo data, web chat on 127.0.0.1:8080)
#   make test   create .venv, install with dev extras, run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run sandbox test lint migrate seed-demo preview bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,postgres,redis]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot

# no Telegram: a local Bot API, demo data in data/sandbox.db, the web chat on http://127.0.0.1:8080
# (what `make run` starts when BOT_TOKEN is not set)
sandbox: $(STAMP)
	$(BIN)/python -m bot sandbox

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

migrate: $(STAMP)
	$(BIN)/python -m bot migrate

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
