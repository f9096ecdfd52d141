# The README's two commands:  make tutorial  (set up, then run the tutorial)  and  make test.
# Each creates .venv if missing, installs torch==2.13.0 first (the CPU wheel this machine has on disk;
# the package itself only asks for torch>=2.3), then vaelab, then runs.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
TORCH_PIN ?= torch==2.13.0
PROFILE ?= quick
OUT ?= tutorial-out

.PHONY: tutorial test bench lint fashion-mnist clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.torch: | $(PY)
	$(PIP) install -q $(TORCH_PIN)
	touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.torch
	$(PIP) install -q -e '.[notebook]'
	touch $@

# The tests also exercise the optional extras: Ray sweeps and TensorBoard/MLflow tracking.
$(VENV)/.installed-dev: pyproject.toml $(VENV)/.torch
	$(PIP) install -q -e '.[dev,ray,tensorboard,mlflow]'
	touch $@ $(VENV)/.installed

# bench/peers.py's peers (pythae) come with the `bench` extra.
$(VENV)/.installed-bench: pyproject.toml $(VENV)/.torch
	$(PIP) install -q -e '.[bench]'
	touch $@ $(VENV)/.installed

tutorial: $(VENV)/.installed
	$(VENV)/bin/vaelab tutorial --profile $(PROFILE) --out $(OUT)

test: $(VENV)/.installed-dev
	$(PY) -m pytest

# vaelab against pythae, the pytorch/examples pipeline and the compute floor (several minutes on 2 cores);
# BENCH_ARGS passes options, e.g. make bench BENCH_ARGS=--smoke
bench: $(VENV)/.installed-bench
	$(PY) bench/peers.py $(BENCH_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check src tests bench

# Debian's Fashion-MNIST (the tutorial's full profile uses it); needs apt and root, skipped otherwise.
fashion-mnist:
	@if [ -d /usr/share/datasets/fashion-mnist ]; then echo "fashion-mnist: already installed";\
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then apt-get install -y -q dataset-fashion-mnist;\
	else echo "fashion-mnist: install Debian's dataset-fashion-mnist, or let vaelab download it"; fi

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
