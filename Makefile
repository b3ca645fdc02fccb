# The two commands of the README: `make run` and `make test`. Each creates .venv when
# missing and installs the project (with the dev extras for tests) before running.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install --quiet --disable-pip-version-check
# uv installs what pip would (the same resolution) several times faster: a fresh clone's
# `make test` spends under a minute installing instead of three. pip stays the fallback
# wherever uv cannot be installed or cannot reach the package index that pip is set up for.
UV     := $(VENV)/bin/uv
install = { $(PIP) uv >/dev/null 2>&1 && $(UV) pip install --quiet --python $(PY) --compile-bytecode $(1); } \
	|| { echo "note: installing with pip (uv unavailable)"; $(PIP) $(1); }
CORPUS ?= corpus
OUT    ?= outputs

.PHONY: run test lint bench samples clean help system-deps

help:
	@echo "make run    - set up .venv, run the pipeline on the sample corpus into $(OUT)/"
	@echo "make test   - set up .venv with dev tools, run the test suite"
	@echo "make lint   - ruff and mypy (strict on nlp/)"
	@echo "make bench  - speed and memory benchmarks (benchmarks/)"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "valpub needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: pyproject.toml | $(PY)
	@$(call install,-e .)
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	@$(call install,-e '.[dev]')
	@touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(VENV)/bin/valpub run --corpus $(CORPUS) --out $(OUT)

test: $(VENV)/.installed-dev system-deps
	$(VENV)/bin/pytest

# Programs from Debian that some tests use (Tesseract for OCR, Chromium for the report).
# Installed when missing
# and possible (root with apt); otherwise the tests that need them are skipped.
system-deps:
	@command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx fra || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing tesseract-ocr tesseract-ocr-fra (Debian)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-fra) >/dev/null 2>&1 \
	      || echo "note: Tesseract could not be installed; OCR tests will be skipped"; \
	  else echo "note: Tesseract with French data is missing; OCR tests will be skipped"; fi; }
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing chromium (Debian)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
	      || echo "note: chromium could not be installed; the report test will be skipped"; \
	  else echo "note: chromium is missing; the report test will be skipped"; fi; }

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy nlp flows

# Each prints a table and JSON; ratios are against a baseline measured in the same run.
# The ../shared/corpus ones (all but start-up and tag-text) take tens of minutes together.
bench: $(VENV)/.installed-dev
	$(PY) benchmarks/startup_bench.py
	$(PY) benchmarks/tag_text_bench.py
	$(PY) benchmarks/extract_bench.py
	$(PY) benchmarks/tagging_bench.py
	$(PY) benchmarks/parity_bench.py
	$(PY) benchmarks/pipeline_bench.py
	$(PY) benchmarks/pipeline_bench.py

samples: $(VENV)/.installed-dev
	$(PY) corpus/make_samples.py

clean:
	rm -rf $(OUT)/* .pytest_cache .mypy_cache .ruff_cache
