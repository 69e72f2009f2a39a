# Vigie — make help lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
RASA_VENV := .venv-rasa
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
RASA := $(RASA_VENV)/bin/rasa
MODEL := models/vigie.tar.gz
TRAINING_INPUTS := config.yml domain.yml $(shell find nlu_data -name '*.yml' 2>/dev/null)
export UV_PYTHON_DOWNLOADS := never
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: corpora ocr imap-server browser reverse-proxy help setup run train test lint eval bench chaos validate clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

setup: $(VENV)/.done $(RASA_VENV)/.done .env ocr ## Create both environments and .env (idempotent)

# Screenshots of suspicious e-mails are read with Tesseract and its French model (Debian's
# packages), installed when missing and when this user may; otherwise say how.
ocr:
	@if ! command -v tesseract >/dev/null || ! tesseract --list-langs 2>/dev/null | grep -qx fra; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "==> Tesseract (lecture des captures d’écran)…"; \
			(apt-get install -y -qq tesseract-ocr tesseract-ocr-fra tesseract-ocr-eng fonts-dejavu-core >/dev/null 2>&1 \
			 || (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq tesseract-ocr tesseract-ocr-fra tesseract-ocr-eng fonts-dejavu-core >/dev/null 2>&1)) \
			 || echo "Tesseract n’a pas pu être installé : les captures d’écran ne seront pas lues."; \
		else \
			echo "Tesseract manque : sudo apt-get install tesseract-ocr tesseract-ocr-fra (captures d’écran)."; \
		fi; \
	fi

# The reporting mailbox's tests talk to a real IMAP server: Dovecot from Debian's packages,
# started by the tests on a free port of 127.0.0.1 (never as a system service).
imap-server:
	@if ! command -v dovecot >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "==> Dovecot (serveur IMAP des tests de la boîte de signalement)…"; \
			(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null 2>&1 \
			 || (apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null 2>&1)) \
			 || echo "Dovecot n’a pas pu être installé : les tests IMAP échoueront."; \
		else \
			echo "Dovecot manque : sudo apt-get install dovecot-imapd (tests de la boîte de signalement)."; \
		fi; \
	fi

# The console's browser tests drive Debian's Chromium (a browser cannot be downloaded here),
# installed when missing and when this user may; otherwise say how.
browser:
	@if ! command -v chromium >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "==> Chromium (tests de la console dans un vrai navigateur)…"; \
			(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 \
			 || (apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1)) \
			 || echo "Chromium n’a pas pu être installé : les tests de la console dans le navigateur échoueront."; \
		else \
			echo "Chromium manque : sudo apt-get install chromium (tests de la console)."; \
		fi; \
	fi

# The deployment's tests (tests/deploy/) start Debian's nginx with a configuration of their own
# on a free port of 127.0.0.1 (never as a system service) and read the systemd units with
# systemd-analyze: both installed when missing and when this user may; otherwise say how.
reverse-proxy:
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "==> nginx (tests du proxy inverse devant les processus du bot)…"; \
			(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null 2>&1 \
			 || (apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null 2>&1)) \
			 || echo "nginx n’a pas pu être installé : les tests du déploiement échoueront."; \
		else \
			echo "nginx manque : sudo apt-get install nginx (tests du déploiement)."; \
		fi; \
	fi
	@if ! command -v systemd-analyze >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "==> systemd-analyze (vérification des unités systemd du déploiement)…"; \
			(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null 2>&1 \
			 || (apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null 2>&1)) \
			 || echo "systemd n’a pas pu être installé : les tests du déploiement échoueront."; \
		else \
			echo "systemd-analyze manque : sudo apt-get install systemd (tests du déploiement)."; \
		fi; \
	fi

# Libraries are installed with their bytecode compiled (--compile-bytecode): where Python does
# not write it itself (PYTHONDONTWRITEBYTECODE, read-only folders), every process start would
# compile them again, 1.3 s of each start of the bot and more of Rasa's on this machine.
$(VENV)/.done: requirements/app.lock pyproject.toml
	@echo "==> Environnement de l'application ($(VENV), Python 3.11)…"
	@test -x $(PY) || $$(scripts/find-python.sh 3.11) -m venv $(VENV)
	@test -x $(UV) || $(VENV)/bin/pip install --quiet --progress-bar off uv==0.13.9
	@$(UV) pip sync --quiet --compile-bytecode -p $(PY) requirements/app.lock
	@$(UV) pip install --quiet -p $(PY) --no-deps -e .
	@touch $@

