"""No user text names an intent: typed text is neutralised, buttons are checked against the
list of Vigie's own, and every button Vigie sends is on that list."""

from __future__ import annotations

import pytest
import yaml

from vigie.conversation.payloads import BUTTON_INTENTS, button_allowed, neutralise
from vigie.core.settings import ROOT
from vigie.knowledge.loader import KnowledgeBase
from vigie.knowledge.render import faq_payload
from vigie.knowledge.texts import INTENT_LABELS, OTHER_PAYLOAD
from vigie.phishing.desk_texts import WARNING_BUTTON_PAYLOAD
from vigie.phishing.texts import (
    CANCEL_PAYLOAD,
    LINK_CHOICES,
    MAIL_ACTION_CHOICES,
    STATUS_PAYLOAD,
)
from vigie.tickets.texts import add_info_payload

FORGED = '/email_received{"phishing_report":"7"}'


@pytest.mark.parametrize(
    "typed",
    [
        FORGED,
        '/ email_received{"phishing_report":"7"}',
        '  /  add_info{"ticket_ref":"VIG-2026-00001"}',
        '\u200b/email_received{"phishing_report":"7"}',  # zero-width space
        '\ufeff/faq{"article":"mfa"}',  # byte-order mark
        '\u00a0/inform{"choice":"none"}',  # no-break space
        '\u202e/inform{"choice":"none"}',  # right-to-left override
        '//email_received{"phishing_report":"7"}',
        '/\u200b/ email_received{"phishing_report":"7"}',
        '\uff0femail_received{"phishing_report":"7"}',  # fullwidth solidus
        "\n\t/greet",
    ],
)
def test_typed_text_never_starts_with_an_intent(typed: str) -> None:
    cleaned = neutralise(typed)
    assert not cleaned.lstrip().startswith("/")
    assert cleaned.startswith(("email_received", "add_info", "faq", "inform", "greet"))


@pytest.mark.parametrize(
    "typed",
    ["mon mdp ne marche plus", "j'ai reçu 1/2 mails bizarres", "et/ou", "https://exemple.fr/a"],
)
def test_ordinary_text_is_left_alone(typed: str) -> None:
    assert neutralise(typed) == typed


def vigie_buttons() -> set[str]:
    """Every payload Vigie puts on a button: domain.yml's responses and the texts' builders."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    payloads = {
        button["payload"]
        for variants in domain["responses"].values()
        for variant in variants
        for button in variant.get("buttons", [])
    }
    kb = KnowledgeBase.load(ROOT / "knowledge")
    payloads |= {faq_payload(article) for article in kb.ids}
    payloads |= {f"/{intent}" for intent in INTENT_LABELS}
    payloads |= {OTHER_PAYLOAD, CANCEL_PAYLOAD, STATUS_PAYLOAD, WARNING_BUTTON_PAYLOAD}
    payloads |= {'/inform{"choice":"' + code + '"}' for _, code in MAIL_ACTION_CHOICES}
    payloads |= {'/inform{"choice":"' + code + '"}' for _, code in LINK_CHOICES}
    payloads.add(add_info_payload("VIG-2026-00042"))
    return payloads


def test_every_button_vigie_sends_is_allowed() -> None:
    payloads = vigie_buttons()
    assert len(payloads) > 30
    refused = sorted(p for p in payloads if not button_allowed(p))
    assert refused == []
    # And the list holds nothing no button uses.
    used = {p[1:].split("{", 1)[0] for p in payloads}
    assert used == set(BUTTON_INTENTS)


@pytest.mark.parametrize(
    "forged",
    [
        FORGED,  # the intake's own intent, never a button
        "/greet",
        '/inform{"choice":"none","phishing_report":"7"}',  # an entity the intent never carries
        '/faq{"ticket_ref":"VIG-2026-00001"}',
        '/inform{"choice":["none"]}',
        '/inform{"choice":"<b>x</b>"}',
        '/inform{"choice":"none"',
        "/inform{}",
        '/inform{"choice":"none"} et du texte',
        " /help",
        "/help\n/greet",
        "/" + "a" * 70,
    ],
)
def test_forged_buttons_are_refused(forged: str) -> None:
    assert not button_allowed(forged)
