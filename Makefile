# What a newcomer types: `make run` and `make test`. Everything else is a step of those two.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
# E-mailed links point at the port the portal runs on, unless PUBLIC_URL says otherwise.
export PUBLIC_URL ?= http://127.0.0.1:$(PORT)
FLASK  := $(BIN)/flask --app app

.PHONY: run test lint format translations bench system-packages clean

run: $(VENV)/.installed translations-compile
	$(FLASK) db upgrade
	$(FLASK) demo
	@# The SLA sweep runs beside the web server and stops with it.
	$(FLASK) sweep-sla --loop & trap 'kill $$! 2>/dev/null' INT TERM EXIT; $(FLASK) run --host 127.0.0.1 --port $(PORT)

test: $(VENV)/.installed-dev system-packages translations-compile lint
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.installed-dev translations-compile
	$(BIN)/python -m bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

# The tests need Debian's Chromium (browser tests) and Pango (WeasyPrint); install them as root when missing.
system-packages:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	ldconfig -p | grep -q 'libpango-1.0.so' || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	fc-list 2>/dev/null | grep -qi dejavu || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		else \
			echo "Missing system packages:$$missing (run as root or install them)"; exit 1; \
		fi; \
	fi

translations-compile: $(VENV)/.installed
	$(BIN)/pybabel compile -d translations

# Re-extract the strings and merge them into every catalog; then translate what is new.
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -k N_ --no-location --sort-output -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete --width 100
	$(BIN)/python tools/fill_source_catalog.py translations/en/LC_MESSAGES/messages.po

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