$(RASA_VENV)/.done: requirements/rasa.lock $(VENV)/.done
	@echo "==> Environnement de Rasa ($(RASA_VENV), Python 3.10) — quelques minutes la première fois…"
	@test -x $(RASA_VENV)/bin/python || $(UV) venv --quiet -p $$(scripts/find-python.sh 3.10) $(RASA_VENV)
	@$(UV) pip sync --compile-bytecode -p $(RASA_VENV)/bin/python requirements/rasa.lock
	@touch $@

.env: | $(VENV)/.done
	@scripts/make-env.sh

$(MODEL): $(TRAINING_INPUTS) | $(RASA_VENV)/.done
	@echo "==> Entraînement du modèle Rasa (quelques minutes, progression ci-dessous)…"
	@PYTHONPATH=$(CURDIR) $(RASA) train --config config.yml --domain domain.yml --data nlu_data \
		--out models --fixed-model-name vigie --num-threads 2
	@touch $@

train: setup $(MODEL) ## Train the Rasa model if the training data changed

validate: setup ## Check the Rasa training data (no warnings allowed)
	@$(PY) scripts/validate_data.py

run: setup $(MODEL) ## Start Vigie (terminal chat without TELEGRAM_BOT_TOKEN)
	@$(PY) -m bot run

lint: $(VENV)/.done $(RASA_VENV)/.done ## ruff (lint + format check), mypy, import contracts (import-linter)
	@echo "==> Lint"
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy
	@out=$$(PYTHONPATH=$(CURDIR) $(VENV)/bin/lint-imports --no-cache 2>&1) || { echo "$$out"; exit 1; }; \
		echo "$$out" | tail -n 1
	@$(VENV)/bin/mypy --config-file mypy-rasa.ini --python-executable $(RASA_VENV)/bin/python

test: setup imap-server browser reverse-proxy lint validate $(MODEL) ## Lint, then the whole test suite (unit, Rasa, end to end)
	@echo "==> Tests"
	@$(VENV)/bin/pytest -q -p no:cacheprovider -n 2 --dist loadfile -m "not alone"
	@echo "==> Tests qui mesurent des délais (seuls sur la machine)"
	@$(VENV)/bin/pytest -q -p no:cacheprovider -m alone

eval: setup $(MODEL) ## NLU evaluation on both held-out sets (vs Rasa's default pipeline, fallback threshold curve), then the e-mail analyser's (own corpora, then real ones: make corpora), then redaction's
	@$(PY) scripts/eval_nlu.py
	@$(PY) scripts/eval_mail.py
	@$(PY) scripts/eval_mail.py --heldout
	@$(PY) scripts/eval_real_mail.py --heldout --json results/eval_real_mail.json
	@$(PY) scripts/eval_redaction.py --heldout

corpora: setup ## Fetch the real public e-mail corpora of make eval into var/corpora (GitHub or a local mirror)
	@$(PY) scripts/real_corpora.py fetch

bench: setup $(MODEL) ## End-to-end latency and throughput, ticket notification latency, suspicious e-mail verdict latency, console pages on a year of data, the tips' batch, 1 and 2 Rasa servers and bot processes (PostgreSQL and Redis)
	@$(PY) scripts/bench.py
	@$(PY) scripts/bench_tickets.py
	@$(PY) scripts/bench_phishing.py
	@$(PY) scripts/bench_console.py
	@$(PY) scripts/bench_tips.py
	@$(PY) scripts/bench_scale.py

chaos: setup $(MODEL) ## Chaos test: the real stack, the bot SIGKILLed, Rasa stopped, on SQLite and PostgreSQL (CHAOS_ARGS="--short --db sqlite --seed 2")
	@$(PY) scripts/chaos.py $(CHAOS_ARGS)

clean: ## Remove environments, models and local data
	rm -rf $(VENV) $(RASA_VENV) models var results
