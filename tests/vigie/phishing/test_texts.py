"""French texts of the suspicious e-mail conversation: one-message verdict, escaping,
buttons, reflexes for each answer, typography."""

from __future__ import annotations

import re

import pytest

from vigie.core import reflexes
from vigie.core.messages import Button
from vigie.core.settings import Settings
from vigie.knowledge import texts
from vigie.phishing import texts as pt
from vigie.phishing.form import FORM_ANSWERS
from vigie.phishing.service import MAIL_ACTIONS

BAD_SPACING = re.compile(r" [:;?!»]|« ")
NBSP = "\u00a0"
CONTACTS = {
    "provider_name": "Infogérance <Sud>",
    "provider_hotline": "04 11 22 33 44",
    "provider_oncall": "06 55 66 77 88",
    "helpdesk_email": "aide@infogerance.example",
    "dpo_contact": "M. Martin (DPO)",
    "referent_contact": "Mme Durand",
}
CONTACTS["call"] = reflexes.call(CONTACTS, night=False)


@pytest.mark.parametrize("name", sorted(pt.TEMPLATES))
def test_templates_are_filled_and_typographic(name: str) -> None:
    contacts = Settings(_env_file=None).contacts()  # type: ignore[call-arg]
    html = texts.render_text(pt.TEMPLATES[name], {**contacts, "reference": "VIG-2026-00042"})
    assert "{" not in html and "}" not in html
    assert not BAD_SPACING.search(html), f"{name}: {html!r}"
    assert "'" not in html.replace("&#x27;", "")


def test_the_request_for_the_message_says_how_and_never_to_click() -> None:
    plain = texts.advice(texts.REPORT_PHISHING, CONTACTS).plain_text()
    assert "Bientôt" not in plain
    for words in ("Transférer en tant que pièce jointe", "Télécharger le message", ".eml",
                  "copiez-collez", "adresse de l’expéditeur", "ne cliquez sur aucun lien",
                  "06 55 66 77 88"):  # fmt: skip
        assert words in plain


def test_verdict_in_one_message_with_bullets_and_everything_escaped() -> None:
    message = pt.verdict_message(
        verdict="dangereux",
        reasons=["Un lien mène vers <b>hxxps://ameli-remboursement[.]fr</b>", "Urgence & menace"],
        subject="Votre <remboursement> & vos droits",
        truncated=False,
        contacts=CONTACTS,
    )
    assert message.buttons == ()
    assert message.html.startswith(
        f"🔴 <b>Dangereux</b> — mail «{NBSP}Votre &lt;remboursement&gt; &amp; vos droits{NBSP}»"
    )
    assert "• Un lien mène vers &lt;b&gt;hxxps://ameli-remboursement[.]fr&lt;/b&gt;" in message.html
    assert "• Urgence &amp; menace" in message.html
    assert "ne cliquez sur aucun lien" in message.html
    assert "partie" not in message.html


@pytest.mark.parametrize(
    ("verdict", "start"),
    [("dangereux", "🔴 <b>Dangereux"), ("douteux", "🟠 <b>Douteux"),
     ("sans_danger", "🟢 <b>Probablement sans danger"), ("bizarre", "🟠 <b>Douteux")],
)  # fmt: skip
def test_each_verdict_has_its_colour(verdict: str, start: str) -> None:
    message = pt.verdict_message(
        verdict=verdict, reasons=[], subject="", truncated=False, contacts=CONTACTS
    )
    assert message.html.startswith(start)
    assert "mail «" not in message.html  # no subject, no empty quotes
    assert "•" not in message.html


def test_safe_verdict_is_never_a_guarantee_and_partial_analysis_is_said() -> None:
    plain = pt.verdict_message(
        verdict="sans_danger",
        reasons=["Aucun des signes habituels."],
        subject="Planning",
        truncated=True,
        contacts=CONTACTS,
    ).plain_text()
    assert "Rien d’anormal détecté, mais restez prudent" in plain
    assert "jamais une garantie" in plain
    assert "Infogérance <Sud>" in plain
    assert plain.endswith(f"Le message était très long{NBSP}: je n’en ai analysé qu’une partie.")


def test_long_subjects_are_shortened() -> None:
    message = pt.verdict_message(
        verdict="douteux", reasons=[], subject="x" * 500, truncated=False, contacts=CONTACTS
    )
    assert "x" * 119 + "…" in message.html and "x" * 120 not in message.html


