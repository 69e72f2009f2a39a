"""The terminal chat: numbered choices, commands, plain text."""

from __future__ import annotations

import io

from bot.terminal import TerminalDelivery, to_incoming
from vigie.messages import Button, OutgoingMessage


async def test_buttons_become_numbered_choices() -> None:
    out = io.StringIO()
    delivery = TerminalDelivery(out)
    message = OutgoingMessage(
        "<b>Vous voulez parler de…</b> &lt;ok&gt;",
        (
            Button("Mots de passe", '/faq{"article":"password_strength"}'),
            Button("Autre chose", "/out_of_scope"),
        ),
    )
    await delivery.deliver(1, [message])
    shown = out.getvalue()
    assert "Vous voulez parler de… <ok>" in shown and "<b>" not in shown
    assert "[1] Mots de passe" in shown and "[2] Autre chose" in shown
    chosen = to_incoming("2\n", delivery.choices)
    assert chosen is not None and chosen.kind == "button" and chosen.text == "/out_of_scope"


def test_lines_become_messages_or_commands() -> None:
    assert to_incoming("/quitter\n", []) is None
    menu = to_incoming("/aide\n", [])
    assert menu is not None and menu.text == "/help"
    text = to_incoming("3\n", [])  # no choice 3 on screen: plain text
    assert text is not None and text.kind == "text" and text.text == "3\n"
