"""Custom actions run on hand-built trackers, as the action server would run them."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from actions.common import close_store
from actions.faq import (
    ActionAnswerFaq,
    ActionHelpMenu,
    ActionIncidentReflexes,
    ActionLostDevice,
    ActionOutOfScope,
    ActionSuggestTopics,
    candidate_topics,
)
from vigie.core import reflexes
from vigie.core.messages import Button, OutgoingMessage
from vigie.core.settings import ROOT, get_settings
from vigie.knowledge import KnowledgeBase, get_knowledge_base, render_article, texts

NBSP = "\u00a0"
REWIND = [{"event": "rewind", "timestamp": None}]
CONTACTS = {
    "provider_name": "Infogérance <Sud>",
    "provider_hotline": "04 11 22 33 44",
    "provider_oncall": "06 55 66 77 88",
    "helpdesk_email": "aide@infogerance.example",
    "dpo_contact": "M. Martin (DPO)",
    "referent_contact": "Mme Durand",
}
CONTACTS["call"] = reflexes.call(CONTACTS, night=False)  # PROVIDER_HOURS=24/7: the day's order

ARTICLE = """\
---
id: {id}
title: {title}
keywords: [mot]
related: [{related}]
sources: ["Source"]
last_review: 2026-11-29
---
Introduction de {id}.

## Ce qu’il faut faire
1. Faire ceci.

## À ne jamais faire
- Faire cela.

## Qui prévenir
{{provider_name}} au {{provider_hotline}}.
"""
ARTICLES = {
    "mfa": ("La double authentification", "password_strength"),
    "password_strength": ("Choisir un mot de passe solide", "mfa"),
    "phishing_recognize": ("Reconnaître un mail piégé", "mfa"),
    "incident_reporting": ("Signaler un incident", "phishing_recognize"),
    "cps_card": ("La carte CPS", ""),
}


@pytest.fixture
def kb_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A small knowledge base and known contacts, through the real settings."""
    directory = tmp_path / "knowledge"
    directory.mkdir()
    for article_id, (title, related) in ARTICLES.items():
        text = ARTICLE.format(id=article_id, title=title, related=related)
        (directory / f"{article_id}.md").write_text(text, encoding="utf-8")
    monkeypatch.setenv("KNOWLEDGE_DIR", str(directory))
    for key, value in CONTACTS.items():
        if key != "call":
            monkeypatch.setenv(key.upper(), value)
    monkeypatch.setenv("PROVIDER_HOURS", "24/7")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'vigie.db'}")
    get_settings.cache_clear()
    get_knowledge_base.cache_clear()
    yield directory
    get_settings.cache_clear()
    get_knowledge_base.cache_clear()


@pytest.fixture
def kb(kb_dir: Path) -> KnowledgeBase:
    return KnowledgeBase.load(kb_dir)


def tracker(latest_message: dict[str, Any]) -> Tracker:
    events = [{"event": "user", "text": latest_message.get("text"), "parse_data": latest_message}]
    return Tracker("chat-42", {}, latest_message, events, False, None, {}, "action_listen")


async def _finish(result: Awaitable[Any]) -> Any:
    """The action's events, its database closed in the loop that opened it."""
    try:
        return await result
    finally:
        await close_store()


def run(action: Action, latest_message: dict[str, Any]) -> tuple[list[Any], list[OutgoingMessage]]:
    """Run the action; return its events and what it sent, read as the front ends do."""
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, tracker(latest_message), {})
    events = asyncio.run(_finish(result)) if inspect.isawaitable(result) else result
    sent = [OutgoingMessage.from_rasa(m) for m in dispatcher.messages]
    assert all(m["custom"]["vigie"] == 1 for m in dispatcher.messages)
    assert all(m is not None for m in sent)
    return events, [m for m in sent if m is not None]


def button_message(article_id: str) -> dict[str, Any]:
    """What Rasa's regex interpreter makes of the payload ``/faq{"article":"<id>"}``."""
    text = f'/faq{{"article":"{article_id}"}}'
    return {
        "text": text,
        "intent": {"name": "faq", "confidence": 1.0},
        "intent_ranking": [{"name": "faq", "confidence": 1.0}],
        "entities": [{"entity": "article", "start": 4, "end": len(text), "value": article_id}],
        "message_id": "b1",
        "metadata": {},
    }


def nlu_message(
    text: str, ranking: list[tuple[str, float]], faq: list[tuple[str, float]]
) -> dict[str, Any]:
    """Parse data as Rasa 3.6 produces it (DIET + ResponseSelector + FallbackClassifier)."""
    intent_ranking = [{"name": name, "confidence": conf} for name, conf in ranking]
    message: dict[str, Any] = {
        "text": text,
        "intent": intent_ranking[0],
        "intent_ranking": intent_ranking,
        "entities": [],
        "message_id": "m1",
        "metadata": {},
    }
    if faq:
        best, confidence = faq[0]
        message["response_selector"] = {
            "all_retrieval_intents": ["faq"],
            "default": {
                "response": {
                    "responses": None,
                    "confidence": 0.0,
                    "intent_response_key": None,
                    "utter_action": "utter_None",
                },
                "ranking": [],
            },
            "faq": {
                "response": {
                    "responses": [{"text": best.removeprefix("faq/")}],
                    "confidence": confidence,
                    "intent_response_key": best,
                    "utter_action": f"utter_{best}",
                },
                "ranking": [
                    {"id": -1000 - n, "confidence": conf, "intent_response_key": key}
                    for n, (key, conf) in enumerate(faq)
                ],
            },
        }
    return message


