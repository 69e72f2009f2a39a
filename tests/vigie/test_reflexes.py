"""Each emergency reflex has one source, ``vigie/core/reflexes.py``, and every copy says it word
for word: the Python texts compose it, the articles and the Rasa responses copy it, and these
tests fail as soon as a copy drifts. Every reflex and every urgent text also gives the number
to call at night, and every credential reflex says to call.

Texts are compared once markup (``**``, ``<b>``), list markers (« 1. », « - », « • ») and the
kind of spaces are set aside: the words, their order and the punctuation must be the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from types import ModuleType

import pytest
import yaml

from vigie.conversation import texts as conversation_texts
from vigie.core import reflexes
from vigie.core.settings import ROOT
from vigie.knowledge import KnowledgeBase
from vigie.knowledge import texts as knowledge_texts
from vigie.people import texts as people_texts
from vigie.phishing import desk_texts as phishing_desk_texts
from vigie.phishing import mailbox_texts
from vigie.phishing import texts as phishing_texts
from vigie.tickets import desk_texts as ticket_desk_texts
from vigie.tickets import texts as ticket_texts

KB = KnowledgeBase.load(ROOT / "knowledge")

_MARKUP = re.compile(r"\*\*|</?b>")
_ITEM = re.compile(r"^(?:\d{1,2}[.)]|[-•])\s+")

#: A reflex: a list of steps (consecutive list items) or a short form (a run of sentences).
Reflex = tuple[str, ...] | str

ISOLATION = reflexes.ISOLATION_STEPS
CREDENTIAL = reflexes.CREDENTIAL_STEPS
LOST_DEVICE = reflexes.LOST_DEVICE_STEPS
ISOLATION_SHORT = reflexes.ISOLATION_SHORT
CREDENTIAL_SHORT = reflexes.CREDENTIAL_SHORT
#: The lost-device step for a CPS card, alone in the article on the card.
CPS_CARD_STEP = (reflexes.LOST_DEVICE_STEPS[2],)


def normalise(text: str) -> str:
    """Markup and list markers gone, every run of spaces one ordinary space, line by line."""
    text = _MARKUP.sub("", text).replace("{nbsp}", " ")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(_ITEM.sub("", line) for line in lines)


def gives(text: str, reflex: Reflex) -> bool:
    """Whether ``text`` gives ``reflex`` word for word."""
    if isinstance(reflex, str):
        return normalise(reflex) in normalise(text)
    lines = normalise(text).splitlines()
    steps = [normalise(step) for step in reflex]
    return any(lines[i : i + len(steps)] == steps for i in range(len(lines)))


def article(article_id: str) -> str:
    return KB.get(article_id).body


def domain_responses() -> dict[str, str]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {
        f"domain.yml {name}[{i}]": variant["text"]
        for name, variants in domain["responses"].items()
        for i, variant in enumerate(variants)
        if "text" in variant
    }


def module_texts(module: ModuleType) -> Iterator[tuple[str, str]]:
    """The module's upper-case templates: strings, and strings in dictionaries."""
    for name, value in vars(module).items():
        if not name.isupper() or name == "NBSP":
            continue
        if isinstance(value, str):
            yield f"{module.__name__}.{name}", value
        elif isinstance(value, Mapping):
            for key, item in value.items():
                if isinstance(item, str):
                    yield f"{module.__name__}.{name}[{key}]", item


def every_user_text() -> dict[str, str]:
    """Every text a staff member may read: the texts modules, the articles, the responses."""
    found: dict[str, str] = {}
    for module in (
        conversation_texts,
        knowledge_texts,
        people_texts,
        phishing_texts,
        phishing_desk_texts,
        mailbox_texts,
        ticket_texts,
        ticket_desk_texts,
    ):
        found.update(module_texts(module))
    found.update({f"knowledge/{a.id}.md": a.body for a in KB})
    found.update(domain_responses())
    return found


