"""How a message is read while a form waits: cancelling, emergencies, side questions."""

from __future__ import annotations

from typing import Any

import pytest

from vigie.conversation import forms


def parsed(text: str, intent: str | None, confidence: float = 0.9) -> dict[str, Any]:
    """A message as Rasa's NLU hands it over (``parse_data``)."""
    return {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": []}


@pytest.mark.parametrize(
    ("text", "confidence", "cancels"),
    [
        ("/cancel", 0.1, True),  # the « Annuler » button, whatever the confidence
        ("annuler", 0.5, True),
        ("laisse tomber", 0.5, True),
        ("laisse tomber", 0.49, False),
        ("non finalement on laisse tomber", 0.8, True),  # 5 words, sure
        ("non finalement on laisse tomber", 0.79, False),
        ("non finalement je préfère tout arrêter là", 0.95, False),  # 7 words
        ("on arrete les soins", 0.6, False),  # describes a problem
    ],
)
def test_a_cancellation_is_the_button_or_short_and_clear(
    text: str, confidence: float, cancels: bool
) -> None:
    assert forms.wants_to_cancel(parsed(text, "cancel", confidence)) is cancels


def test_only_the_cancel_intent_cancels() -> None:
    assert not forms.wants_to_cancel(parsed("/cancel", "deny", 1.0))
    assert not forms.wants_to_cancel({"text": "annuler"})


@pytest.mark.parametrize(
    ("intent", "confidence", "urgent"),
    [
        ("declare_incident", 0.6, True),
        ("lost_device", 0.95, True),
        ("declare_incident", 0.59, False),
        ("faq", 0.99, False),
        (None, 1.0, False),
    ],
)
def test_an_emergency_is_an_incident_or_a_lost_device_with_confidence(
    intent: str | None, confidence: float, urgent: bool
) -> None:
    assert forms.is_urgent(parsed("x", intent, confidence)) is urgent


def test_side_questions_need_a_known_intent_and_the_threshold() -> None:
    assert forms.side_question(parsed("c'est quoi la 2FA ?", "faq", 0.5)) == "faq"
    assert forms.side_question(parsed("t'es un robot", "bot_challenge", 0.7)) == "bot_challenge"
    assert forms.side_question(parsed("/email_received", "email_received", 1.0)) == (
        "email_received"
    )
    assert forms.side_question(parsed("c'est quoi la 2FA ?", "faq", 0.49)) is None
    assert forms.side_question(parsed("la 2FA", "faq", 0.55), threshold=0.6) is None
    assert forms.side_question(parsed("l'imprimante", "inform", 0.99)) is None
    assert forms.side_question(parsed("annuler", "cancel", 0.99)) is None
    assert forms.side_question({"text": "x"}) is None


def test_a_question_ends_with_a_question_mark() -> None:
    assert forms.is_question("c'est grave ?  ")
    assert not forms.is_question("l'imprimante ne marche plus")


def test_intent_of_reads_name_and_confidence() -> None:
    assert forms.intent_of(parsed("x", "faq", 0.7)) == ("faq", 0.7)
    assert forms.intent_of({}) == (None, 0.0)
