# Two commands for a newcomer: `make demo` (set up, build the index, answer a sample question)
# and `make test` (set up, run every test). Both create .venv/ on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
QUESTION ?= Mục tiêu Chính phủ số của Nghệ An là gì?

.PHONY: setup demo index test bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

index: setup
	$(PY) build_index.py

demo: index
	$(PY) -m bot ask "$(QUESTION)"

test: setup
	$(PY) -m pytest

bench: setup
	$(PY) bench/build_bench.py

clean:
	rm -rf index $(VENV)