#: Every place that gives a reflex, and the reflexes it gives.
PLACES: dict[str, tuple[str, tuple[Reflex, ...]]] = {
    "welcome": (conversation_texts.WELCOME, (ISOLATION_SHORT, CREDENTIAL_SHORT)),
    "degraded reply": (conversation_texts.DEGRADED, (ISOLATION_SHORT, CREDENTIAL_SHORT)),
    "photo answer": (conversation_texts.UNSUPPORTED["photo"], (ISOLATION_SHORT,)),
    "suspicious mail request": (
        knowledge_texts.REPORT_PHISHING,
        (ISOLATION_SHORT, CREDENTIAL_SHORT),
    ),
    "incident reflexes": (knowledge_texts.INCIDENT_REFLEXES, (ISOLATION,)),
    "lost device reflexes": (knowledge_texts.LOST_DEVICE, (LOST_DEVICE,)),
    "phishing form, clicked": (phishing_texts.REFLEXES["clicked"], (ISOLATION_SHORT,)),
    "phishing form, page asked": (
        phishing_texts.REFLEXES["clicked_asked"],
        (CREDENTIAL_SHORT, ISOLATION_SHORT),
    ),
    "phishing form, credentials": (phishing_texts.REFLEXES["credentials"], (CREDENTIAL,)),
    "phishing form, attachment": (phishing_texts.REFLEXES["attachment"], (ISOLATION,)),
    "phishing form, replied": (phishing_texts.REFLEXES["replied"], (CREDENTIAL_SHORT,)),
    "reporting mailbox answer": (
        mailbox_texts.REPLY_REFLEXES,
        (CREDENTIAL_SHORT, ISOLATION_SHORT),
    ),
    "article ransomware": (article("ransomware"), (ISOLATION,)),
    "article incident_reporting": (article("incident_reporting"), (ISOLATION, CREDENTIAL_SHORT)),
    "article email_attachments": (article("email_attachments"), (ISOLATION_SHORT,)),
    "article usb_devices": (article("usb_devices"), (ISOLATION_SHORT,)),
    "article phone_scam": (article("phone_scam"), (ISOLATION_SHORT, CREDENTIAL_SHORT)),
    "article phishing_recognize": (article("phishing_recognize"), (CREDENTIAL_SHORT,)),
    "article web_browsing": (article("web_browsing"), (CREDENTIAL_SHORT,)),
    "article sms_scam": (article("sms_scam"), (CREDENTIAL_SHORT,)),
    "article cps_card": (article("cps_card"), (CPS_CARD_STEP,)),
}


@pytest.mark.parametrize("place", sorted(PLACES))
def test_every_place_gives_its_reflexes_word_for_word(place: str) -> None:
    text, expected = PLACES[place]
    for reflex in expected:
        assert gives(text, reflex), f"{place}: the reflex differs from vigie/core/reflexes.py"


@pytest.mark.parametrize("place", sorted(PLACES))
def test_every_reflex_gives_the_day_and_night_numbers(place: str) -> None:
    """After a reflex, whom to call: the day number and the on-call number, word for word."""
    text, _ = PLACES[place]
    assert gives(text, reflexes.CALL), f"{place}: no « {reflexes.CALL} »"


# --- No other copy --------------------------------------------------------------------------

#: Words that mark a copy of each reflex, and the canonical forms such a copy must use.
SIGNATURES: tuple[tuple[re.Pattern[str], tuple[Reflex, ...]], ...] = (
    (re.compile(r"(?i)câble réseau|coupez (?:le|son) wi-fi"), (ISOLATION, ISOLATION_SHORT)),
    (
        re.compile(r"(?i)(?:mot de passe|code)[^.\n]*\n?[^.\n]*depuis un autre appareil"),
        (CREDENTIAL, CREDENTIAL_SHORT, LOST_DEVICE),
    ),
    (re.compile(r"(?i)en opposition"), (LOST_DEVICE, CPS_CARD_STEP)),
)
#: Texts that share those words without being a reflex, and why.
NOT_REFLEXES = {
    # A password typed to Vigie itself: deleted from the chat, no attacker involved.
    "vigie.conversation.texts.SECRET_RETRACTED",
    "vigie.conversation.texts.SECRET_NOT_RETRACTED",
    "vigie.conversation.texts.REDACTED_WARNING",
}


