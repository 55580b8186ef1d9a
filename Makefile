# Pomost: `make run` serves the demo, `make test` runs the whole suite. Both set up what they need.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
WORKERS ?= 2
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one per core; each starts its own PostgreSQL, S3 server and SMTP sink.
TEST_WORKERS ?= auto

PO_FILES := $(wildcard grants/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test lint install install-test translations chromium graphviz pdf-libraries diagrams extract-messages clean

run: install translations graphviz pdf-libraries
	@POMOST_DEMO=$${POMOST_DEMO:-1} $(BIN)/flask --app wsgi db upgrade
	@POMOST_DEMO=$${POMOST_DEMO:-1} $(BIN)/flask --app wsgi pomost seed-demo
	@echo "Pomost is starting on http://$(HOST):$(PORT) (Ctrl+C stops it)"
	POMOST_DEMO=$${POMOST_DEMO:-1} $(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) \
		--access-logfile - wsgi:app

test: install-test translations chromium graphviz pdf-libraries lint
	$(BIN)/python -m pytest --numprocesses $(TEST_WORKERS) $(PYTEST_ARGS)

# The linter runs before the tests (settings in pyproject.toml); a finding fails `make test`.
lint: install-test
	$(BIN)/ruff check grants workflows tests bench wsgi.py

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed setup.cfg
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

translations: $(MO_FILES)

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@

# Debian's packages are installed with apt-get when missing and we may (root on Debian). apt-get waits up to
# APT_WAIT seconds for the package lock another install may hold, instead of failing at once.
APT_WAIT ?= 300
APT_GET := DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=$(APT_WAIT) -y -qq
# $(call apt-install,packages,what they are for,what happens without them)
define apt-install
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's $(2) (waiting up to $(APT_WAIT) s if another install holds the package lock)"; \
		($(APT_GET) install $(1) >/dev/null 2>&1 || \
		 ($(APT_GET) update >/dev/null 2>&1 && $(APT_GET) install $(1) >/dev/null 2>&1)) || \
		echo "Not installed yet ($(1)): $(3). Run the same make command again to retry."; \
	else \
		echo "Debian's $(1) is not installed: $(3)."; \
	fi
endef

# Browser tests drive Debian's Chromium; install it when missing and we may (root on Debian).
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
		$(call apt-install,chromium,chromium for the browser tests,browser tests are skipped (and fail with CI=true)); \
	fi

# Staff workflow pages draw diagrams with Graphviz; without it they show the transition table only.
graphviz:
	@if ! command -v dot >/dev/null 2>&1; then \
		$(call apt-install,graphviz,graphviz for the workflow diagrams,workflow pages show the transition table until it is); \
	fi

# The PDF of a submitted application is made by WeasyPrint, which needs Pango, and a font with every Polish
# letter (DejaVu); install Debian's when missing and we may. Without them the PDF is refused; pages still print.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-dejavu-core
pdf-libraries:
	@if ! ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0' || ! fc-list 2>/dev/null | grep -q 'DejaVu Sans'; then \
		$(call apt-install,$(PDF_PACKAGES),Pango and DejaVu fonts for the PDFs of applications,PDFs of applications are refused until they are (pages still print)); \
	fi

# Regenerate the workflow diagram in the README from workflows/application.py (a test fails while it is stale).
diagrams: install
	$(BIN)/python -m workflows.describe README.md

# Refresh the message catalogue after changing user-visible strings; then translate the new msgids in
# grants/translations/pl/LC_MESSAGES/messages.po (a test fails while any is untranslated).
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k _ln:1,2 -o grants/translations/messages.pot --no-location --sort-output -w 100 .
	$(BIN)/pybabel update -i grants/translations/messages.pot -d grants/translations --no-fuzzy-matching --ignore-obsolete -w 100

clean:
	rm -rf $(VENV) instance test-artifacts
