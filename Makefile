# Seedbed: `make run` starts the app embedded; `make test` runs the suite against PostgreSQL and Redis.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DEMO_TEACHER_PORT ?= 8100

# The test suite's services; override on the command line or in the environment.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/seedbed
TEST_BROKER_URL ?= redis://127.0.0.1:6379/0
TEST_CACHE_URL ?= redis://127.0.0.1:6379/1

.PHONY: install run test bench lock check typecheck clean

$(VENV)/.installed: requirements.lock pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_starter_taxonomy
	$(PY) manage.py ensure_demo_admin
	$(PY) manage.py configure_teacher scripted-demo --base-url http://127.0.0.1:$(DEMO_TEACHER_PORT)/v1 \
	  --model scripted-teacher --max-concurrency 8 >/dev/null
	@echo "Seedbed on http://127.0.0.1:$(PORT)/ with a Celery worker (embedded: SQLite + filesystem broker in var/)."
	@echo "DEMO teacher 'scripted-demo': the scripted test teacher on :$(DEMO_TEACHER_PORT), canned answers, not a model."
	@echo "Point Seedbed at a real teacher with 'manage.py configure_teacher' (see README). Ctrl-C stops everything."
	@trap 'kill 0' INT TERM EXIT; \
	  $(VENV)/bin/celery -A contrib worker --loglevel=info --concurrency=2 & \
	  $(PY) manage.py run_scripted_teacher --port $(DEMO_TEACHER_PORT) --slots 8 --latency 0.2 & \
	  $(PY) manage.py runserver 0.0.0.0:$(PORT)

test: install
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_BROKER_URL)} \
	CACHE_URL=$${CACHE_URL:-$(TEST_CACHE_URL)} \
	$(PY) -m pytest $(PYTEST_ARGS)

BENCH_RELEASE_ROWS ?= 100000,1000000

bench: install
	$(PY) tests/benchmarks/bench_validate.py
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_BROKER_URL)} $(PY) tests/benchmarks/bench_teacher.py
	$(PY) tests/benchmarks/bench_release.py --rows $(BENCH_RELEASE_ROWS)

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

typecheck: install
	$(PY) -m mypy contrib taxonomy

# Re-resolve requirements.lock from pyproject.toml (needs network to PyPI).
lock: install
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) var
