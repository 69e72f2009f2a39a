"""No user text names an intent: what reaches Rasa as ``/intent{…}`` comes from Vigie only.

Rasa reads a message starting with ``/`` as an intent with its entities at confidence 1.0
(``/email_received{"phishing_report":"7"}``), and it strips whitespace first, so « / intent »
works too. Three kinds of messages reach Rasa (``vigie.conversation.pipeline.RASA_KINDS``):

- **typed text** is neutralised by :func:`neutralise`: invisible characters, spaces and slashes
  before the first word are removed, so the NLU reads the words as words (the person still
  gets an answer; the stored turn keeps what they typed, redacted);
- **button presses** carry Vigie's own payloads; :func:`button_allowed` accepts only the
  intents of :data:`BUTTON_INTENTS`, each with the entity names it may carry, as short strings;
- **e-mail reports** (kind ``email``) are written by the intake itself, never by a person.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Final

__all__ = ["BUTTON_INTENTS", "button_allowed", "neutralise"]

#: The intents Vigie's buttons carry, with the entities each may set.
BUTTON_INTENTS: Final[dict[str, frozenset[str]]] = {
    "report_phishing": frozenset(),
    "declare_incident": frozenset(),
    "lost_device": frozenset(),
    "open_ticket": frozenset(),
    "ticket_status": frozenset(),
    "help": frozenset(),
    "out_of_scope": frozenset(),
    "cancel": frozenset(),
    "faq": frozenset({"article"}),
    "inform": frozenset({"choice"}),
    "add_info": frozenset({"ticket_ref"}),
}
MAX_PAYLOAD_CHARS = 64  # Telegram's callback data is 64 bytes at most
MAX_VALUE_CHARS = 40
_BUTTON = re.compile(r"/([a-z_]{1,32})(\{.{0,60}\})?", re.DOTALL)
_VALUE = re.compile(r"[A-Za-z0-9_.-]{1,40}")
# Characters that show nothing, or only space, before the first word.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp", "Mn", "Me"})
# What Rasa or a reader could take for the intent prefix.
_SLASHES = frozenset("/\u2044\u2215\u29f8\uff0f")


def _is_blank(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in _INVISIBLE_CATEGORIES


def neutralise(text: str) -> str:
    """``text`` without the blanks and slashes before its first word, when it starts with a
    slash (after blanks); unchanged otherwise."""
    start = 0
    while start < len(text) and _is_blank(text[start]):
        start += 1
    if start >= len(text) or text[start] not in _SLASHES:
        return text
    while start < len(text) and (text[start] in _SLASHES or _is_blank(text[start])):
        start += 1
    return text[start:]


def button_allowed(data: str) -> bool:
    """Whether ``data`` is one of Vigie's own button payloads: an intent of
    :data:`BUTTON_INTENTS` and, optionally, a JSON object of its allowed entities with short,
    plain string values."""
    if len(data) > MAX_PAYLOAD_CHARS:
        return False
    match = _BUTTON.fullmatch(data)
    if match is None or match.group(1) not in BUTTON_INTENTS:
        return False
    if match.group(2) is None:
        return True
    try:
        entities = json.loads(match.group(2))
    except ValueError:
        return False
    allowed = BUTTON_INTENTS[match.group(1)]
    return (
        isinstance(entities, dict)
        and bool(entities)
        and all(
            key in allowed and isinstance(value, str) and _VALUE.fullmatch(value) is not None
            for key, value in entities.items()
        )
    )
