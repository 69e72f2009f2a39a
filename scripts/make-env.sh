#!/usr/bin/env sh
# Creates .env from .env.example on first run, with a fresh random PSEUDONYM_SECRET.
set -eu
[ -f .env ] && exit 0
umask 077  # the secret is never readable by others, not even for an instant
secret=$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')
sed "s/^PSEUDONYM_SECRET=.*/PSEUDONYM_SECRET=$secret/" .env.example > .env
chmod 600 .env  # (already: umask)
echo "Fichier .env créé (secret de pseudonymisation généré). Ajoutez-y TELEGRAM_BOT_TOKEN pour Telegram."