# --- action_answer_faq ----------------------------------------------------------------------


def test_answer_faq_from_a_button(kb: KnowledgeBase) -> None:
    events, sent = run(ActionAnswerFaq(), button_message("mfa"))
    assert events == []
    assert sent == render_article(kb.get("mfa"), CONTACTS, kb)
    [message] = sent
    assert message.html.startswith("<b>La double authentification</b>\n\nIntroduction de mfa.")
    assert "Infogérance &lt;Sud&gt; au 04 11 22 33 44." in message.html
    assert message.buttons == (
        Button("Choisir un mot de passe solide", '/faq{"article":"password_strength"}'),
    )
    assert message.article_id == "mfa"


def test_answer_faq_from_the_response_selector(kb: KnowledgeBase) -> None:
    parse = nlu_message(
        "c koi la double authentif",
        [("faq", 0.93), ("help", 0.03)],
        [("faq/mfa", 0.88), ("faq/password_strength", 0.07)],
    )
    events, sent = run(ActionAnswerFaq(), parse)
    assert events == []
    assert [m.article_id for m in sent] == ["mfa"]
    assert sent == render_article(kb.get("mfa"), CONTACTS, kb)


def test_the_button_entity_wins_over_the_response_selector() -> None:
    parse = nlu_message("x", [("faq", 0.9)], [("faq/mfa", 0.9)])
    parse["entities"] = button_message("cps_card")["entities"]
    _, sent = run(ActionAnswerFaq(), parse)
    assert [m.article_id for m in sent] == ["cps_card"]


@pytest.mark.parametrize(
    "parse",
    [
        button_message("nope"),
        nlu_message("x", [("faq", 0.9)], [("faq/wifi", 0.9)]),  # not in this knowledge base
        nlu_message("x", [("faq", 0.9)], []),
    ],
    ids=["entity", "selector", "nothing"],
)
def test_unknown_article_gets_an_honest_answer(kb_dir: Path, parse: dict[str, Any]) -> None:
    events, sent = run(ActionAnswerFaq(), parse)
    assert events == []
    assert sent == [
        OutgoingMessage(
            texts.render_text(texts.FAQ_NOT_FOUND, CONTACTS),
            (Button("Ce que je sais faire", "/help"),),
        )
    ]
    assert sent[0].html.startswith("Je n’ai pas de fiche sur ce sujet.")
    assert sent[0].article_id is None


def test_broken_knowledge_base_still_answers_and_recovers(kb_dir: Path) -> None:
    good = (kb_dir / "mfa.md").read_text(encoding="utf-8")
    (kb_dir / "mfa.md").write_text(good.replace("{provider_hotline}", "{nope}"), encoding="utf-8")
    events, sent = run(ActionAnswerFaq(), button_message("mfa"))
    assert events == []
    assert [m.html for m in sent] == [texts.render_text(texts.KNOWLEDGE_UNAVAILABLE, CONTACTS)]
    assert "06 55 66 77 88" in sent[0].html

    # The reflexes never depend on the articles.
    _, sent = run(ActionIncidentReflexes(), {"intent": {"name": "declare_incident"}})
    assert sent == [OutgoingMessage(texts.render_text(texts.INCIDENT_REFLEXES, CONTACTS))]

    # A failed load is not cached: once the file is fixed, articles are back.
    (kb_dir / "mfa.md").write_text(good, encoding="utf-8")
    _, sent = run(ActionAnswerFaq(), button_message("mfa"))
    assert [m.article_id for m in sent] == ["mfa"]


# --- action_suggest_topics ------------------------------------------------------------------


def test_fallback_offers_the_two_likeliest_topics(kb: KnowledgeBase) -> None:
    parse = nlu_message(
        "jai recu un truc bizar sur ma boite",
        [
            ("nlu_fallback", 0.45),
            ("faq", 0.38),
            ("greet", 0.21),
            ("report_phishing", 0.19),
            ("declare_incident", 0.12),
            ("out_of_scope", 0.05),
        ],
        [("faq/phishing_recognize", 0.61), ("faq/mfa", 0.2), ("faq/password_strength", 0.1)],
    )
    events, sent = run(ActionSuggestTopics(), parse)
    assert events == REWIND
    assert sent == [
        OutgoingMessage(
            f"Vous voulez parler de…{NBSP}?",
            (
                Button("Reconnaître un mail piégé", '/faq{"article":"phishing_recognize"}'),
                Button("Signaler un mail suspect", "/report_phishing"),
                Button("Autre chose", "/out_of_scope"),
            ),
        )
    ]


