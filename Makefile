# CE Explorer: `make run` sets up and launches the app; `make test` sets up and runs every test.
# Both create .venv on first use and reinstall when pyproject.toml or constraints.txt changes.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck test-long bench bench-instructions screenshots clean check-qt

run: $(STAMP) check-qt
	$(PY) main.py $(ARGS)

# lint and typecheck first; --durations: the slowest tests are printed at the end, so the
# run's length stays in sight.
test: $(STAMP) lint typecheck
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest --durations=15 $(PYTEST_ARGS)

# ruff (pyflakes, pycodestyle, bugbear, import order, naming, pyupgrade; pyproject.toml's [tool.ruff]).
lint: $(STAMP)
	$(VENV)/bin/ruff check .

# mypy (pyproject.toml's [tool.mypy]): strict on ce_desktop/model/ and the command line, the
# default level on the GUI. `make test` runs it after lint.
typecheck: $(STAMP)
	$(VENV)/bin/mypy

# The opt-in long fuzz and soak runs (several minutes).
test-long: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -m slow --durations=15 $(PYTEST_ARGS)

bench: $(STAMP)
	$(VENV)/bin/pip install -q -c constraints.txt -e '.[test,bench]'
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/run.py $(ARGS)

# Instructions per drag move and per descent frame, counted by valgrind's callgrind (several minutes).
bench-instructions: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/instructions.py $(ARGS)

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) tools/make_screenshots.py

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || \
	  { echo "CE Explorer needs Python 3.10 or newer; set PYTHON=/path/to/python3.x"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -c constraints.txt -e '.[test]'
	@touch $(STAMP)

# Loads Qt's GUI libraries once and explains what to install when a system library is missing;
# with no display to open the window on it says so and stops `make run` (status 2). It gets
# the app's ARGS: `make run ARGS="report ..."` or `ARGS="--screenshot x.png"` needs no display.
check-qt: $(STAMP)
	@$(PY) -m ce_desktop.qtcheck $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
