"""Vigie's input channel for Rasa 3.6: the REST channel plus what the front end logs.

The answer of ``POST /webhooks/vigie/webhook`` is ``{"messages": [...], "intent": ...,
"confidence": ..., "response_key": ...}``, so the front end can log the turn (intent,
confidence, article) without a second call and without Rasa's HTTP API. Unlike Rasa's own
REST channel, it never logs the message text. Like it, it has no authentication: Rasa must
listen on 127.0.0.1 only.
"""

import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 4096


class VigieInput(InputChannel):
    """REST-like channel answering with the bot messages and the NLU result."""

    @classmethod
    def name(cls) -> Text:
        return "vigie"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        bp = Blueprint("vigie_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = request.json if isinstance(request.json, dict) else {}
            sender = body.get("sender")
            text = body.get("message")
            if not isinstance(sender, str) or not sender or not isinstance(text, str):
                return response.json({"error": "sender and message are required"}, 400)
            metadata: Optional[Dict[Text, Any]] = body.get("metadata")
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        text[:MAX_TEXT_CHARS],
                        collector,
                        sender,
                        input_channel=self.name(),
                        metadata=metadata,
                    )
                )
            except Exception:  # the text is deliberately not logged
                logger.exception("Vigie channel: message handling failed")
                return response.json({"error": "message handling failed"}, 500)
            parse = await _latest_parse(request, sender)
            return response.json({"messages": collector.messages, **parse})

        return bp


async def _latest_parse(request: Request, sender: Text) -> Dict[Text, Any]:
    """Intent, confidence and retrieval response key of the sender's latest message."""
    result: Dict[Text, Any] = {"intent": None, "confidence": None, "response_key": None}
    agent = getattr(request.app.ctx, "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return result
    try:
        tracker = await store.retrieve(sender)
    except Exception:
        logger.exception("Vigie channel: tracker not readable")
        return result
    if tracker is None:
        return result
    latest = tracker.latest_message.parse_data if tracker.latest_message else {}
    intent = latest.get("intent") or {}
    result["intent"] = intent.get("name")
    result["confidence"] = intent.get("confidence")
    selector = (latest.get("response_selector") or {}).get("faq") or {}
    result["response_key"] = (selector.get("response") or {}).get("intent_response_key")
    return result
