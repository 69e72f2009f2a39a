"""The chat channels: a chat id as destination (the outbox adds e-mail)."""

from __future__ import annotations

CHAT_CHANNELS = ("telegram", "terminal")
