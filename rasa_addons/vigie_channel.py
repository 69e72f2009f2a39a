"""Vigie's input channel for Rasa 3.6: the REST channel plus what the front end logs.

The answer of ``POST /webhooks/vigie/webhook`` is ``{"messages": [...], "intent": ...,
"confidence": ..., "response_key": ...}``, so the front end can log the turn (intent,
confidence, article) without a second call and without Rasa's HTTP API. Unlike Rasa's own
REST channel, it never logs the message text. Like it, it has no authentication: Rasa must
listen on 127.0.0.1 only.

A message the conversation already holds (the same ``message_id``) with its answer is not
handled again: its stored answer is sent back, and nothing is stored. The bot sends a message
again, with its id, when it got no answer: the Rasa server that handled it was killed after
saving the conversation and before answering, or the bot process was killed before delivering
the answer. Handled twice, a form's answer would be read a second time against the next
question (« Je n’ai pas compris votre réponse »). A message stored without any answer (the
action server was down) is handled again, as before.
"""

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa_addons import action_validation

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 4096
MAX_MESSAGE_ID = 64


class VigieInput(InputChannel):
    """REST-like channel answering with the bot messages and the NLU result."""

    @classmethod
    def name(cls) -> str:
        return "vigie"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """The channel, as Rasa builds it from credentials.yml at start; the check of the
        action server's answers is made cheaper then (``rasa_addons/action_validation.py``)."""
        action_validation.install()
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("vigie_webhook", __name__)

        # Sanic 21.12 wraps Blueprint.route untyped (sanic.blueprints.lazy).
        @bp.route("/", methods=["GET"])  # type: ignore[untyped-decorator]
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])  # type: ignore[untyped-decorator]
        async def receive(request: Request) -> HTTPResponse:
            body = request.json if isinstance(request.json, dict) else {}
            sender = body.get("sender")
            text = body.get("message")
            if not isinstance(sender, str) or not sender or not isinstance(text, str):
                return response.json({"error": "sender and message are required"}, 400)
            metadata: dict[str, Any] | None = body.get("metadata")
            # The bot's id of the message (the same when it sends it again), else Rasa's own.
            message_id = body.get("message_id")
            if not isinstance(message_id, str) or not 0 < len(message_id) <= MAX_MESSAGE_ID:
                message_id = None
            collector = CollectingOutputChannel()
            message = UserMessage(
                text[:MAX_TEXT_CHARS],
                collector,
                sender,
                input_channel=self.name(),
                metadata=metadata,
                message_id=message_id,
            )
            agent: Agent | None = getattr(request.app.ctx, "agent", None)
            try:
                if agent is None or agent.processor is None:
                    await on_new_message(message)
                    parse: Mapping[str, Any] = {}
                else:
                    parse = await _handle(agent, agent.processor, message)
            except Exception:  # the text is deliberately not logged
                logger.exception("Vigie channel: message handling failed")
                return response.json({"error": "message handling failed"}, 500)
            return response.json({"messages": collector.messages, **_summary(parse)})

        return bp


async def _handle(
    agent: Agent, processor: MessageProcessor, message: UserMessage
) -> Mapping[str, Any]:
    """What ``Agent.handle_message`` does (Rasa 3.6.21), keeping the tracker at hand.

    Reading the parse data from the tracker we already hold spares a second retrieval of
    the whole conversation from the tracker store.
    """
    async with agent.lock_store.lock(message.sender_id):
        tracker = await processor.log_message(message, should_save_tracker=False)
        earlier = _answered_already(tracker, message.message_id)
        if earlier is not None:  # sent again: the same answer, nothing stored
            user, answers = earlier
            for answer in answers:  # as MessageProcessor._send_bot_messages does
                await message.output_channel.send_response(message.sender_id, answer.message())
            logger.info(
                "Vigie channel: message %s answered already, answer sent again", message.message_id
            )
            return user.parse_data
        tracker = await processor.run_action_extract_slots(message.output_channel, tracker)
        await processor._run_prediction_loop(message.output_channel, tracker)
        await processor.run_anonymization_pipeline(tracker)
        await processor.save_tracker(tracker)
    return tracker.latest_message.parse_data if tracker.latest_message else {}


def _answered_already(
    tracker: DialogueStateTracker, message_id: str | None
) -> tuple[UserUttered, list[BotUttered]] | None:
    """The earlier user message of the conversation with ``message_id`` and the bot messages
    that answered it (up to the next user message), when it was answered; else None. The
    message just logged is the conversation's last user message: it does not count."""
    if message_id is None:
        return None
    events = list(tracker.events)
    users = [i for i, event in enumerate(events) if isinstance(event, UserUttered)]
    for position, index in enumerate(users[:-1]):
        user = events[index]
        assert isinstance(user, UserUttered)
        if user.message_id != message_id:
            continue
        answers = [
            event
            for event in events[index + 1 : users[position + 1]]
            if isinstance(event, BotUttered)
        ]
        return (user, answers) if answers else None
    return None


def _summary(parse: Mapping[str, Any]) -> dict[str, Any]:
    """Intent, confidence and retrieval response key of a parse result."""
    intent = parse.get("intent") or {}
    selector = (parse.get("response_selector") or {}).get("faq") or {}
    return {
        "intent": intent.get("name"),
        "confidence": intent.get("confidence"),
        "response_key": (selector.get("response") or {}).get("intent_response_key"),
    }
