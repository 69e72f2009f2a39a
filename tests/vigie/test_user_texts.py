"""Every text a user reads is French with French typography, and placeholders are filled."""

from __future__ import annotations

import re

import pytest
import yaml

from vigie.conversation import texts as bot_texts
from vigie.core import reflexes
from vigie.core.settings import ROOT, Settings
from vigie.people import texts as people_texts
from vigie.tickets import desk_texts as ticket_desk_texts

# A normal space before : ; ? ! » or after « is wrong in French typography.
BAD_SPACING = re.compile(r" [:;?!»]|« ")
# Two spaces in a row, no-break or not (a template's {nbsp} doubled by the typography).
DOUBLE_SPACE = re.compile(r"[ \u00a0\u202f]{2}")


def domain_responses() -> dict[str, str]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {
        name: variant["text"]
        for name, variants in domain["responses"].items()
        for variant in variants
        if "text" in variant
    }


@pytest.mark.parametrize("name", sorted(domain_responses()))
def test_domain_responses_follow_french_typography(name: str) -> None:
    text = domain_responses()[name]
    assert not BAD_SPACING.search(text), f"{name}: {text!r}"


def bot_templates() -> dict[str, str]:
    found = {
        name: value
        for module in (bot_texts, people_texts, ticket_desk_texts)
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, str) and name != "NBSP"
    }
    found.update({f"UNSUPPORTED[{k}]": v for k, v in bot_texts.UNSUPPORTED.items()})
    return found


@pytest.mark.parametrize("name", sorted(bot_templates()))
def test_front_end_texts_are_filled_and_typographic(name: str) -> None:
    settings = Settings(_env_file=None, provider_hotline="01 23 45 67 89")  # type: ignore[call-arg]
    filled = bot_texts.fill(
        bot_templates()[name],
        settings.contacts(),
        **settings.privacy_durations(),
        limit=settings.max_message_chars,
        what="un mot de passe",
        job="Soins",
        facility="EHPAD Les Tilleuls",
        reference="VIG-2026-00042",
        name="Paul",
        user_id=42,
        # /mes_donnees and /oubli
        turns="2, du 01/12/2026 au 06/12/2026",
        registration="EHPAD Les Tilleuls",
        since="01/12/2026",
        role="Technicien",
        count=2,
        first="01/12/2026",
        last="06/12/2026",
        tickets=1,
        reports=0,
        address="non",
    )
    assert "{" not in filled and "}" not in filled
    assert not BAD_SPACING.search(filled), f"{name}: {filled!r}"
    assert not DOUBLE_SPACE.search(filled), f"{name}: {filled!r}"


def test_contacts_are_escaped_in_front_end_texts() -> None:
    hostile = {"provider_name": "<b>X</b>", "provider_hotline": "1", "provider_oncall": "2"}
    for night in (False, True):
        filled = bot_texts.fill(
            bot_texts.DEGRADED, {**hostile, "call": reflexes.call(hostile, night=night)}
        )
        assert "&lt;b&gt;X&lt;/b&gt;" in filled and "<b>X</b>" not in filled