def test_the_signatures_find_the_known_copies() -> None:
    texts = every_user_text()
    found = {
        name
        for name, text in texts.items()
        for pattern, _ in SIGNATURES
        if pattern.search(normalise(text))
    }
    assert "vigie.conversation.texts.WELCOME" in found
    assert "knowledge/ransomware.md" in found
    assert "knowledge/cps_card.md" in found
    assert "vigie.phishing.texts.REFLEXES[credentials]" in found


@pytest.mark.parametrize("name", sorted(every_user_text()))
def test_no_text_writes_a_reflex_its_own_way(name: str) -> None:
    if name in NOT_REFLEXES:
        return
    text = every_user_text()[name]
    for pattern, canonical in SIGNATURES:
        if pattern.search(normalise(text)):
            assert any(gives(text, reflex) for reflex in canonical), (
                f"{name} gives a reflex ({pattern.pattern}) in its own words: "
                "use vigie/core/reflexes.py word for word"
            )
            assert gives(text, reflexes.CALL), f"{name}: a reflex without the numbers to call"


@pytest.mark.parametrize("name", sorted(every_user_text()))
def test_every_urgent_text_gives_the_night_number(name: str) -> None:
    text = every_user_text()[name]
    if re.search(r"(?i)urgen", text) and "{provider_hotline}" in text:
        assert "{provider_oncall}" in text, f"{name}: the day number only"
    # Both numbers in a text of its own wording: it cannot put the on-call one first at
    # night; « {call} » does (the sentence of vigie/core/reflexes.py).
    assert not ("{provider_hotline}" in text and "{provider_oncall}" in text), (
        f"{name}: whom to call in its own words, use {{call}}"
    )


def test_every_credential_reflex_says_to_call() -> None:
    for name, steps in {"CREDENTIAL_STEPS": CREDENTIAL, "LOST_DEVICE_STEPS": LOST_DEVICE}.items():
        assert reflexes.CALL in steps, name
    for name, text in every_user_text().items():
        if gives(text, CREDENTIAL_SHORT) or gives(text, CREDENTIAL):
            assert gives(text, reflexes.CALL), f"{name}: a password to change, no call"


def test_the_canonical_reflexes_give_both_numbers() -> None:
    for sentence in (reflexes.CALL_DAY, reflexes.CALL_NIGHT):
        assert "{provider_hotline}" in sentence and "{provider_oncall}" in sentence
    assert reflexes.CALL_DAY.index("{provider_hotline}") < reflexes.CALL_DAY.index(
        "{provider_oncall}"
    )
    assert reflexes.CALL_NIGHT.index("{provider_oncall}") < reflexes.CALL_NIGHT.index(
        "{provider_hotline}"
    )
    for steps in reflexes.STEPS.values():
        assert reflexes.CALL in steps
    assert "ne branchez rien" in reflexes.ISOLATION_STEPS[1]
    assert "N’éteignez pas" in reflexes.ISOLATION_STEPS[1]


def test_a_changed_copy_is_caught() -> None:
    """The comparison is strict on words: one word changed, added or left out fails."""
    text = knowledge_texts.INCIDENT_REFLEXES
    assert gives(text, ISOLATION)
    assert not gives(text.replace("ne branchez rien", "ne touchez à rien"), ISOLATION)
    assert not gives(text.replace(" et notez l’heure", ""), ISOLATION)
    short = conversation_texts.WELCOME
    assert gives(short, ISOLATION_SHORT)
    assert not gives(short.replace("sans éteindre", "sans arrêter"), ISOLATION_SHORT)
    # Spaces and markup do not count: a no-break space or bold text is the same reflex.
    assert gives(
        "1. **Débranchez** le câble\u00a0réseau de l’ordinateur ou coupez son Wi-Fi.",
        (ISOLATION[0],),
    )
