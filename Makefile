# holdspace: the two commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HS := $(VENV)/bin/holdspace
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test venv lint typecheck pytest lock serve clean-demo

venv: $(STAMP)

# The venv is rebuilt from the hash-pinned lock whenever the lock or the project metadata changes.
$(STAMP): requirements.lock pyproject.toml scripts/find-python
	@python=$$(scripts/find-python) || exit 1; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		rm -rf $(VENV); echo "Creating $(VENV) with $$python"; "$$python" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

demo: venv
	@mkdir -p var
	HOLDSPACE_DEMO=1 $(HS) migrate --noinput -v0
	HOLDSPACE_DEMO=1 $(HS) seed-demo
	@echo "Starting holdspace on http://$(HOST):$(PORT) with the task worker and the simulated monitors (Ctrl-C stops all three; the monitors log to var/simulate.log)."
# The simulated monitors post vital signs into the demo's monitored infusions every 15 s, through
# the device API's own path, so the board and the consoles are alive; bounded to 12 hours.
	@HOLDSPACE_DEMO=1 $(HS) worker & worker=$$!; \
	HOLDSPACE_DEMO=1 $(HS) simulate --seconds 43200 --interval 15 > var/simulate.log 2>&1 & simulate=$$!; \
	trap 'kill $$worker $$simulate 2>/dev/null' EXIT INT TERM; \
	HOLDSPACE_DEMO=1 $(HS) serve --host $(HOST) --port $(PORT)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy strict covers the pure clinical engines; they must not import Django.
typecheck: venv
	$(VENV)/bin/mypy

pytest: venv
	$(VENV)/bin/pytest

test: venv lint typecheck
	$(HS) makemigrations --check --dry-run
	$(VENV)/bin/pytest

lock:
	@python=$$(scripts/find-python) || exit 1; \
	"$$python" -m venv var/lock-tools && var/lock-tools/bin/pip install --quiet uv && \
	var/lock-tools/bin/uv pip compile requirements.in --python-version 3.12 --generate-hashes -o requirements.lock

# Benchmarks (bench/, never part of `make test`), each figure beside a baseline from the same run:
# live-event fan-out (bench/fanout.py) and, when present, vital-sign POSTs (bench/vitals.py).
# Results go to var/bench/; one merged JSON summary goes to stdout, progress to stderr.
# The load (QUALITY.md): a 10-clinic network is ~60 chairs posting ~4 vital signs/s; the vitals
# bench posts at ten times that, 40/s open loop, through the real device API (token, alert rules,
# audit row, live events), then finds the maximum sustained rate; fan-out is 100 (and, in the
# full run, 1,000) subscribers. `make bench` runs SQLite and, with DATABASE_URL set, PostgreSQL;
# `make bench-quick` (< 60 s) runs only the configured database.
.PHONY: bench bench-quick
bench:
	@$(MAKE) --no-print-directory venv >&2  # stdout carries only the JSON summary
	@mkdir -p var/bench
	@echo "Load: vital-sign POSTs at 40/s (10 x the ~4/s of a 60-chair network), fan-out to 100 and 1,000 subscribers." >&2
	@$(PY) bench/fanout.py > var/bench/fanout-summary.json
	@if [ -f bench/vitals.py ]; then $(PY) bench/vitals.py --merge var/bench/fanout-summary.json; \
	else cat var/bench/fanout-summary.json; fi

bench-quick:
	@$(MAKE) --no-print-directory venv >&2  # stdout carries only the JSON summary
	@mkdir -p var/bench
	@$(PY) bench/fanout.py --quick > var/bench/fanout-quick-summary.json
	@if [ -f bench/vitals.py ]; then $(PY) bench/vitals.py --quick --merge var/bench/fanout-quick-summary.json; \
	else cat var/bench/fanout-quick-summary.json; fi
