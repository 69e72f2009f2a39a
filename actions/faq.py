"""Questions and advice: FAQ articles, the fallback's suggestions, the help menu, the
reflexes (incident, lost device, suspicious e-mail).

The action server imports this module at start: nothing is loaded here. The settings and
the knowledge base are read on the first call, once, through cached getters
(``get_settings`` and ``get_knowledge_base``; ``cache_clear()`` them to reload).
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.common import DomainDict, contacts, input_channel, send, store
from vigie.core.messages import OutgoingMessage
from vigie.core.settings import get_settings
from vigie.knowledge import KnowledgeBase, KnowledgeError, get_knowledge_base, render_article, texts
from vigie.phishing.disclosure import typed_a_secret
from vigie.phishing.service import PhishingService, expected_chat

logger = logging.getLogger(__name__)

FAQ_INTENT = "faq"
FALLBACK_INTENT = "nlu_fallback"
ARTICLE_ENTITY = "article"
SUGGESTION_COUNT = 2


def knowledge_base() -> KnowledgeBase | None:
    """The knowledge base, or ``None`` (logged) if the articles cannot be loaded."""
    try:
        return get_knowledge_base()
    except KnowledgeError:
        logger.exception("The knowledge base cannot be loaded")
        return None


def requested_article(parse_data: dict[str, Any]) -> str | None:
    """The article asked for: the ``article`` entity (buttons), else the ResponseSelector's."""
    for entity in parse_data.get("entities") or []:
        if isinstance(entity, dict) and entity.get("entity") == ARTICLE_ENTITY:
            value = entity.get("value")
            if isinstance(value, str) and value:
                return value
    selector = (parse_data.get("response_selector") or {}).get(FAQ_INTENT) or {}
    key = (selector.get("response") or {}).get("intent_response_key")
    if isinstance(key, str) and key.startswith(f"{FAQ_INTENT}/"):
        return key.removeprefix(f"{FAQ_INTENT}/") or None
    return None


def candidate_topics(parse_data: dict[str, Any]) -> list[str]:
    """Topics the user may have meant, likeliest first: intent names and ``faq/<id>``.

    Follows ``intent_ranking`` without ``nlu_fallback``; ``faq`` stands for the best
    article of the ResponseSelector, and the other articles come last.
    """
    selector = (parse_data.get("response_selector") or {}).get(FAQ_INTENT) or {}
    articles = [
        key
        for item in selector.get("ranking") or []
        if isinstance(item, dict)
        and isinstance(key := item.get("intent_response_key"), str)
        and key.startswith(f"{FAQ_INTENT}/")
    ]
    topics: list[str] = []
    for item in parse_data.get("intent_ranking") or []:
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or name == FALLBACK_INTENT:
            continue
        if name == FAQ_INTENT:
            if articles:
                topics.append(articles.pop(0))
        elif name not in topics:
            topics.append(name)
    return topics + articles


class ActionAnswerFaq(Action):  # type: ignore[misc]
    """Send the knowledge-base article the user asked for."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        known = await contacts(tracker)
        kb = knowledge_base()
        article_id = requested_article(tracker.latest_message)
        if kb is None:
            send(dispatcher, texts.advice(texts.KNOWLEDGE_UNAVAILABLE, known))
        elif article_id is None or article_id not in kb:
            logger.info("No article for the requested id")
            message = texts.advice(texts.FAQ_NOT_FOUND, known)
            send(dispatcher, OutgoingMessage(message.html, (texts.intent_button("help"),)))
        else:
            logger.info("Answering with article %s", article_id)
            send(dispatcher, *render_article(kb.get(article_id), known, kb))
        return []


class ActionSuggestTopics(Action):  # type: ignore[misc]
    """Low NLU confidence: offer the two likeliest topics, then forget the turn."""

    def name(self) -> str:
        return "action_suggest_topics"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        topics = candidate_topics(tracker.latest_message)
        message = texts.suggestions(
            topics, await contacts(tracker), knowledge_base(), limit=SUGGESTION_COUNT
        )
        send(dispatcher, message)
        return [UserUtteranceReverted()]


class _AdviceMixin:
    """Send one fixed piece of advice, with buttons to related articles.

    A mixin rather than an ``Action`` subclass: the action server registers every
    subclass of ``Action``, and this one has no name of its own.
    """

    action_name = ""
    template = ""
    articles: tuple[str, ...] = ()

    def name(self) -> str:
        return self.action_name

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        kb = knowledge_base() if self.articles else None
        send(dispatcher, texts.advice(self.template, await contacts(tracker), kb, self.articles))
        return []


class ActionHelpMenu(Action):  # type: ignore[misc]
    """What Vigie can do, as buttons."""

    def name(self) -> str:
        return "action_help_menu"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        send(dispatcher, texts.help_menu(await contacts(tracker), knowledge_base()))
        return []


class ActionOutOfScope(_AdviceMixin, Action):  # type: ignore[misc]
    """Say honestly that Vigie cannot help, and who can."""

    action_name = "action_out_of_scope"
    template = texts.OUT_OF_SCOPE


class ActionReportPhishing(Action):  # type: ignore[misc]
    """Suspicious e-mail: how to send it to Vigie, and the reflexes if already clicked.

    The person's next message is then read as the e-mail even without headers
    (``PhishingService.expect``); the advice is sent even if that cannot be recorded.
    """

    def name(self) -> str:
        return "action_report_phishing"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        kb = knowledge_base()
        said = str((tracker.latest_message or {}).get("text") or "")
        if typed_a_secret(said):  # « j'ai cliqué et mis mon mot de passe »: change it first
            send(dispatcher, texts.advice(texts.CREDENTIAL_FIRST, await contacts(tracker)))
        send(
            dispatcher,
            texts.advice(
                texts.REPORT_PHISHING, await contacts(tracker), kb, texts.REPORT_PHISHING_ARTICLES
            ),
        )
        await expect_email(tracker)
        return []


async def expect_email(tracker: Tracker) -> None:
    """Record that the person is about to send the e-mail to check; never raises."""
    try:
        s = await store()
        person = await s.directory.person_by_sender(tracker.sender_id)
        channel, chat_id = expected_chat(person, input_channel(tracker))
        await PhishingService(s.sessions, get_settings()).expect(
            tracker.sender_id, channel, chat_id
        )
    except Exception:
        logger.exception("The expected e-mail could not be recorded")


class ActionIncidentReflexes(_AdviceMixin, Action):  # type: ignore[misc]
    """Security incident: the reflexes first, then whom to call."""

    action_name = "action_incident_reflexes"
    template = texts.INCIDENT_REFLEXES
    articles = texts.INCIDENT_ARTICLES


class ActionLostDevice(_AdviceMixin, Action):  # type: ignore[misc]
    """Lost or stolen device or CPS card: declare it at once."""

    action_name = "action_lost_device"
    template = texts.LOST_DEVICE
    articles = texts.LOST_DEVICE_ARTICLES
