"""The message contract between the action server, Rasa's channel and the front ends.

Rasa's plain responses (``domain.yml``) arrive as ``text``: front ends escape them. Answers
built by Vigie's actions arrive as a ``custom`` payload holding already escaped Telegram HTML.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

CUSTOM_KEY = "vigie"


@dataclass(frozen=True)
class Button:
    """A choice offered to the user; ``payload`` goes back to Rasa when chosen."""

    title: str
    payload: str

    def to_dict(self) -> dict[str, str]:
        return {"title": self.title, "payload": self.payload}


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to show: Telegram HTML (escaped) plus buttons, one per row."""

    html: str
    buttons: tuple[Button, ...] = field(default=())
    article_id: str | None = None

    def to_custom(self) -> dict[str, Any]:
        """The ``json_message`` an action sends through Rasa."""
        return {
            CUSTOM_KEY: 1,
            "html": self.html,
            "buttons": [b.to_dict() for b in self.buttons],
            "article": self.article_id,
        }

    @classmethod
    def from_rasa(cls, message: dict[str, Any]) -> OutgoingMessage | None:
        """Read one message of Rasa's REST channel; ``None`` if it carries nothing to show."""
        custom = message.get("custom")
        if isinstance(custom, dict) and custom.get(CUSTOM_KEY):
            buttons = tuple(
                Button(str(b["title"]), str(b["payload"]))
                for b in custom.get("buttons", [])
                if isinstance(b, dict) and "title" in b and "payload" in b
            )
            article = custom.get("article")
            return cls(str(custom.get("html", "")), buttons, str(article) if article else None)
        text = message.get("text")
        raw_buttons = message.get("buttons") or []
        buttons = tuple(
            Button(str(b.get("title", "")), str(b.get("payload", "")))
            for b in raw_buttons
            if isinstance(b, dict)
        )
        if not text and not buttons:
            return None
        return cls(html.escape(str(text or "")), buttons)

    def plain_text(self) -> str:
        """The message without markup, for logs of the turn and the terminal chat."""
        return html_to_plain(self.html)


def html_to_plain(text: str) -> str:
    """Drop the few tags Vigie uses and unescape entities."""
    return html.unescape(re.sub(r"</?(b|i|u|code|pre|a)(\s[^>]*)?>", "", text))
