# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
BUNDLE := interchange/bundles/wyze-2019.json

.PHONY: run test install db lint format bench bench-import worker clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/activate requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

db: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py import_bundle $(BUNDLE)

run: db
	@$(BIN)/python manage.py create_local_editor
	@echo "Serving the tracker at http://127.0.0.1:8000/ (admin: make an account with 'manage.py createsuperuser')"
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	@scripts/ensure-chromium
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python manage.py makemigrations --check --dry-run >/dev/null
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: install
	$(BIN)/celery -A config worker --beat --loglevel=info

# The benchmarks (bench/): the metrics recompute, then every public page under gunicorn and wrk
# (bench/reports/latest.md). On PostgreSQL: DATABASE_URL=postgres://... make bench.
bench: install
	$(BIN)/python bench/recompute.py
	$(BIN)/python bench/pages.py $(BENCH_PAGES_ARGS)

bench-import: install
	@test -f bench/import_data.py || { echo "bench/import_data.py is not there yet"; exit 1; }
	$(BIN)/python bench/import_data.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache .hypothesis