def test_fallback_fills_in_with_the_next_article(kb_dir: Path) -> None:
    parse = nlu_message(
        "mot de pass",
        [("nlu_fallback", 0.45), ("faq", 0.41), ("thank", 0.3), ("bot_challenge", 0.2)],
        [("faq/password_strength", 0.5), ("faq/mfa", 0.3)],
    )
    events, sent = run(ActionSuggestTopics(), parse)
    assert events == REWIND
    assert [b.payload for b in sent[0].buttons] == [
        '/faq{"article":"password_strength"}',
        '/faq{"article":"mfa"}',
        "/out_of_scope",
    ]


def test_fallback_without_usable_topic_is_honest(kb_dir: Path) -> None:
    parse = nlu_message(
        "quel temps demain",
        [("nlu_fallback", 0.45), ("greet", 0.3), ("out_of_scope", 0.2), ("goodbye", 0.1)],
        [],
    )
    events, sent = run(ActionSuggestTopics(), parse)
    assert events == REWIND
    assert sent == [OutgoingMessage(texts.render_text(texts.OUT_OF_SCOPE, CONTACTS))]
    assert "Infogérance &lt;Sud&gt;" in sent[0].html
    assert "aide@infogerance.example" in sent[0].html


def test_candidate_topics_follow_the_ranking() -> None:
    parse = nlu_message(
        "x",
        [("nlu_fallback", 0.45), ("help", 0.4), ("faq", 0.3), ("lost_device", 0.2)],
        [("faq/cps_card", 0.7), ("faq/mfa", 0.2)],
    )
    assert candidate_topics(parse) == ["help", "faq/cps_card", "lost_device", "faq/mfa"]
    assert candidate_topics({}) == []
    assert candidate_topics({"intent_ranking": [{"name": "faq", "confidence": 0.5}]}) == []


# --- Immediate advice and menus -------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "template", "buttons"),
    [
        (ActionOutOfScope(), texts.OUT_OF_SCOPE, []),
        (ActionIncidentReflexes(), texts.INCIDENT_REFLEXES, ["incident_reporting"]),
        (ActionLostDevice(), texts.LOST_DEVICE, ["cps_card"]),
    ],
    ids=lambda value: value.name() if isinstance(value, Action) else None,
)
def test_advice_actions_send_one_message(
    kb: KnowledgeBase, action: Action, template: str, buttons: list[str]
) -> None:
    events, sent = run(action, {"text": "...", "intent": {"name": "x", "confidence": 0.9}})
    assert events == []
    assert len(sent) == 1
    assert sent[0].html == texts.render_text(template, CONTACTS)
    assert "Infogérance &lt;Sud&gt;" in sent[0].html
    assert [b.payload for b in sent[0].buttons] == [f'/faq{{"article":"{i}"}}' for i in buttons]


def test_incident_reflexes_come_before_the_phone_call(kb_dir: Path) -> None:
    _, [message] = run(ActionIncidentReflexes(), {})
    plain = message.plain_text()
    assert (
        plain.index("câble réseau") < plain.index("N’éteignez pas") < plain.index("04 11 22 33 44")
    )
    assert "06 55 66 77 88" in plain and "Mme Durand" in plain


def test_help_menu(kb_dir: Path) -> None:
    events, [menu] = run(ActionHelpMenu(), {"intent": {"name": "help", "confidence": 0.99}})
    assert events == []
    assert menu.buttons == (
        Button("Signaler un mail suspect", "/report_phishing"),
        Button("Déclarer un incident", "/declare_incident"),
        Button("Matériel ou carte CPS perdu", "/lost_device"),
        Button("Contacter l’assistance", "/open_ticket"),
        Button("Reconnaître un mail piégé", '/faq{"article":"phishing_recognize"}'),
        Button("Choisir un mot de passe solide", '/faq{"article":"password_strength"}'),
    )


# --- Through the action server's executor ------------------------------------------------------


async def test_the_action_server_registers_the_domain_actions_lazily(kb_dir: Path) -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert set(executor.actions) == set(domain["actions"])
    # Registering imports and instantiates the actions, but loads nothing.
    assert get_settings.cache_info().currsize == 0
    assert get_knowledge_base.cache_info().currsize == 0

    response = await executor.run(
        {
            "next_action": "action_answer_faq",
            "sender_id": "chat-42",
            "tracker": {
                "sender_id": "chat-42",
                "slots": {},
                "latest_message": button_message("mfa"),
                "events": [],
                "paused": False,
                "followup_action": None,
                "active_loop": {},
                "latest_action_name": "action_listen",
            },
            "domain": domain,
            "version": "3.6.21",
        }
    )
    assert response is not None
    assert response["events"] == []
    [message] = [OutgoingMessage.from_rasa(r) for r in response["responses"]]
    assert message is not None
    assert message.article_id == "mfa"
    assert get_knowledge_base.cache_info().currsize == 1
