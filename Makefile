# The two commands: `make run` and `make test`. Everything else is what they stand on.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
CATALOGS := $(wildcard src/lawexam/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install translations extract-messages update-messages clean

run: install
	$(BIN)/lawexam db upgrade
	$(BIN)/lawexam demo --if-empty
	$(BIN)/lawexam serve --host $(HOST) --port $(PORT)

# Two processes: the suite runs on SQLite, PostgreSQL and MariaDB and fits in minutes on 2 cores.
PYTEST_ARGS ?= -n auto

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(STAMP) $(COMPILED)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("LawExam needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

translations: $(COMPILED)

# For developers: refresh the catalogs after adding or changing user-facing text.
extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --no-location --sort-output \
		--project=LawExam -o src/lawexam/translations/messages.pot src templates

update-messages: extract-messages
	$(BIN)/pybabel update -i src/lawexam/translations/messages.pot -d src/lawexam/translations --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache $(COMPILED)
