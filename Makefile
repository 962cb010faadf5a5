# Two commands on a fresh machine with Python 3.11+ and make:
#   make run    install into .venv, migrate, load demo data, serve on http://127.0.0.1:8000
#   make test   the same set-up, then the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install translations run test lint format bench messages lock clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
	mkdir -p var/static var/media
	touch $(STAMP)

install: $(STAMP)

translations: install
	$(BIN)/python manage.py compile_translations --verbosity 0

run: translations
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	# The background worker (training files) runs beside daphne and stops with it.
	$(BIN)/python manage.py db_worker --backend background --interval 1 --no-reload & \
	worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/daphne -b $(HOST) -p $(PORT) lms.asgi:application

test: translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: translations
	$(BIN)/python bench/run.py

# Needs GNU gettext (apt-get install gettext): refresh the catalogue from the source.
messages: install
	$(BIN)/python manage.py makemessages --locale zh_Hans --no-obsolete --ignore ".venv/*" --ignore "var/*"
	$(BIN)/python manage.py makemessages --domain djangojs --locale zh_Hans --no-obsolete --ignore ".venv/*" --ignore "var/*" --ignore "static/vendor/*"

# Re-pin every dependency after changing pyproject.toml.
lock:
	rm -rf /tmp/lms-lock-venv && $(PYTHON) -m venv /tmp/lms-lock-venv
	/tmp/lms-lock-venv/bin/pip install --quiet --upgrade pip && /tmp/lms-lock-venv/bin/pip install --quiet -e ".[dev]"
	/tmp/lms-lock-venv/bin/pip freeze --exclude-editable --exclude county-ecommerce-lms > requirements.lock

clean:
	rm -rf $(VENV) var db.sqlite3 db.sqlite3-wal db.sqlite3-shm
