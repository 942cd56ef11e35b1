# Community-operations research kit. `make run` and `make test` set up .venv from requirements.txt first.
PYTHON_BIN ?= $(shell command -v python3.11 || command -v python3)
VENV       := .venv
PY         := $(VENV)/bin/python
SCALE      ?= 0.05
SEED       ?= 7
RUN_ID     ?=
DATA_DIR   ?= data
LANG_LABELS ?= en
PYTEST_ARGS ?=
export PYTHONPATH := $(CURDIR)
export MPLBACKEND := Agg

.PHONY: setup run test unit lab bench clean

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON_BIN) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

# reveal.js, require.js and jQuery for offline slides, from the npm registry (package.json pins them)
node_modules/.installed: package.json
	npm install --no-audit --no-fund --silent
	@touch $@

# the funnel's compiled scan (Cython, built in place; helpers.funnel falls back to its list route without it)
helpers/.funnel_scan-built: helpers/_funnel_scan.pyx $(VENV)/.installed
	@if $(VENV)/bin/cythonize -i -q -3 helpers/_funnel_scan.pyx; then rm -rf build; touch $@; else rm -rf build; \
		echo "helpers/_funnel_scan.pyx did not compile (is gcc installed?): funnels take the slower list route"; fi

setup: $(VENV)/.installed node_modules/.installed helpers/.funnel_scan-built

run: setup
	$(PY) -m helpers run --scale $(SCALE) --seed $(SEED) --data-dir $(DATA_DIR) --lang $(LANG_LABELS) \
		$(if $(RUN_ID),--run-id $(RUN_ID))

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

unit: setup
	$(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

lab: setup
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

# benchmark-only packages (polars, lifetimes) on top of the kit's pins; retentioneering in venvs of its own
$(VENV)/.bench-installed: benchmarks/requirements.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r benchmarks/requirements.txt
	@touch $@

benchmarks/.venv-rete/.installed: benchmarks/requirements-retentioneering.txt
	@test -x $(@D)/bin/python || $(PYTHON_BIN) -m venv $(@D)
	$(@D)/bin/python -m pip install --quiet -r $<
	@touch $@

benchmarks/.venv-rete5/.installed: benchmarks/requirements-retentioneering5.txt
	@test -x $(@D)/bin/python || $(PYTHON_BIN) -m venv $(@D)
	$(@D)/bin/python -m pip install --quiet -r $<
	@touch $@

bench: setup $(VENV)/.bench-installed benchmarks/.venv-rete/.installed benchmarks/.venv-rete5/.installed
	$(PY) benchmarks/bench_synth.py --events 5e7
	$(PY) benchmarks/bench_synth_ingest.py --scales 0.1 1.0
	$(PY) benchmarks/bench_funnel.py --events 1e6 1e7 5e7
	$(PY) benchmarks/bench_rfm.py --orders 1e6 1e7
	$(PY) benchmarks/bench_activity.py --events 1e7 5e7
	$(PY) benchmarks/bench_abtest.py
	$(PY) benchmarks/bench_service.py
	$(PY) benchmarks/bench_service_text.py
	$(PY) benchmarks/bench_run.py --scales 0.1 1 2

# data/raw goes only when it holds a generated sample (ground_truth.json): your own exports are kept
clean:
	@if [ -d data/raw ] && [ ! -f data/raw/ground_truth.json ] && [ -n "$$(find data/raw -type f | head -1)" ]; then \
		echo "data/raw holds exports without ground_truth.json (your own?): kept"; else rm -rf data/raw; fi
	rm -rf data/warehouse.duckdb data/warehouse.json data/parquet data/quarantine outputs/*/
