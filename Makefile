# Mijn Route — `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app app
CHROMIUM := /usr/bin/chromium

# NL Design System components we use (pinned in package.json), concatenated after our tokens.
COMPONENTS := alert button form-field-error-message form-label link select skip-link table textarea textbox
VENDOR_CSS := $(foreach c,$(COMPONENTS),node_modules/@utrecht/$(c)-css/dist/index.min.css)
CSS := static/build/app.css

.PHONY: run test install assets db demo serve translations babel-extract babel-update babel-compile chromium clean bench serve-prod bench-tools

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) babel-compile assets

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(CSS): node_modules/.installed static/css/tokens.css static/css/app.css
	mkdir -p static/build
	cat static/css/tokens.css $(VENDOR_CSS) static/css/app.css > $@

assets: $(CSS)

## run: set up everything and serve the demo on http://127.0.0.1:5000
run: install
	$(FLASK) migrate
	$(FLASK) demo --if-empty
	@test -f instance/vapid_private.pem || test -n "$$VAPID_PRIVATE_KEY" || $(FLASK) vapid-keys
	@echo ""
	@echo "Mijn Route runs on http://127.0.0.1:5000"
	@echo "Demo accounts (password: mijnroute-demo): demo-statushouder, demo-contactpersoon, demo-admin"
	@echo ""
	@# The scheduler (reminders) runs beside the server; its lock file stops a second one.
	@$(FLASK) scheduler >instance/scheduler.log 2>&1 & SCHEDULER=$$!; \
		trap 'kill $$SCHEDULER 2>/dev/null' EXIT INT TERM; \
		$(FLASK) run --host 127.0.0.1 --port 5000

## test: install what the tests need (incl. Debian's chromium) and run the whole suite
test: install chromium
	$(BIN)/pytest -q

# Debian's Chromium for the browser tests, and Noto fonts so Ge'ez and Arabic screenshots are readable.
chromium:
	@(test -x $(CHROMIUM) && fc-list 2>/dev/null | grep -qi ethiopic) || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null)

## translations: extract, update and compile the catalogs
translations: babel-extract babel-update babel-compile

babel-extract: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k lazy_gettext -k _l -o translations/messages.pot --no-location --sort-output --project "Mijn Route" .

babel-update: $(STAMP)
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete --width 0
	$(BIN)/python translations/fill_en.py

babel-compile: $(STAMP)
	$(BIN)/pybabel -q compile -d translations

clean:
	rm -rf $(VENV) node_modules static/build instance/*.sqlite3*

# ---------------------------------------------------------------------------------------------
## bench: the national data set on SQLite and PostgreSQL, every figure in one table (bench/README in bench/__init__.py)
#   make bench                     full size (342 gemeenten, 100,000 statushouders, 5,000,000 entries): several minutes per database
#   make bench SIZE=small          a minute or two;  BENCH_DB=sqlite  only one database
SIZE ?= full
BENCH_DB ?= sqlite,postgresql
# The load-test tool is pinned in pyproject.toml (extra "bench"), installed only for the benchmark.
bench-tools: $(STAMP)
	@$(BIN)/python -c "import locust" 2>/dev/null || $(BIN)/pip install --quiet -e '.[test,bench]'

bench: install bench-tools
	$(BIN)/python -m bench --size $(SIZE) --db $(BENCH_DB)

## serve-prod: the production shape on 127.0.0.1 against the local PostgreSQL: gunicorn (4 workers ×
## 2 threads), one scheduler that only plans, one push dispatcher; Ctrl-C stops all three.
PROD_POSTGRES ?= postgresql://postgres@127.0.0.1:5432
PROD_DB ?= mijnroute
PROD_DATABASE_URL := $(PROD_POSTGRES)/$(PROD_DB)?max_connections=3
PROD_BIND ?= 127.0.0.1:8000

serve-prod: install
	@psql "$(PROD_POSTGRES)/$(PROD_DB)" -c "select 1" >/dev/null 2>&1 || \
		psql "$(PROD_POSTGRES)/postgres" -c 'CREATE DATABASE "$(PROD_DB)"'

	DATABASE_URL="$(PROD_DATABASE_URL)" $(FLASK) migrate
	DATABASE_URL="$(PROD_DATABASE_URL)" $(FLASK) demo --if-empty
	@test -f instance/vapid_private.pem || test -n "$$VAPID_PRIVATE_KEY" || $(FLASK) vapid-keys
	@echo "Mijn Route (production shape) on http://$(PROD_BIND) — gunicorn, scheduler, dispatcher; Ctrl-C stops all"
	@export DATABASE_URL="$(PROD_DATABASE_URL)" LOG_FORMAT=json BIND="$(PROD_BIND)" WEB_CONCURRENCY=4; \
		SCHEDULER_DISPATCH=0 $(FLASK) scheduler >>instance/scheduler.log 2>&1 & SCHEDULER=$$!; \
		$(FLASK) dispatch --loop >>instance/dispatch.log 2>&1 & DISPATCH=$$!; \
		trap 'kill $$SCHEDULER $$DISPATCH 2>/dev/null' EXIT INT TERM; \
		$(BIN)/gunicorn -c deploy/gunicorn.conf.py app:app
