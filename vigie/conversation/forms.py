"""How a message is read while a Rasa form waits for an answer.

The forms (ticket, follow-up, suspicious e-mail) receive every message of the person. A
message can stop the form (« Annuler »), be an emergency whose reflexes come first, or be a
question asked instead of an answer: it is answered, then the form asks its question again.
These rules read the NLU's result (``parse_data``: intent, confidence, text) only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# « Annuler » (button) always cancels a form; a typed message only when it is short and
# clearly a cancellation (« on arrete les soins » describes a problem, it cancels nothing).
CANCEL_INTENT = "cancel"
CANCEL_SHORT_WORDS, CANCEL_SHORT_CONFIDENCE = 2, 0.5
CANCEL_MAX_WORDS, CANCEL_CONFIDENCE = 6, 0.8
# An emergency written instead of an answer gets its reflexes first, whatever it contains.
URGENT_INTENTS = frozenset({"declare_incident", "lost_device"})
URGENT_CONFIDENCE = 0.6
#: Sent by the bot when a suspicious e-mail was analysed (``/email_received{…}``).
EMAIL_INTENT = "email_received"
#: Intents answered in the middle of a form by the action that answers them outside it.
SIDE_QUESTION_INTENTS = frozenset(
    {
        "faq",
        "declare_incident",
        "lost_device",
        "report_phishing",
        "help",
        "bot_challenge",
        "ticket_status",
        EMAIL_INTENT,
    }
)
SIDE_QUESTION_CONFIDENCE = 0.5
#: A question mark makes a free-text answer a question only with this confidence.
PROBLEM_QUESTION_CONFIDENCE = 0.6


def intent_of(message: Mapping[str, Any]) -> tuple[str | None, float]:
    """The intent the NLU recognised in ``message`` (``parse_data``) and its confidence."""
    intent = message.get("intent") or {}
    name = intent.get("name")
    return (name if isinstance(name, str) else None), float(intent.get("confidence") or 0.0)


def wants_to_cancel(message: Mapping[str, Any]) -> bool:
    """The message cancels the form in progress: the button, or a short clear « annuler »."""
    intent = message.get("intent") or {}
    if intent.get("name") != CANCEL_INTENT:
        return False
    text = (message.get("text") or "").strip()
    if text.startswith("/"):
        return True
    words = len(text.split())
    confidence = intent.get("confidence") or 0.0
    return (words <= CANCEL_SHORT_WORDS and confidence >= CANCEL_SHORT_CONFIDENCE) or (
        words <= CANCEL_MAX_WORDS and confidence >= CANCEL_CONFIDENCE
    )


def is_urgent(message: Mapping[str, Any]) -> bool:
    """The message is an incident or a lost device, recognised with confidence."""
    name, confidence = intent_of(message)
    return name in URGENT_INTENTS and confidence >= URGENT_CONFIDENCE


def side_question(
    message: Mapping[str, Any], threshold: float = SIDE_QUESTION_CONFIDENCE
) -> str | None:
    """The intent of a question to answer before the form goes on, or ``None``."""
    name, confidence = intent_of(message)
    if name in SIDE_QUESTION_INTENTS and confidence >= threshold:
        return name
    return None


def is_question(text: str) -> bool:
    """A free-text answer written as a question (it ends with « ? »)."""
    return text.rstrip().endswith("?")
