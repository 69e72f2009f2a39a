"""French texts about suspicious e-mail reports: escaping, typography, buttons, notices."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from vigie.core.messages import OutgoingMessage, html_to_plain
from vigie.phishing import desk_texts as pt
from vigie.phishing.views import CampaignView, ReportView

BAD_SPACING = re.compile(r" [:;?!»]|« ")
HOSTILE_SUBJECT = 'Votre <b>compte</b> & "accès" <script>alert(1)</script> suspendu'

REPORT = ReportView(
    id=12,
    created_at=datetime(2026, 11, 29, 13, 2, tzinfo=UTC),
    campaign_id=3,
    sender="u-anne",
    channel="telegram",
    chat_id=1001,
    registered=True,
    facility_name="EHPAD <Les> Tilleuls & Co",
    facility_town="Rodez",
    job="care",
    source="eml",
    filename="facture<1>.eml",
    size=12_345,
    sha256="ab" * 32,
    verdict="dangereux",
    score=85,
    reasons=("L’adresse imite <ameli.fr>", "Le message demande un mot de passe"),
    indicators=("hxxps://ameli-dossier[.]info/<x>", "pirate[@]ameli-dossier[.]info"),
    subject=HOSTILE_SUBJECT,
    mail_action="credentials",
    ticket_reference="VIG-2026-00042",
    asks_payment=False,
    asks_credentials=True,
    campaign_verdict=None,
)

CAMPAIGN = CampaignView(
    id=3,
    created_at=datetime(2026, 11, 29, 12, 0, tzinfo=UTC),
    last_seen_at=datetime(2026, 11, 29, 13, 2, tzinfo=UTC),
    subject=HOSTILE_SUBJECT,
    sender_domain="ameli-dossier.info",
    reports=4,
    people=3,
    facilities=2,
    verdict=None,
    verdict_by=None,
    warned_at=None,
    warned_scope=None,
    warn_total=0,
)
JUDGED = replace(CAMPAIGN, verdict="phishing", verdict_by="Paul <admin>")
TARGETS = {"facilities": (2, 15), "all": (5, 40)}

BUILDERS: dict[str, Callable[[], OutgoingMessage]] = {
    "technician_report": lambda: pt.technician_report(REPORT, CAMPAIGN),
    "document_caption": lambda: pt.document_caption(12),
    "known_campaign_note": lambda: pt.technician_known_campaign_note(REPORT, JUDGED),
    "action_note": lambda: pt.technician_action_note(REPORT),
    "notice_phishing": lambda: pt.reporter_verdict_notice(HOSTILE_SUBJECT, "phishing", "Paul"),
    "notice_spam": lambda: pt.reporter_verdict_notice(HOSTILE_SUBJECT, "spam", "Paul"),
    "notice_legit": lambda: pt.reporter_verdict_notice(HOSTILE_SUBJECT, "legit", None),
    "verdict_recorded": lambda: pt.technician_verdict_recorded(JUDGED, 2, "Paul <admin>"),
    "scope_choice": lambda: pt.warn_scope_choice(CAMPAIGN, TARGETS),
    "warn_started": lambda: pt.warn_started(15),
    "warn_summary": lambda: pt.warn_summary(HOSTILE_SUBJECT, sent=13, total=15, failed=2),
    "staff_warning": lambda: pt.staff_warning("Axion <Santé>", HOSTILE_SUBJECT, "evil.example"),
    "campaign_lesson": lambda: pt.campaign_lesson(HOSTILE_SUBJECT, ["<b>x</b> & y"]),
    "campaign_list": lambda: pt.campaign_list([CAMPAIGN, JUDGED]),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_everything_from_the_mail_or_users_is_escaped(name: str) -> None:
    html = BUILDERS[name]().html
    assert "<script>" not in html and "<Les>" not in html and "<b>compte" not in html
    assert "<admin>" not in html and "<ameli.fr>" not in html and "<Santé>" not in html
    assert "<x>" not in html
    # Only the tags Vigie uses are left.
    assert set(re.findall(r"</?([a-z]+)", html)) <= {"b", "code", "i"}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_french_typography(name: str) -> None:
    message = BUILDERS[name]()
    plain = html_to_plain(message.html)
    assert not BAD_SPACING.search(plain), plain
    assert "'" not in plain.replace('"accès"', "")
    for button in message.buttons:
        assert not BAD_SPACING.search(button.title)
        assert "'" not in button.title


def test_technician_report_holds_what_technicians_need_and_no_identity() -> None:
    message = pt.technician_report(REPORT, CAMPAIGN)
    plain = html_to_plain(message.html)
    assert "signalement n° 12" in plain
    assert "Campagne n° 3\u00a0: 4 signalements, 3 personnes, 2 établissements" in plain
    assert "EHPAD <Les> Tilleuls & Co, Rodez" in plain
    assert "soins" in plain and "score 85" in plain and "dangereux" in plain
    assert "a saisi un mot de passe ou un code" in plain
    assert "VIG-2026-00042" in plain
    assert "• L’adresse imite <ameli.fr>" in plain
    assert "hxxps://ameli-dossier[.]info/<x>" in plain
    assert "u-anne" not in plain and "1001" not in plain and "facture<1>" not in plain
    assert [(b.title, b.payload) for b in message.buttons] == [
        ("Hameçonnage", "v:ph:v:3:p"),
        ("Spam", "v:ph:v:3:s"),
        ("Légitime", "v:ph:v:3:l"),
        ("Prévenir le personnel", "v:ph:w:3"),
    ]


def test_campaign_line_only_when_the_campaign_has_several_reports() -> None:
    single = replace(CAMPAIGN, reports=1, people=1, facilities=1)
    assert "Campagne" not in pt.technician_report(REPORT, single).html
    one_each = replace(CAMPAIGN, reports=2, people=1, facilities=1)
    assert "2 signalements, 1 personne, 1 établissement" in pt.campaign_counts(one_each)


def test_unanswered_and_unregistered_labels() -> None:
    report = replace(REPORT, mail_action=None, ticket_reference=None, job=None)
    plain = html_to_plain(pt.technician_report(report, CAMPAIGN).html)
    assert "non précisé" in plain and "Demande" not in plain and "Métier" not in plain


def test_subject_is_shortened_to_about_120_characters() -> None:
    long_subject = "Urgent " + "x" * 400
    shown = pt.subject_html(long_subject)
    assert len(shown) < 130 and shown.endswith("…\u00a0»")
    assert pt.subject_html("   ") == "(sans objet)"
    message = pt.technician_report(replace(REPORT, subject=long_subject), CAMPAIGN)
    assert "x" * 200 not in message.html


def test_indicators_are_bounded() -> None:
    many = tuple(f"hxxps://site{i}[.]example/" + "a" * 500 for i in range(40))
    html = pt.technician_report(replace(REPORT, indicators=many), CAMPAIGN).html
    assert html.count("<code>") == pt.MAX_INDICATORS
    assert "a" * 300 not in html
    assert len(html) < 4096


def test_document_caption_and_missing_original() -> None:
    caption = pt.document_caption(12).html
    assert caption == (
        "Message original du signalement n° 12 — à n’ouvrir que dans un environnement d’analyse."
    )
    assert pt.caption_without_file(caption).endswith("\n(fichier original supprimé)")


@pytest.mark.parametrize(
    ("verdict", "expected"),
    [
        ("phishing", "c’est bien un hameçonnage\u00a0: supprimez-le\u00a0; si vous avez cliqué"),
        (
            "spam",
            "c’est un spam (publicité non sollicitée)\u00a0: sans danger mais inutile, vous "
            "pouvez le supprimer.",
        ),
        (
            "legit",
            "c’est un mail légitime\u00a0: vous pouvez le traiter normalement. Continuez à vous "
            "méfier des demandes inhabituelles.",
        ),
    ],
)
def test_reporter_verdict_notice(verdict: str, expected: str) -> None:
    plain = html_to_plain(pt.reporter_verdict_notice("Votre colis", verdict, "Paul").html)
    assert plain.startswith(
        "Merci pour votre signalement du mail «\u00a0Votre colis\u00a0». Paul, technicien, "
        "l’a examiné\u00a0: "
    )
    assert expected in plain
    lowered = plain.lower()
    assert "aveuglément" not in lowered and "toute confiance" not in lowered
    assert "sans risque" not in lowered


def test_reporter_verdict_notice_without_name_or_subject() -> None:
    plain = html_to_plain(pt.reporter_verdict_notice("", "spam", None).html)
    assert plain.startswith(
        "Merci pour votre signalement de ce mail sans objet. Un technicien l’a examiné\u00a0:"
    )
    phishing = html_to_plain(pt.reporter_verdict_notice("x", "phishing", None).html)
    assert "dites-le-moi" in phishing


def test_verdict_toast_counts_people_and_fits_telegram() -> None:
    assert pt.verdict_toast("phishing", 2) == (
        "Verdict enregistré\u00a0: hameçonnage. 2 personnes informées."
    )
    assert pt.verdict_toast("spam", 1).endswith("1 personne informée.")
    assert pt.verdict_toast("legit", 0).endswith("Aucune nouvelle personne à informer.")
    assert len(pt.verdict_toast("legit", 10**6)) <= pt.TOAST_CHARS


def test_warn_scope_choice_buttons() -> None:
    message = pt.warn_scope_choice(CAMPAIGN, TARGETS)
    assert [(b.title, b.payload) for b in message.buttons] == [
        ("Les 2 établissements concernés (15 personnes)", "v:ph:ws:3:f"),
        ("Tous les établissements (40 personnes)", "v:ph:ws:3:a"),
        ("Annuler", "v:ph:x"),
    ]
    one = pt.warn_scope_choice(CAMPAIGN, {"facilities": (1, 1), "all": (3, 9)})
    assert one.buttons[0].title == "L’établissement concerné (1 personne)"


def test_warn_scope_choice_after_a_warning_or_without_anyone() -> None:
    warned = replace(
        CAMPAIGN, warned_scope="facilities", warned_at=datetime(2026, 11, 29, 13, 2, tzinfo=UTC)
    )
    message = pt.warn_scope_choice(warned, TARGETS)
    assert [b.payload for b in message.buttons] == ["v:ph:ws:3:a", "v:ph:x"]
    assert "Déjà prévenus\u00a0: les établissements concernés, le 29/11 à 14 h 02" in message.html
    everyone = replace(warned, warned_scope="all")
    done = pt.warn_scope_choice(everyone, TARGETS)
    assert done.buttons == () and "déjà été prévenu" in done.html
    nobody = pt.warn_scope_choice(CAMPAIGN, {"facilities": (2, 0), "all": (5, 0)})
    assert nobody.buttons == () and "Personne à prévenir" in nobody.html


def test_warn_started_and_summary() -> None:
    assert "Alerte en cours d’envoi à 15 personnes" in pt.warn_started(15).html
    plain = html_to_plain(pt.warn_summary("Colis", sent=13, total=15, failed=2).html)
    assert (
        "Alerte «\u00a0Colis\u00a0»\u00a0: reçue par 13 personnes sur 15 (2 injoignables)" in plain
    )
    single = html_to_plain(pt.warn_summary("Colis", sent=1, total=1, failed=0).html)
    assert "reçue par 1 personne sur 1 (0 injoignable)" in single


def test_staff_warning() -> None:
    message = pt.staff_warning("Axion Santé", "Votre colis", "colis-suivi.info")
    plain = html_to_plain(message.html)
    assert plain.startswith(
        "⚠️ Alerte sécurité (Axion Santé)\u00a0: un faux mail «\u00a0Votre colis\u00a0»"
    )
    assert "(expéditeur colis-suivi[.]info) circule en ce moment." in plain
    assert "Ne cliquez sur aucun lien, n’ouvrez pas la pièce jointe, ne répondez pas" in plain
    assert "dites-le-moi ici tout de suite." in plain
    assert "colis-suivi.info" not in plain  # defanged
    assert [(b.title, b.payload) for b in message.buttons] == [
        ("J’ai cliqué ou répondu", "/report_phishing")
    ]
    no_domain = html_to_plain(pt.staff_warning("Axion", "Colis", None).html)
    assert "expéditeur" not in no_domain
    with_lesson = pt.staff_warning("Axion", "Colis", None, campaign_id=7)
    lesson_button = with_lesson.buttons[1]
    assert lesson_button.payload == "v:phl:7"
    assert lesson_button.title.startswith("Comment le reconnaître")


def test_campaign_lesson_shows_three_signs_escaped() -> None:
    reasons = ["Signe <un>", "Signe deux", "Signe trois", "Signe quatre"]
    plain = html_to_plain(pt.campaign_lesson("Votre <colis>", reasons).html)
    assert "Comment reconnaître ce faux mail" in plain and "Votre <colis>" in plain
    assert "1. Signe <un>" in plain and "3. Signe trois" in plain
    assert "quatre" not in plain and "envoyez-le-moi" in plain
    assert "<un>" not in pt.campaign_lesson("x", reasons).html  # escaped
    assert "pas d’indice" in html_to_plain(pt.campaign_lesson("x", []).html)


def test_payloads_fit_telegram_callback_data() -> None:
    big = 10**15
    payloads = [
        pt.verdict_payload(big, "phishing"),
        pt.warn_payload(big),
        pt.warn_scope_payload(big, "facilities"),
        pt.CANCEL_PAYLOAD,
    ]
    assert all(len(p.encode()) <= 64 and p.startswith("v:ph:") for p in payloads)
    with pytest.raises(ValueError):
        pt.verdict_payload(1, "maybe")


def test_error_texts_cover_every_code() -> None:
    for code in ("not_found", "not_technician", "bad_value", "already_warned", "nobody"):
        assert pt.error_text(code) and not BAD_SPACING.search(pt.error_text(code))
    assert pt.error_text("unknown") == pt.ERROR_TEXTS["bad_value"]


def test_campaign_list() -> None:
    plain = html_to_plain(pt.campaign_list([CAMPAIGN, JUDGED]).html)
    assert "n° 3" in plain and "à classer" in plain and "hameçonnage" in plain
    assert "Aucun mail suspect" in pt.campaign_list([]).html
