"""What a Telegram message says: its text, with the targets of its hidden links shown."""

from __future__ import annotations

import logging

from telegram import (
    Message,
    MessageEntity,
)

logger = logging.getLogger(__name__)


def text_with_links(message: Message) -> str:
    """The message's text where each link hidden behind words shows its target, as mail
    clients write it in plain text: « ces mots <https://cible> »."""
    text = message.text or ""
    links = sorted(
        (e for e in message.entities or () if e.type == MessageEntity.TEXT_LINK and e.url),
        key=lambda entity: entity.offset,
    )
    if not links:
        return text
    encoded = text.encode("utf-16-le")  # entity offsets count UTF-16 code units
    parts: list[str] = []
    position = 0
    for entity in links:
        end = (entity.offset + entity.length) * 2
        if end < position:
            continue
        parts.append(encoded[position:end].decode("utf-16-le", errors="replace"))
        parts.append(f" <{entity.url}>")
        position = end
    parts.append(encoded[position:].decode("utf-16-le", errors="replace"))
    return "".join(parts)
