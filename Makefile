# chainmark: `make run` (main job on the embedded Anvil) and `make test` (the whole suite).
# Both set everything up first and are quick when it is already set up.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ANVIL_VERSION := 1.7.1
TOOLS := .tools
ANVIL_STAMP := $(TOOLS)/.anvil-$(ANVIL_VERSION)
SOLC_VERSION := 0.8.37
SOLC_STAMP := $(TOOLS)/.solc-$(SOLC_VERSION)
HARDHAT_VERSION := 2.29.1
GANACHE_VERSION := 7.9.2
NODES_STAMP := $(TOOLS)/.nodes-hardhat-$(HARDHAT_VERSION)-ganache-$(GANACHE_VERSION)
VENV_STAMP := $(VENV)/.installed
KERNELS_STAMP := $(VENV)/.kernels-compiled
WORKLOAD ?= workloads/transfer.yaml

.PHONY: run test setup lint typecheck pytest bench-kernels core browser-deps bitcoin-deps bench-deps contracts clean

setup: $(VENV_STAMP) $(KERNELS_STAMP) $(ANVIL_STAMP) $(SOLC_STAMP) $(NODES_STAMP) bitcoin-deps

$(VENV_STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

# Every numba kernel compiled once into numba's cache beside its source, so a fresh process's first call
# loads machine code (under 1 s) instead of compiling for seconds; redone when a kernel's source changes.
$(KERNELS_STAMP): $(VENV_STAMP) $(wildcard bench/kernels/*.py)
	$(PY) -m bench.kernels.warm
	touch $@

# Anvil from npm (the platform binary comes as an optional dependency), in a git-ignored folder.
$(ANVIL_STAMP):
	mkdir -p $(TOOLS)
	npm install --prefix $(TOOLS) --save-exact --no-audit --no-fund --loglevel=error @foundry-rs/anvil@$(ANVIL_VERSION)
	touch $@

# The pinned Solidity compiler (solcjs: the compiler is bundled as wasm, so it compiles offline).
$(SOLC_STAMP):
	mkdir -p $(TOOLS)
	npm install --prefix $(TOOLS) --save-exact --no-audit --no-fund --loglevel=error solc@$(SOLC_VERSION)
	touch $@

# The other managed nodes to compare with Anvil: Hardhat's EDR node and Ganache (target.node, --node).
$(NODES_STAMP):
	mkdir -p $(TOOLS)
	npm install --prefix $(TOOLS) --save-exact --no-audit --no-fund --loglevel=error hardhat@$(HARDHAT_VERSION) ganache@$(GANACHE_VERSION)
	touch $@

# Rebuild the committed contract artifacts (bench/contracts/artifacts/) from the Solidity sources.
contracts: setup
	$(PY) -m bench.contracts.build

run: setup
	$(VENV)/bin/chainmark run $(WORKLOAD)

# Headless Chromium for the browser tests (Debian packages); installed only when missing.
browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) \
	    || echo "warning: could not install chromium; browser tests will be skipped"; }

# litecoind (Debian package; Bitcoin Core's code base) for the Bitcoin family's managed regtest network, the
# embedded default of `target.chain: bitcoin`; installed only when missing.
bitcoin-deps:
	@command -v litecoind >/dev/null || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq litecoind) \
	    || echo "warning: could not install litecoind; the Bitcoin-family tests will be skipped"; }

# wrk (Debian package) for benchmarks/generator_ceiling.py's row of this machine's HTTP limit; installed only
# when missing, and only by the benchmarks that use it (the tests do not).
bench-deps: setup
	@command -v wrk >/dev/null || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) \
	    || echo "warning: could not install wrk; generator_ceiling.py will skip its row"; }

lint: setup
	$(VENV)/bin/ruff check bench tests
	$(VENV)/bin/ruff format --check bench tests

typecheck: setup
	$(VENV)/bin/mypy

pytest: setup browser-deps
	$(VENV)/bin/pytest -q --durations=30

test: lint typecheck pytest

bench-kernels: setup
	$(VENV)/bin/pytest tests/bench_kernels.py --benchmark-enable --benchmark-only --benchmark-group-by=group

core: setup
	$(VENV)/bin/chainmark core

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache
