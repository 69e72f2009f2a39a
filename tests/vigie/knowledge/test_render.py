"""Rendering articles and texts to Telegram HTML: escaping, splitting, buttons, typography."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from vigie.core import reflexes
from vigie.core.messages import Button, OutgoingMessage, html_to_plain
from vigie.core.settings import ROOT, Settings
from vigie.knowledge import Article, KnowledgeBase, render_article, split_html, texts
from vigie.knowledge.render import (
    ARTICLE_LIMIT,
    TELEGRAM_LIMIT,
    faq_payload,
    french_typography,
    markdown_to_html,
)

NBSP = "\u00a0"
HOSTILE = {
    "provider_name": "<script>alert('x')</script>",
    "provider_hotline": "01 23 & <b>45</b>",
    "provider_oncall": "</b><i>",
    "helpdesk_email": '"aide"@exemple.fr',
    "dpo_contact": "**DPO**",
    "referent_contact": "{provider_name}",
}
HOSTILE["call"] = reflexes.call(HOSTILE, night=False)  # as Settings.contacts composes it
TAG_RE = re.compile(r"<[^>]*>")


def defaults() -> dict[str, str]:
    return Settings(_env_file=None).contacts()


def article(
    article_id: str, body: str, *, title: str = "Titre", related: tuple[str, ...] = ()
) -> Article:
    return Article(
        id=article_id,
        title=title,
        keywords=("mot",),
        related=related,
        sources=("Source",),
        last_review=date(2026, 11, 29),
        body=body,
        path=Path(f"knowledge/{article_id}.md"),
    )


def kb_of(*articles: Article) -> KnowledgeBase:
    return KnowledgeBase({a.id: a for a in articles})


def assert_only_bold_tags(text: str) -> None:
    assert set(TAG_RE.findall(text)) <= {"<b>", "</b>"}, text
    assert text.count("<b>") == text.count("</b>")


BODY = """\
Un bon mot de passe est **long** : au moins 12 caractères.

## Ce qu’il faut faire
1. Prenez une phrase : « Mon chat dort ! ».
2. Un mot de passe par service.

## À ne jamais faire
- Le donner à quelqu’un.
- Le noter sur un post-it.

## Qui prévenir
En cas de doute : {provider_name}, au {provider_hotline}.
"""


def test_markdown_subset_becomes_telegram_html() -> None:
    contacts = defaults() | {"provider_name": "Infogérance Sud", "provider_hotline": "04 00"}
    result = markdown_to_html(BODY, contacts)
    assert result == (
        f"Un bon mot de passe est <b>long</b>{NBSP}: au moins 12 caractères.\n\n"
        "<b>Ce qu’il faut faire</b>\n"
        f"1. Prenez une phrase{NBSP}: «{NBSP}Mon chat dort{NBSP}!{NBSP}».\n"
        "2. Un mot de passe par service.\n\n"
        "<b>À ne jamais faire</b>\n"
        "• Le donner à quelqu’un.\n"
        "• Le noter sur un post-it.\n\n"
        "<b>Qui prévenir</b>\n"
        f"En cas de doute{NBSP}: Infogérance Sud, au 04 00."
    )


def test_article_starts_with_its_title_in_bold() -> None:
    a = article("mfa", BODY, title="La double authentification")
    [message] = render_article(a, defaults(), kb_of(a))
    assert message.html.startswith("<b>La double authentification</b>\n\nUn bon mot de passe")
    assert message.article_id == "mfa"
    assert_only_bold_tags(message.html)


def test_hostile_contact_values_are_escaped() -> None:
    a = article(
        "mfa",
        BODY
        + "\nAstreinte : {provider_oncall}. DPO : {dpo_contact}. {helpdesk_email} {referent_contact}\n",
    )
    [message] = render_article(a, HOSTILE, kb_of(a))
    assert "<script>" not in message.html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in message.html
    assert "01 23 &amp; &lt;b&gt;45&lt;/b&gt;" in message.html
    assert "&lt;/b&gt;&lt;i&gt;" in message.html
    assert "&quot;aide&quot;@exemple.fr" in message.html
    # Contact values are not markup and are not filled in again.
    assert "**DPO**" in message.html
    assert message.html.rstrip().endswith("{provider_name}")
    assert_only_bold_tags(message.html)
    plain = message.plain_text()
    assert HOSTILE["provider_name"] in plain
    assert HOSTILE["provider_hotline"] in plain


def test_markup_in_the_article_itself_is_escaped() -> None:
    body = BODY.replace("au moins 12", "<script>alert(1)</script> & <b>non</b> au moins 12")
    a = article("mfa", body, title="<i>Titre</i> & co")
    [message] = render_article(a, defaults(), kb_of(a))
    assert message.html.startswith("<b>&lt;i&gt;Titre&lt;/i&gt; &amp; co</b>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;non&lt;/b&gt;" in message.html
    assert_only_bold_tags(message.html)


def test_unknown_placeholder_is_a_bug() -> None:
    with pytest.raises(KeyError):
        markdown_to_html("Appelez {nobody}.", defaults())


def test_related_articles_are_buttons_on_the_last_message() -> None:
    main = article("mfa", BODY, related=("wifi", "backup", "gone"))
    wifi = article("wifi", BODY, title="Le Wi-Fi : deux réseaux")
    backup = article("backup", BODY, title="Les sauvegardes")
    messages = render_article(main, defaults(), kb_of(main, wifi, backup))
    assert messages[-1].buttons == (
        Button(f"Le Wi-Fi{NBSP}: deux réseaux", '/faq{"article":"wifi"}'),
        Button("Les sauvegardes", '/faq{"article":"backup"}'),
    )
    assert faq_payload("staff_arrival_departure") == '/faq{"article":"staff_arrival_departure"}'


def long_body(paragraphs: int) -> str:
    intro = "\n\n".join(
        f"Paragraphe {n} : " + " ".join(f"mot{n}x{i} & <rien>" for i in range(60))
        for n in range(paragraphs)
    )
    return intro + "\n\n" + BODY.split("\n\n", 1)[1]


def test_long_article_is_split_at_paragraph_boundaries() -> None:
    related = article("wifi", BODY, title="Le Wi-Fi")
    a = article("mfa", long_body(40), title="Très long", related=("wifi",))
    full = f"<b>Très long</b>\n\n{markdown_to_html(a.body, defaults())}"
    assert len(full) > 3 * TELEGRAM_LIMIT

    messages = render_article(a, defaults(), kb_of(a, related))

    assert len(messages) >= 4
    assert all(len(m.html) < TELEGRAM_LIMIT for m in messages)
    assert all(len(m.html) <= ARTICLE_LIMIT for m in messages)
    assert all(m.article_id == "mfa" for m in messages)
    assert messages[0].html.startswith("<b>Très long</b>\n\n")
    assert [m.buttons for m in messages[:-1]] == [()] * (len(messages) - 1)
    assert messages[-1].buttons == (Button("Le Wi-Fi", '/faq{"article":"wifi"}'),)
    # Cut only between paragraphs: gluing the pieces back gives the whole text.
    assert "\n\n".join(m.html for m in messages) == full
    for m in messages:
        assert_only_bold_tags(m.html)


def test_split_falls_back_to_lines_then_spaces() -> None:
    lines = "\n".join(f"• ligne {n} " + "x" * 80 for n in range(200))
    pieces = split_html(lines, 1000)
    assert all(len(p) <= 1000 for p in pieces)
    assert "\n".join(pieces) == lines

    words = " ".join(f"mot{n}" for n in range(2000))
    pieces = split_html(words, 500)
    assert all(len(p) <= 500 for p in pieces)
    assert " ".join(pieces) == words


def test_hard_split_keeps_tags_and_entities_whole() -> None:
    text = "<b>" + "a&amp;b" * 1000 + "</b> fin"
    pieces = split_html(text, 300)
    assert len(pieces) > 20
    for piece in pieces:
        assert len(piece) <= 300
        assert_only_bold_tags(piece)
        assert not re.search(r"&[a-z]*$", TAG_RE.sub("", piece))
    glued = "".join(html_to_plain(p) for p in pieces)
    assert glued.replace(" ", "") == html_to_plain(text).replace(" ", "")


def test_short_text_is_not_split() -> None:
    assert split_html("  <b>court</b>\n") == ["<b>court</b>"]
    assert split_html("") == []
    with pytest.raises(ValueError):
        split_html("x" * 100, 10)


def test_french_typography() -> None:
    assert french_typography("Attention : oui ; non ? Si !") == (
        f"Attention{NBSP}: oui{NBSP}; non{NBSP}? Si{NBSP}!"
    )
    assert french_typography("«mot»") == f"«{NBSP}mot{NBSP}»"
    assert french_typography("« mot »") == f"«{NBSP}mot{NBSP}»"
    assert french_typography("l'écran") == "l’écran"
    # URLs, times and already correct text are left alone.
    for unchanged in ("https://17cyber.gouv.fr/?a=1", "24 h/24", f"Oui{NBSP}!", "10:30"):
        assert french_typography(unchanged) == unchanged


def test_every_real_article_renders_cleanly() -> None:
    kb = KnowledgeBase.load(ROOT / "knowledge")
    for a in kb:
        hostile = "\n\n".join(m.html for m in render_article(a, HOSTILE, kb))
        assert "<script>" not in hostile, a.id
        assert_only_bold_tags(hostile)

        messages = render_article(a, defaults(), kb)
        assert all(len(m.html) < TELEGRAM_LIMIT for m in messages), a.id
        plain = html_to_plain("\n\n".join(m.html for m in messages))
        assert "**" not in plain and "{" not in plain and "#" not in plain, a.id
        assert not re.search(r" [:;?!»]|« ", plain), a.id
        assert [b.payload for b in messages[-1].buttons] == [faq_payload(r) for r in a.related]


# --- Texts of the actions -----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(texts.TEMPLATES))
def test_every_text_renders_with_escaped_contacts(name: str) -> None:
    rendered = texts.render_text(texts.TEMPLATES[name], HOSTILE)
    assert "<script>" not in rendered
    assert_only_bold_tags(rendered.replace("&lt;/b&gt;", ""))
    assert "{" not in rendered.replace(HOSTILE["referent_contact"], "")


@pytest.mark.parametrize("name", sorted(texts.TEMPLATES))
def test_texts_follow_french_typography(name: str) -> None:
    template = texts.TEMPLATES[name]
    assert not re.search(r" [:;?!»]|« |'", template), name


def test_labels_are_short_and_typographic() -> None:
    labels = [*texts.INTENT_LABELS.values(), texts.OTHER_LABEL, texts.FALLBACK_QUESTION]
    for label in labels:
        assert not re.search(r" [:;?!»]|« |'", label), label
    assert all(len(label) <= 30 for label in texts.INTENT_LABELS.values())
    assert f"Vous voulez parler de…{NBSP}?" == texts.FALLBACK_QUESTION


def test_texts_carry_the_contacts() -> None:
    contacts = defaults() | {
        "provider_name": "Infogérance Sud",
        "provider_hotline": "04 11 22 33 44",
        "provider_oncall": "06 55 66 77 88",
        "helpdesk_email": "aide@infogerance.example",
        "referent_contact": "Mme Durand",
    }
    contacts["call"] = reflexes.call(contacts, night=False)
    incident = texts.render_text(texts.INCIDENT_REFLEXES, contacts)
    assert incident.index("câble réseau") < incident.index("04 11 22 33 44")
    assert "N’éteignez pas" in incident
    assert "06 55 66 77 88" in incident and "Mme Durand" in incident
    rendered = texts.render_text(texts.OUT_OF_SCOPE, contacts)
    assert "Infogérance Sud" in rendered and "04 11 22 33 44" in rendered
    assert "aide@infogerance.example" in rendered
    lost = texts.render_text(texts.LOST_DEVICE, contacts)
    assert "opposition" in lost and "mots de passe" in lost


def test_help_menu_and_suggestions() -> None:
    kb = KnowledgeBase.load(ROOT / "knowledge")
    menu = texts.help_menu(defaults(), kb)
    payloads = [b.payload for b in menu.buttons]
    assert payloads[:4] == ["/report_phishing", "/declare_incident", "/lost_device", "/open_ticket"]
    assert 3 <= len(payloads[4:]) <= 4
    assert all(p.startswith('/faq{"article":') for p in payloads[4:])

    offer = texts.suggestions(["greet", "faq/mfa", "report_phishing", "help"], defaults(), kb)
    assert offer == OutgoingMessage(
        f"Vous voulez parler de…{NBSP}?",
        (
            Button(kb.get("mfa").title, '/faq{"article":"mfa"}'),
            Button("Signaler un mail suspect", "/report_phishing"),
            Button("Autre chose", "/out_of_scope"),
        ),
    )
    honest = texts.suggestions(["greet", "faq/nope"], defaults(), kb)
    assert honest.html == texts.render_text(texts.OUT_OF_SCOPE, defaults())
    assert honest.buttons == ()
