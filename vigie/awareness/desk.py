"""``/astuces`` and its buttons: opting in and out of the tips of the week."""

from __future__ import annotations

from collections.abc import Callable

from vigie.awareness import texts
from vigie.awareness.service import Awareness
from vigie.core import callbacks
from vigie.core.desk import DeskReply
from vigie.core.messages import Button, OutgoingMessage
from vigie.core.typography import french_typography


def _say(text: str, *buttons: Button) -> OutgoingMessage:
    return OutgoingMessage(french_typography(text), buttons)


def offer_button() -> Button:
    return Button(texts.OFFER_LABEL, callbacks.encode(texts.TIPS_ACTION, texts.ON))


def offer() -> OutgoingMessage:
    """The offer shown after the registration and by ``/astuces``."""
    return _say(texts.STATUS_OFF, offer_button())


class AwarenessDesk:
    def __init__(self, awareness: Awareness, sender_of: Callable[[int], str]) -> None:
        self._awareness = awareness
        self._sender_of = sender_of

    async def command(self, user_id: int) -> DeskReply:
        """``/astuces``: where the person stands, with the button that changes it."""
        status = await self._awareness.status(self._sender_of(user_id))
        if not status.registered:
            return DeskReply([_say(texts.NOT_REGISTERED)])
        if status.subscribed:
            stop = Button(texts.STOP_LABEL, callbacks.encode(texts.TIPS_ACTION, texts.OFF))
            return DeskReply([_say(texts.STATUS_ON, stop)])
        return DeskReply([offer()])

    async def callback(self, user_id: int, argument: str) -> DeskReply:
        """« Recevoir une astuce par semaine » or « Ne plus recevoir d'astuces »."""
        if argument not in (texts.ON, texts.OFF):
            return DeskReply(toast=texts.NOT_REGISTERED[:60])
        done = await self._awareness.subscribe(self._sender_of(user_id), argument == texts.ON)
        if not done:
            return DeskReply([_say(texts.NOT_REGISTERED)], close_buttons=True)
        answer = texts.SUBSCRIBED if argument == texts.ON else texts.UNSUBSCRIBED
        return DeskReply([_say(answer)], close_buttons=True)
