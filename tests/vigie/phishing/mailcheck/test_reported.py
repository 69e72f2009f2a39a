"""Which message a mail of the reporting mailbox reports, and how it is judged."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage

from tests.auxil.paths import EMAILS
from vigie.phishing.mailcheck import trusted_domains
from vigie.phishing.mailcheck.reported import analyse_reported
from vigie.phishing.mailcheck.verdict import analyse

AUTHSERV = "mx.prestataire.test"
FACILITY = "ehpad-lestilleuls.fr"
TRUSTED = trusted_domains([FACILITY])
AMELI = (EMAILS / "phishing" / "ameli_remboursement_lookalike.eml").read_bytes()
FORWARDED_AMELI = (
    "-------- Message transféré --------\n"
    "De : Assurance Maladie <noreply@ameli-remboursement.info>\n"
    "Date : lun. 7 déc. 2026 à 07:12\nObjet : Votre remboursement\n\n"
    "Votre remboursement de 148,20 € est en attente. Confirmez vos coordonnées bancaires "
    "sous 24h : http://ameli-remboursement.info/login.php\n"
)


def outer(sender: str, *, dmarc: str = "pass") -> EmailMessage:
    message = EmailMessage(policy=policy.default)
    message["From"] = sender
    message["To"] = "signalement@prestataire.test"
    message["Subject"] = "TR: à voir"
    domain = sender.rpartition("@")[2].rstrip(">")
    message["Authentication-Results"] = (
        f"{AUTHSERV}; dmarc={dmarc} header.from={domain}; spf={dmarc}; dkim={dmarc}"
    )
    return message


def judge(data: bytes, reporters: tuple[str, ...] = (FACILITY,)):  # type: ignore[no-untyped-def]
    return analyse_reported(data, trusted=TRUSTED, reporters=reporters, authserv_ids=(AUTHSERV,))


def test_an_attached_mail_is_the_reported_one() -> None:
    message = outer(f"anne@{FACILITY}")
    message.set_content("Bonjour, regardez ce mail.")
    message.add_attachment(email.message_from_bytes(AMELI, policy=policy.default))
    reported = judge(message.as_bytes())
    assert reported.forwarded == "attached"
    assert reported.analysis.verdict == "dangereux"
    assert "ameli-remboursement" in reported.analysis.sender


def test_an_inline_forward_is_judged_on_the_forwarded_headers_and_the_real_links() -> None:
    message = outer(f"anne@{FACILITY}")
    message.set_content("Bonjour,\n\n" + FORWARDED_AMELI)
    reported = judge(message.as_bytes())
    assert reported.forwarded == "inline"
    assert reported.analysis.verdict == "dangereux"
    assert reported.analysis.sender.startswith("noreply[@]ameli-remboursement")
    # Judged as it stands, the staff member's own forward says little.
    assert analyse(message.as_bytes(), trusted=TRUSTED).score < reported.analysis.score


def test_an_inline_forward_keeps_the_html_links_real_targets() -> None:
    message = outer(f"anne@{FACILITY}")
    message.set_content(
        "<p>-------- Message transféré --------<br>De : Service RH &lt;rh@"
        + FACILITY
        + "&gt;<br>Objet : Prime de fin d’année</p>"
        '<p>Consultez votre prime : <a href="http://prime-rh.top/login">https://intranet.'
        + FACILITY
        + "/primes</a></p>",
        subtype="html",
    )
    reported = judge(message.as_bytes())
    assert reported.forwarded == "inline"
    assert "prime-rh[.]top" in " ".join(reported.analysis.indicators)


def test_nothing_forwarded_means_the_mail_itself() -> None:
    message = outer(f"anne@{FACILITY}")
    message.set_content("Bonjour, j’ai reçu un mail bizarre ce matin, je fais quoi ?")
    reported = judge(message.as_bytes())
    assert reported.forwarded == "none"


def test_a_strangers_wrapper_is_judged_too_and_the_worse_stands() -> None:
    """An unauthenticated lookalike forwarding a harmless-looking block: the wrapper's own
    signals are not hidden behind what it claims to forward."""
    message = outer("Ameli <service@ameli-remboursement.info>", dmarc="fail")
    message.set_content(
        "Votre dossier est bloqué : http://ameli-remboursement.info/d\n\n"
        "-------- Message transféré --------\nDe : Mairie <contact@mairie-rodez.fr>\n"
        "Objet : Réunion\n\nBonjour, la réunion est jeudi.\n"
    )
    reported = judge(message.as_bytes())
    assert reported.forwarded == "inline"
    assert reported.analysis.verdict == "dangereux"
