# The two commands of the README are `make run` and `make test`; both set up what they need first.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
# gettext for translations; Pango and a Greek font for the PDFs; Chromium for the browser tests.
APT_PACKAGES := gettext libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core chromium
# The compiled translations: each .po of the project (not of .venv or node_modules) beside its .mo.
PO_FILES := $(patsubst ./%,%,$(shell find . \( -path ./.venv -o -path ./node_modules -o -path ./var \
	-o -path ./staticfiles \) -prune -o -name '*.po' -print))
MO_FILES := $(PO_FILES:.po=.mo)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint format clean

## setup: Debian packages, virtualenv, Python and npm packages, compiled translations (safe to run again)
setup: .make/apt $(VENV)/.installed node_modules/.installed $(MO_FILES)

.make/apt: Makefile
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@mkdir -p .make && touch $@

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# A .mo is compiled when its .po is newer (compilemessages skips those already up to date).
%.mo: %.po | .make/apt $(VENV)/.installed
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

## run: the portal at http://$(HOST):$(PORT) on the embedded default, with demo data, and
## localstripe (the card gateway's stand-in) on a free local port, its webhooks sent to the portal
run: setup
	mkdir -p var
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	@port=$$($(PY) -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'); \
	$(VENV)/bin/localstripe --port $$port --from-scratch >var/localstripe.log 2>&1 & \
	localstripe=$$!; trap 'kill $$localstripe 2>/dev/null; exit' EXIT INT TERM; \
	export STRIPE_API_BASE=http://127.0.0.1:$$port; \
	echo "localstripe (card payments) at $$STRIPE_API_BASE, its log in var/localstripe.log"; \
	$(PY) manage.py localstripe_webhook --url http://$(HOST):$(PORT)/payments/stripe/webhook/ && \
	TAXISNET_BASE_URL=$${TAXISNET_BASE_URL:-http://$(HOST):$(PORT)/gsis-sandbox/oauth2server} \
		$(PY) manage.py runserver $(HOST):$(PORT)

## test: the whole suite, on PostgreSQL and Redis when they answer (always under CI=true)
test: setup
	$(PY) -m tests.run $(ARGS)

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) node_modules .make var staticfiles
