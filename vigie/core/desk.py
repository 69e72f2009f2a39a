"""What the desks (buttons and commands handled without Rasa) give a front end to show, and
what they need of the outbox dispatcher."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from vigie.core.messages import OutgoingMessage


class Kickable(Protocol):
    """What the desk needs of the outbox dispatcher."""

    def kick(self) -> None: ...


@dataclass
class DeskReply:
    """What the front end shows after a desk action."""

    messages: list[OutgoingMessage] = field(default_factory=list)
    toast: str | None = None  # short answer to a button press
    close_buttons: bool = False  # remove the keyboard of the pressed message
    then_menu: bool = False  # then show the usual menu (``/help`` through the pipeline)
    # The last message asks the technician for a reply (group chats): send it with a selective
    # ForceReply, then report its message id with ``Desk.prompt_sent``.
    force_reply: bool = False