def test_questions_and_their_buttons() -> None:
    question = pt.mail_action_question()
    assert question.html == f"Qu’avez-vous fait avec ce mail{NBSP}?"
    assert question.buttons == (
        Button("Rien", '/inform{"choice":"none"}'),
        Button("J’ai cliqué sur un lien", '/inform{"choice":"clicked"}'),
        Button("J’ai saisi un mot de passe ou un code", '/inform{"choice":"credentials"}'),
        Button("J’ai ouvert une pièce jointe", '/inform{"choice":"attachment"}'),
        Button("J’ai répondu", '/inform{"choice":"replied"}'),
        Button("Annuler", "/cancel"),
    )
    assert {code for _, code in pt.MAIL_ACTION_CHOICES} == set(FORM_ANSWERS)
    link = pt.link_question()
    assert "identifiant, mot de passe, code, paiement, téléchargement" in link.html
    assert [b.payload for b in link.buttons] == [
        '/inform{"choice":"yes"}',
        '/inform{"choice":"no"}',
        "/cancel",
    ]


def test_every_mail_action_has_its_reflexes() -> None:
    assert set(pt.REFLEXES) == set(MAIL_ACTIONS)


@pytest.mark.parametrize(
    ("action", "words"),
    [
        ("none", ["Supprimez ce mail"]),
        ("clicked", ["Fermez la page", "n’y retournez pas", "Surveillez"]),
        ("clicked_asked", ["depuis un autre appareil", "partout où", "Mme Durand"]),
        ("credentials", ["depuis un autre appareil", "partout où", "Mme Durand"]),
        ("attachment", ["câble réseau", "N’éteignez pas", "Ne l’utilisez plus", "06 55 66 77 88"]),
        ("replied", ["ni mot de passe, ni document, ni RIB, ni paiement", "Mme Durand"]),
    ],
)
def test_reflexes_for_each_answer(action: str, words: list[str]) -> None:
    message = pt.reflexes_message(
        action, verdict="dangereux", outcome="reported", contacts=CONTACTS
    )
    plain = message.plain_text()
    for word in words:
        assert word in plain
    assert plain.endswith("je l’ai transmis à Infogérance <Sud>, qui va regarder ce mail.")
    assert "Infogérance &lt;Sud&gt;" in message.html
    assert message.buttons == ()


def test_a_probably_safe_mail_is_not_deleted_for_nothing() -> None:
    plain = pt.reflexes_message(
        "none", verdict="sans_danger", outcome="reported", contacts=CONTACTS
    ).plain_text()
    assert "Supprimez" not in plain and "Au moindre doute" in plain


def test_outcomes() -> None:
    ticket = pt.reflexes_message(
        "credentials",
        verdict="dangereux",
        outcome="ticket",
        contacts=CONTACTS,
        reference="VIG-2026-00042",
    )
    assert "référence <b>VIG-2026-00042</b>" in ticket.html
    assert "un technicien va regarder ce mail" in ticket.plain_text()
    assert ticket.buttons == (Button(f"Où en sont mes demandes{NBSP}?", "/ticket_status"),)

    urgent = pt.reflexes_message(
        "attachment", verdict="douteux", outcome="not_registered_urgent", contacts=CONTACTS
    ).plain_text()
    call = urgent.index("Appelez " + CONTACTS["provider_name"])
    assert call < urgent.index("lien d’inscription")
    assert CONTACTS["provider_oncall"] in urgent[call:]
    assert "lien d’inscription" in urgent and "/start" in urgent

    calm = pt.reflexes_message(
        "none", verdict="douteux", outcome="not_registered", contacts=CONTACTS
    ).plain_text()
    assert "lien d’inscription" in calm and CONTACTS["provider_oncall"] not in calm


def test_ticket_problems_for_technicians() -> None:
    problem = pt.ticket_problem("credentials", 42)
    assert problem.startswith(f"Mail suspect (signalement n° 42){NBSP}: la personne a saisi")
    assert "RIB" not in pt.ticket_problem("replied", 7)
    assert "RIB" in pt.ticket_problem("replied", 7, asks_payment=True)
    assert "pièce jointe" in pt.ticket_problem("attachment", 7)
    assert "page a demandé" in pt.ticket_problem("clicked_asked", 7)
    with pytest.raises(KeyError):
        pt.ticket_problem("none", 7)
