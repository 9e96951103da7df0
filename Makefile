# dvkit: `make demo` builds the Olist raw vault; `make test` runs the tests.
# Both create the virtual environment and install what they need on first use.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test lint docs validate generate check bench bench-spark bench-replay db-stop clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,docs,olist,spark]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/dvkit demo

# The suite runs in parallel, one worker per core (TEST_WORKERS=0 runs it in one process); a test
# file stays on one worker, so its module fixtures (a loaded vault) are built once.
TEST_WORKERS ?= auto
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .

# The documentation site (mkdocs.yml), into site/; --strict fails on any warning, a broken link included.
docs: $(STAMP)
	$(BIN)/mkdocs build --strict

validate: $(STAMP)
	$(BIN)/dvkit validate

generate: $(STAMP)
	$(BIN)/dvkit generate

check: $(STAMP)
	$(BIN)/dvkit validate
	$(BIN)/dvkit generate --check

# The raw vault build against its hand-written lower bound, per scale factor (bench/results.json),
# then the Spark benchmark below.
# Quick run: make bench BENCH_SCALES="0.1"
BENCH_SCALES ?= 0.1 1 5
bench: $(STAMP)
	$(BIN)/python -m bench.vault $(BENCH_SCALES)
	$(BIN)/python -m bench.spark $(BENCH_SPARK_SCALES)

# The raw vault, business vault and marts built on Spark (local mode) and on PostgreSQL, side by side.
# Quick run: make bench-spark BENCH_SPARK_SCALES="0.1"
BENCH_SPARK_SCALES ?= 1 5
bench-spark: $(STAMP)
	$(BIN)/python -m bench.spark $(BENCH_SPARK_SCALES)

bench-replay: $(STAMP)
	$(BIN)/python -m bench.replay --period month --compare-per-batch
	$(BIN)/python -m bench.replay --period day

db-stop: $(STAMP)
	$(BIN)/dvkit db stop

clean:
	-$(BIN)/dvkit db stop
	rm -rf $(VENV) .dvkit site dbt_vault/target dbt_vault/dbt_packages dbt_vault/logs .pytest_cache
