"""The signals of a suspicious message, each with a weight and a French explanation.

Weights add up to a score (see ``verdict.py`` for the thresholds). A signal never looks
outside the message: no DNS, no HTTP, nothing is followed or opened.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from vigie.phishing.mailcheck.defang import defang_domain, defang_email, defang_url
from vigie.phishing.mailcheck.limits import Deadline, Limits
from vigie.phishing.mailcheck.parse import Attachment, Link, ParsedMail
from vigie.phishing.mailcheck.texts import INCOMPLETE_REASONS, LOOKALIKE_KINDS, explain, quote
from vigie.phishing.mailcheck.trusted import (
    FREEMAIL_DOMAINS,
    NOTIFICATION_PLATFORMS,
    TrustedDomains,
    belongs_to,
    host_is_ip,
    lookalike,
    normalise_words,
    registrable_domain,
)

__all__ = ["WEIGHTS", "Signal", "compute_signals"]

WEIGHTS: dict[str, int] = {
    "display_name_brand": 40,
    "display_name_brand_freemail": 50,
    "display_name_address": 40,
    "freemail_role": 25,
    "reply_to_other": 25,
    "reply_to_freemail": 30,
    "return_path_other": 5,
    "auth_dmarc_fail": 40,
    "auth_spf_fail": 20,
    "auth_spf_softfail": 10,
    "auth_dkim_fail": 15,
    "auth_max": 50,
    "lookalike_sender": 55,
    "lookalike_link": 50,
    "link_mismatch": 35,
    "link_mismatch_tracker": 10,
    "link_userinfo": 40,
    "url_shortener": 15,
    "ip_link": 35,
    "free_hosting": 20,
    "script_link": 35,
    "html_form": 30,
    "html_script": 10,
    "attachment_executable": 70,
    "attachment_disguised": 70,
    "attachment_double_extension": 60,
    "attachment_macro": 50,
    "attachment_disk_image": 60,
    "attachment_shortcut": 65,
    "attachment_html": 45,
    "attachment_archive_risky": 65,
    "attachment_archive_encrypted": 40,
    "attachment_archive": 15,
    "attachment_active_pdf": 30,
    "pressure_each": 8,
    "pressure_max": 24,
    "credentials_request": 30,
    "account_check": 20,
    "payment_change": 35,
    "payment_request": 10,
    "ceo_fraud": 35,
    "secrecy_request": 20,
    "refund_lure": 15,
    "parcel_lure": 15,
    "brand_mismatch": 15,
    "bad_sender": 15,
    "too_large": 25,
    "incomplete": 25,
}


@dataclass(frozen=True)
class Signal:
    """One reason for suspicion."""

    code: str
    weight: int
    explanation_fr: str
    indicators: tuple[str, ...] = ()


# --- Reference lists ---------------------------------------------------------------------

SHORTENERS = frozenset(
    {
        "bit.ly", "bitly.com", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "buff.ly",
        "rebrand.ly", "cutt.ly", "shorturl.at", "rb.gy", "t.ly", "tiny.cc", "s.id", "bl.ink",
        "lnkd.in", "urlz.fr", "qrco.de", "v.gd", "shorte.st", "adf.ly", "x.co", "soo.gd",
        "clck.ru", "u.to", "tiny.one", "short.io", "rebrandly.com", "bit.do", "1url.fr",
    }
)  # fmt: skip
FREE_HOSTING = frozenset(
    {
        "web.app", "firebaseapp.com", "github.io", "herokuapp.com", "netlify.app", "vercel.app",
        "pages.dev", "workers.dev", "r2.dev", "glitch.me", "blogspot.com", "wixsite.com",
        "weebly.com", "000webhostapp.com", "azurewebsites.net", "appspot.com", "ngrok.io",
        "ngrok-free.app", "forms.gle", "jotform.com", "typeform.com", "formstack.com",
        "sites.google.com", "docs.google.com", "storage.googleapis.com", "ipfs.io",
        "dweb.link", "webflow.io", "square.site", "godaddysites.com", "framer.website",
        "mystrikingly.com", "sharepoint-online.net", "dropboxusercontent.com", "codeanyway.com",
        "surge.sh", "replit.app", "repl.co", "formspree.io", "wordpress.com", "site123.me",
    }
)  # fmt: skip
# E-mail service providers' click-tracking hosts: their links never show their own address.
TRACKERS = frozenset(
    {
        "list-manage.com", "mailchimp.com", "mcusercontent.com", "sendibt2.com", "sendibt3.com",
        "sendibm1.com", "brevo.com", "sendinblue.com", "r.mail", "mjt.lu", "mailjet.com",
        "sparkpostmail.com", "hubspotlinks.com", "hs-sites.com", "exacttarget.com",
        "mandrillapp.com", "mailgun.org", "sendgrid.net", "ct.sendgrid.net", "rs6.net",
        "constantcontact.com", "campaign-archive.com", "emsecure.net", "safelinks.protection.outlook.com",
        "urldefense.com", "cmail19.com", "cmail20.com", "createsend.com", "awstrack.me",
        "mailjet.io", "mlsend.com", "sarbacane.com", "news-sarbacane.com", "dolist.net",
        "emailing.biz", "mailperformance.com", "sp1-brevo.net", "brevo.net", "sendibm2.com", "splio.com", "actito.be", "cabestan.com",
    }
)  # fmt: skip
SUSPICIOUS_TLDS = frozenset(
    {"xyz", "top", "icu", "click", "buzz", "live", "shop", "online", "site", "rest", "cyou",
     "monster", "sbs", "cfd", "quest", "support", "zip", "mov", "tk", "ml", "ga", "cf", "gq"}
)  # fmt: skip

EXECUTABLE_EXT = frozenset(
    {
        "exe", "scr", "com", "pif", "bat", "cmd", "vbs", "vbe", "js", "jse", "wsf", "wsh", "hta",
        "ps1", "psm1", "msi", "msix", "msp", "appx", "appxbundle", "dll", "cpl", "jar", "reg",
        "sh", "apk", "app", "gadget", "inf", "scf", "sct", "chm", "xll", "one", "application",
        "appref-ms", "msc", "ws", "lnk", "url", "iso", "img", "vhd", "vhdx", "dmg",
    }
)  # fmt: skip
SHORTCUT_EXT = frozenset({"lnk", "url", "scf", "appref-ms", "desktop"})
DISK_IMAGE_EXT = frozenset({"iso", "img", "vhd", "vhdx", "dmg", "udf"})
MACRO_EXT = frozenset({"docm", "dotm", "xlsm", "xltm", "xlam", "xlsb", "pptm", "potm", "ppam", "ppsm", "sldm"})  # fmt: skip
OLD_OFFICE_EXT = frozenset({"doc", "dot", "xls", "xlt", "ppt", "pps", "pot"})
HTML_EXT = frozenset({"html", "htm", "shtml", "xhtml", "xht", "mht", "mhtml", "svg", "svgz"})
ARCHIVE_EXT = frozenset({"zip", "rar", "7z", "gz", "tgz", "tar", "cab", "ace", "arj", "lzh", "bz2", "xz", "z", "zipx", "r00"})  # fmt: skip
DOCUMENT_EXT = frozenset(
    {"pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "txt", "rtf", "jpg",
     "jpeg", "png", "gif", "csv", "xml"}
)  # fmt: skip
RISKY_MAGIC = {"pe": "exécutable Windows", "elf": "exécutable", "macho": "exécutable", "lnk": "raccourci", "script": "script"}  # fmt: skip
ROLE_WORDS = re.compile(
    r"\b(?:direction|directeur|directrice|president|presidente|drh|daf|comptabilite|"
    r"secretariat|service|support|assistance|administrateur|administration|helpdesk|"
    r"equipe|messagerie|webmaster|securite|informatique|ressources humaines|paie|"
    r"facturation|tresorerie|responsable)\b"
)


# --- Vocabulary --------------------------------------------------------------------------

PRESSURE: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(pattern))
    for label, pattern in (
        ("urgent", r"\burgen(?:t|te|ts|tes|ce)\b"),
        ("dernier rappel", r"\bderni(?:er|ere) (?:rappel|relance|avertissement|avis|delai|notification)\b"),
        ("délai de 24/48 h", r"\b(?:sous|dans les|d ici|avant|en) (?:24|48|72) ?(?:h|heures)\b|\bavant minuit\b"),
        ("compte suspendu", r"\b(?:compte|acces|messagerie|boite|carte|dossier|abonnement|ligne|adresse)\b.{0,60}?\b(?:sera |seront |a ete |est |sont )?(?:suspendue?s?|bloquee?s?|desactivee?s?|fermee?s?|supprimee?s?|verrouillee?s?|restreinte?s?|expiree?s?|clotur[ee]e?s?)\b|\b(?:suspension|blocage|desactivation|fermeture|suppression|cloture|resiliation) (?:de|du|des) (?:votre|vos|ton|tes)\b"),
        ("mot de passe expiré", r"\bmot de passe (?:a |est |arrive a |va )?expir|\bexpiration (?:de |du )?(?:votre |ton )?mot de passe\b"),
        ("boîte pleine", r"\bboite (?:aux lettres |mail |de (?:reception|messagerie) )?(?:est )?(?:pleine|saturee)\b|\bquota\b|\b(?:espace|capacite) de stockage\b"),
        ("action requise", r"\baction (?:requise|immediate|necessaire|obligatoire)\b|\bintervention (?:requise|immediate)\b|\bimmediatement\b|\bsans delai\b"),
        ("menace", r"\bfaute de quoi\b|\bsans quoi\b|\bsous peine\b|\bpenalites?\b|\bmajorations?\b|\bpoursuites?\b|\bamende\b|\bdefinitivement\b"),
        ("confidentialité", r"\bconfidentiel(?:le)?\b|\bdiscretion\b|\bn en parlez\b|\bne pas en parler\b"),
    )
)  # fmt: skip
_VERBS = (
    r"saisi\w*|renseign\w*|confirm\w*|verifi\w*|valid\w*|mett\w* a jour|mise a jour|"
    r"actualis\w*|communiqu\w*|indiqu\w*|transmet\w*|envoy\w*|fourni\w*|reactiv\w*|"
    r"retabli\w*|debloqu\w*|identifi\w*|entr\w*|tap\w*|donn\w*|reinitialis\w*|"
    r"synchronis\w*|connect\w*|authentifi\w*"
)
CREDENTIALS = re.compile(
    rf"\b(?:{_VERBS})\b.{{0,60}}?\b(?:mot de passe|mots de passe|identifiants?|code (?:de "
    r"(?:verification|confirmation|securite|validation|connexion)|recu|a usage unique|sms|otp|pin)|"
    r"codes? (?:recus?|envoyes?) par sms|informations? (?:personnelles|bancaires|de connexion|de "
    r"paiement)|coordonnees bancaires|numero de (?:carte|securite sociale)|carte (?:bancaire|"
    r"vitale)|cryptogramme|donnees bancaires)\b"
)
# Secrets a message may ask for; two different ones named together are a request in themselves.
SENSITIVE_ITEMS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        r"\bmots? de passe\b",
        r"\bidentifiants?\b",
        r"\bcodes? (?:recus? |envoyes? )?par sms\b|\bcode (?:de (?:verification|confirmation|securite)|a usage unique|otp|pin)\b",
        r"\bnumero de securite sociale\b|\bnumero (?:de )?nir\b",
        r"\bnumero de (?:votre )?carte\b|\bcryptogramme\b|\bdate d expiration\b",
        r"\brib\b|\biban\b|\bcoordonnees bancaires\b",
        r"\bcopie de (?:votre |la )?(?:carte d identite|piece d identite|passeport)\b",
    )
)
ACCOUNT_CHECK = re.compile(
    rf"\b(?:{_VERBS})\b.{{0,40}}?\b(?:votre|vos|ton|tes) (?:compte|identite|informations|"
    r"donnees|dossier|adresse (?:e mail|email|mail|electronique)|boite|messagerie|acces)\b"
)
NEGATION = re.compile(r"\b(?:jamais|aucune?|personne|ne|n|ni)\b")
# « si vous ne confirmez pas votre mot de passe… » is a threat, not a negation.
CONDITIONAL = re.compile(r"\bsi (?:vous|tu) (?:ne|n)\b")
PAYMENT_CHANGE = re.compile(
    r"\b(?:changement|modification|mise a jour|nouvell?e?s?|nouveaux?|changer|modifier|mettre a "
    r"jour) (?:de |d |des |du |le |la |les |vos |votre |nos |notre |nouveaux |nouvelles )*"
    r"(?:coordonnees bancaires|rib|iban|domiciliation bancaire|compte bancaire|references "
    r"bancaires|banque)\b|\b(?:coordonnees bancaires|rib|iban|domiciliation bancaire|compte "
    r"bancaire) (?:ont |a |avons )(?:change|ete modifiee?s?|evolue)\b|\bnouveau rib\b"
)
PAYMENT_REQUEST = re.compile(
    r"\b(?:effectu\w*|proced\w* a|regl\w*|pay\w*|acquitt\w*|vers\w*|solde\w*)\b.{0,40}?\b"
    r"(?:paiement|virement|reglement|frais|montant|somme|facture|amende|solde)\b|\bfrais de "
    r"(?:livraison|douane|reexpedition|port|dossier|traitement|expedition)\b|\bpaiement "
    r"(?:en attente|refuse|echoue|requis)\b"
)
GIFT_CARDS = re.compile(
    r"\bcartes? (?:cadeaux?|prepayees?|google play|itunes|apple|steam)\b|\bcoupons? "
    r"(?:pcs|transcash|neosurf|paysafecard)\b|\bpaysafecard\b|\btranscash\b"
)
DISCRETION = re.compile(
    r"\bconfidentiel(?:le)?\b|\bdiscret\w*\b|\bne pas en parler\b|\bn en parlez\b|"
    r"\b(?:etes vous|es tu) disponible\b|\bsuis en reunion\b|\bjoignable\b|\boperation "
    r"(?:strategique|confidentielle)\b|\bacquisition\b"
)
SECRECY = re.compile(
    r"\bdiscret\w*\b|\bconfidentiel(?:le)?\b|\bne pas en parler\b|\bn en parlez\b|\bentre nous\b"
)
AVOIDS_PHONE = re.compile(
    r"\b(?:pas|plus|peu) joignable\b|\bne peux pas (?:t |vous )?(?:appeler|telephoner|parler)\b|"
    r"\ben reunion\b|\b(?:reponds|repondez) (?:moi )?(?:ici|uniquement|par (?:mail|e mail|retour))\b|"
    r"\b(?:es tu|etes vous) (?:disponible|a ton bureau|a votre bureau|au bureau|joignable)\b"
)
VIREMENT = re.compile(r"\bvirements?\b")
REFUND = re.compile(
    r"\bremboursements?\b.{0,60}?\b(?:en attente|disponibles?|vous attend|de \d|a recevoir|"
    r"bloques?|en cours de validation)\b|\bavez droit a (?:un|une) (?:remboursement|aide|"
    r"indemnite)\b|\btrop percu\b"
)
PARCEL = re.compile(
    r"\b(?:colis|livraison|envoi|paquet)\b.{0,80}?\b(?:en attente|n a pas pu etre (?:livre|"
    r"distribue)|retenue?|bloquee?|echec|adresse (?:incomplete|incorrecte)|en instance|"
    r"reprogramm\w*)\b"
)
_DOMAIN_IN_TEXT = re.compile(
    r"(?i)(?:https?://)?((?:[a-z0-9\u00a1-\uffff-]+\.)+(?:[a-z]{2,24}|xn--[a-z0-9-]+))(?=[/:?#\s]|$)"
)
_ADDRESS_IN_TEXT = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
_BODY_BRAND_EXCLUDED = frozenset({"ups", "ars", "caf", "cic", "lcl", "dpd", "bnp", "ministere"})


# --- Helpers -----------------------------------------------------------------------------


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().strip(".").lower()


def _same_org(a: str, b: str) -> bool:
    return bool(a) and bool(b) and registrable_domain(a) == registrable_domain(b)


def _extension(filename: str) -> str:
    return filename.rpartition(".")[2].lower().strip() if "." in filename else ""


@dataclass(frozen=True)
class _Url:
    link: Link
    parts: SplitResult | None
    host: str


def _split(link: Link) -> _Url:
    href = link.href.strip()
    if href.lower().startswith("www."):
        href = "http://" + href
    try:
        parts = urlsplit(href)
        host = (parts.hostname or "").strip(".").lower()
    except ValueError:
        return _Url(link, None, "")
    return _Url(link, parts, host)


class _Collector:
    def __init__(self) -> None:
        self.signals: list[Signal] = []
        self.codes: set[str] = set()

    def add(self, code: str, text_code: str, indicators: Iterable[str] = (), weight: int | None = None, **values: str) -> None:  # fmt: skip
        if code in self.codes:
            return
        self.codes.add(code)
        self.signals.append(
            Signal(
                code,
                WEIGHTS[code] if weight is None else weight,
                explain(text_code, **values),
                tuple(indicators),
            )
        )


# --- Signals -----------------------------------------------------------------------------


def _sender_signals(mail: ParsedMail, trusted: TrustedDomains, out: _Collector) -> None:
    sender = mail.from_address
    domain = _domain(sender)
    if not sender or not domain:
        out.add("bad_sender", "bad_sender")
    display = mail.from_display
    shown = _ADDRESS_IN_TEXT.search(display)
    if shown and domain and not _same_org(shown.group(1), domain):
        out.add(
            "display_name_address",
            "display_name_address",
            [defang_email(sender)],
            shown=defang_email(shown.group(0).lower()),
            real=defang_email(sender),
        )
    if display and domain:
        for brand in trusted.brands_named(display):
            owners = trusted.brand_domains(brand)
            if domain in FREEMAIL_DOMAINS or not belongs_to(domain, owners):
                freemail = domain in FREEMAIL_DOMAINS
                out.add(
                    "display_name_brand",
                    "display_name_brand",
                    [defang_email(sender)],
                    weight=WEIGHTS[
                        "display_name_brand_freemail" if freemail else "display_name_brand"
                    ],
                    name=quote(display),
                    domain=defang_domain(domain),
                )
                break
        if (
            domain in FREEMAIL_DOMAINS
            and "display_name_brand" not in out.codes
            and ROLE_WORDS.search(normalise_words(display))
        ):
            out.add(
                "freemail_role",
                "freemail_role",
                [defang_email(sender)],
                name=quote(display),
                domain=defang_domain(domain),
            )
    for reply in mail.reply_to:
        reply_domain = _domain(reply)
        if domain and reply_domain and not _same_org(reply_domain, domain):
            if _expected_reply_to(mail, domain, reply_domain, trusted):
                continue
            code = "reply_to_freemail" if reply_domain in FREEMAIL_DOMAINS else "reply_to_other"
            out.add(
                code,
                "reply_to_other",
                [defang_email(reply)],
                reply=defang_email(reply),
                domain=defang_domain(domain),
            )
            break
    return_domain = _domain(mail.return_path)
    if domain and return_domain and not _same_org(return_domain, domain):
        out.add(
            "return_path_other",
            "return_path_other",
            [defang_email(mail.return_path)],
            domain=defang_domain(return_domain),
        )
    hosts = [domain, *(_domain(r) for r in mail.reply_to), return_domain]
    if shown:
        hosts.append(shown.group(1).lower())
    for host in hosts:
        found = lookalike(host, trusted.domains) if host else None
        if found is not None:
            out.add(
                "lookalike_sender",
                "lookalike_sender",
                [defang_domain(found.host)],
                host=defang_domain(found.host),
                target=found.target,
                kind=LOOKALIKE_KINDS[found.kind],
            )
            break


_AUTH = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*([a-z]+)")


def _auth_signals(mail: ParsedMail, out: _Collector) -> None:
    results: dict[str, str] = {}
    if mail.authentication_results:
        # The topmost header is the one the receiving server added; lower ones can be forged.
        for method, result in _AUTH.findall(mail.authentication_results[0].lower()):
            if result in ("fail", "softfail", "permerror") or method not in results:
                results.setdefault(method, result)
                if result in ("fail", "softfail"):
                    results[method] = result
    if "spf" not in results and mail.received_spf:
        first = mail.received_spf[0].lower().split()
        if first:
            results["spf"] = first[0]
    weight = 0
    details = []
    if results.get("dmarc") == "fail":
        weight += WEIGHTS["auth_dmarc_fail"]
        details.append("DMARC")
    if results.get("spf") == "fail":
        weight += WEIGHTS["auth_spf_fail"]
        details.append("SPF")
    elif results.get("spf") == "softfail":
        weight += WEIGHTS["auth_spf_softfail"]
        details.append("SPF (partiel)")
    if results.get("dkim") == "fail":
        weight += WEIGHTS["auth_dkim_fail"]
        details.append("DKIM")
    if weight:
        out.add("auth_fail", "auth_fail", (), weight=min(weight, WEIGHTS["auth_max"]), details=", ".join(details))  # fmt: skip


def _link_signals(
    mail: ParsedMail, trusted: TrustedDomains, out: _Collector, deadline: Deadline
) -> list[str]:
    """Link signals; returns the defanged links flagged, for the indicators."""
    flagged: list[str] = []
    seen_hosts: set[str] = set()
    for url in map(_split, mail.links):
        if deadline.expired():
            break
        link = url.link
        scheme = url.parts.scheme.lower() if url.parts is not None else ""
        if scheme in ("javascript", "vbscript", "data", "file"):
            out.add("script_link", "script_link", [defang_url(link.href, 80)], scheme=f"{scheme}:")
            flagged.append(defang_url(link.href, 80))
            continue
        if scheme not in ("http", "https", "ftp") or not url.host:
            continue
        defanged = defang_url(link.href)
        host = url.host
        before = len(out.signals)
        if url.parts is not None and "@" in url.parts.netloc:
            out.add("link_userinfo", "link_userinfo", [defanged], real=defang_domain(host))
        if host_is_ip(host):
            out.add("ip_link", "ip_link", [defanged], host=defang_domain(host))
        reg = registrable_domain(host)
        if reg in SHORTENERS or host in SHORTENERS:
            out.add("url_shortener", "url_shortener", [defanged], host=defang_domain(host))
        if (belongs_to(host, FREE_HOSTING) or reg in FREE_HOSTING) and not trusted.is_trusted(host):
            out.add("free_hosting", "free_hosting", [defanged], host=defang_domain(host))
        if host not in seen_hosts and len(seen_hosts) < 100:
            seen_hosts.add(host)
            found = lookalike(host, trusted.domains)
            if found is not None:
                out.add(
                    "lookalike_link",
                    "lookalike_link",
                    [defanged],
                    host=defang_domain(found.host),
                    target=found.target,
                    kind=LOOKALIKE_KINDS[found.kind],
                )
        shown = _DOMAIN_IN_TEXT.search(link.text) if link.text else None
        if shown is not None and "@" not in link.text:
            shown_host = shown.group(1).lower()
            if not _same_org(shown_host, host) and not _looks_like_file(shown_host):
                tracker = belongs_to(host, TRACKERS)
                out.add(
                    "link_mismatch",
                    "link_mismatch",
                    [defanged],
                    weight=WEIGHTS["link_mismatch_tracker" if tracker else "link_mismatch"],
                    shown=defang_domain(shown_host),
                    real=defang_domain(host),
                )
        if len(out.signals) > before:
            flagged.append(defanged)
    return flagged


# What a file pretends to be in a double extension (« facture.pdf.exe », « message.wav.htm »).
MEDIA_EXT = frozenset(
    {"wav", "mp3", "m4a", "ogg", "oga", "opus", "amr", "wma", "aac", "mp4", "avi", "mkv", "wmv",
     "webm", "mpg", "mpeg", "heic", "bmp", "tif", "tiff", "webp", "vcf", "ics"}
)  # fmt: skip
DECOY_EXT = DOCUMENT_EXT | MEDIA_EXT

_TLD_LIKE_EXT = frozenset({"com", "app", "sh", "one", "ws", "url", "inf", "msc", "mov", "img"})


def _looks_like_file(name: str) -> bool:
    """Anchor text naming a file (« facture.pdf »), not a site."""
    ext = _extension(name)
    return (
        ext not in _TLD_LIKE_EXT and ext in DOCUMENT_EXT | EXECUTABLE_EXT | HTML_EXT | ARCHIVE_EXT
    )


def _attachment_signals(attachment: Attachment, out: _Collector) -> None:
    name = attachment.filename or "(sans nom)"
    quoted = quote(name)
    indicator = f"{name} sha256={attachment.sha256}"
    ext = _extension(attachment.filename)
    stem_ext = _extension(attachment.filename.rpartition(".")[0])
    add: Callable[..., None] = out.add
    if "\u202e" in name or (stem_ext in DECOY_EXT and ext in EXECUTABLE_EXT | HTML_EXT):
        add("attachment_double_extension", "attachment_double_extension", [indicator], name=quoted)
    if attachment.magic in RISKY_MAGIC and ext in DOCUMENT_EXT:
        add("attachment_disguised", "attachment_disguised", [indicator], name=quoted, kind=RISKY_MAGIC[attachment.magic])  # fmt: skip
    if ext in SHORTCUT_EXT or attachment.magic == "lnk":
        add("attachment_shortcut", "attachment_shortcut", [indicator], name=quoted)
    elif ext in DISK_IMAGE_EXT or attachment.magic == "iso":
        add("attachment_disk_image", "attachment_disk_image", [indicator], name=quoted)
    elif ext in EXECUTABLE_EXT or attachment.magic in RISKY_MAGIC or attachment.magic == "onenote":  # fmt: skip
        add("attachment_executable", "attachment_executable", [indicator], name=quoted)
    elif ext in HTML_EXT or attachment.magic in ("html", "svg"):
        add("attachment_html", "attachment_html", [indicator], name=quoted)
    if ext in MACRO_EXT or attachment.has_macros:
        add("attachment_macro", "attachment_macro", [indicator], name=quoted)
    if attachment.active_pdf:
        add("attachment_active_pdf", "attachment_active_pdf", [indicator], name=quoted)
    is_archive = ext in ARCHIVE_EXT or attachment.magic in ("rar", "7z", "gzip", "cab")
    is_archive = is_archive or (attachment.magic == "zip" and ext not in _OOXML_EXT)
    if not is_archive:
        return
    risky = [
        entry
        for entry in attachment.zip_entries or []
        if _extension(entry) in EXECUTABLE_EXT | HTML_EXT | MACRO_EXT | ARCHIVE_EXT - {"zip"}
        or "\u202e" in entry
    ]
    if risky:
        add("attachment_archive_risky", "attachment_archive_risky", [indicator], name=quoted, inner=quote(risky[0], 60))  # fmt: skip
    elif attachment.zip_encrypted:
        add("attachment_archive_encrypted", "attachment_archive_encrypted", [indicator], name=quoted)  # fmt: skip
    elif attachment.zip_entries is None:
        add("attachment_archive", "attachment_archive", [indicator], name=quoted)


_OOXML_EXT = frozenset({"docx", "xlsx", "pptx", "odt", "ods", "odp", "jar", "apk", "xps", "epub"}) | MACRO_EXT  # fmt: skip


def _matches(pattern: re.Pattern[str], text: str) -> bool:
    """A match not negated just before (« nous ne vous demanderons jamais votre mot de passe »)."""
    for match in pattern.finditer(text):
        window = text[max(0, match.start() - 40) : match.end()]
        if not NEGATION.search(window) or CONDITIONAL.search(window):
            return True
    return False


def _text_signals(mail: ParsedMail, trusted: TrustedDomains, out: _Collector) -> None:
    text = normalise_words(f"{mail.subject}\n{mail.text}")
    terms = [label for label, pattern in PRESSURE if _matches(pattern, text)]
    if terms:
        weight = min(WEIGHTS["pressure_each"] * len(terms), WEIGHTS["pressure_max"])
        out.add("pressure", "pressure", (), weight=weight, terms=", ".join(terms[:4]))
    if _matches(CREDENTIALS, text) or sum(1 for p in SENSITIVE_ITEMS if _matches(p, text)) >= 2:
        out.add("credentials_request", "credentials_request")
    elif _matches(ACCOUNT_CHECK, text):
        out.add("account_check", "account_check")
    if _matches(PAYMENT_CHANGE, text):
        out.add("payment_change", "payment_change")
    if GIFT_CARDS.search(text) or (VIREMENT.search(text) and DISCRETION.search(text)):
        out.add("ceo_fraud", "ceo_fraud")
    elif SECRECY.search(text) and AVOIDS_PHONE.search(text):
        out.add("secrecy_request", "secrecy_request")
    if (
        "ceo_fraud" not in out.codes
        and _matches(PAYMENT_REQUEST, text)
        and "payment_change" not in out.codes
    ):
        out.add("payment_request", "payment_request")
    if REFUND.search(text):
        out.add("refund_lure", "refund_lure")
    if PARCEL.search(text):
        out.add("parcel_lure", "parcel_lure")
    if mail.forms:
        out.add("html_form", "html_form")
    if mail.scripts:
        out.add("html_script", "html_script")
    # An organisation named in the subject or the opening lines, while neither the sender nor
    # any link belongs to it.
    domain = _domain(mail.from_address)
    if not domain or trusted.is_trusted(domain) or "display_name_brand" in out.codes:
        return
    hosts = [u.host for u in map(_split, mail.links) if u.host]
    for brand in trusted.brands_named(f"{mail.subject}\n{mail.text[:1500]}"):
        if brand in _BODY_BRAND_EXCLUDED:
            continue
        owners = trusted.brand_domains(brand)
        if hosts and not any(belongs_to(h, owners) for h in hosts):
            out.add("brand_mismatch", "brand_mismatch", (), brand=quote(brand.title()))
            break


def _limit_signals(mail: ParsedMail, limits: Limits, out: _Collector) -> None:
    if mail.oversized:
        out.add("too_large", "too_large", (), mb=str(limits.max_bytes // (1024 * 1024)))
        return
    what = [INCOMPLETE_REASONS[code] for code in mail.defects if code in INCOMPLETE_REASONS]
    if what:
        out.add("incomplete", "incomplete", (), what=", ".join(what))


# Vocabulary is weaker evidence in a message authenticated (DMARC, or SPF and DKIM, passing at
# the receiving server) from a trusted domain that is not free mail: an internal reminder about
# passwords, a colleague's new RIB for payroll, the provider's awareness campaign.
TEXT_CODES = frozenset(
    {
        "pressure", "credentials_request", "account_check", "payment_change", "payment_request",
        "ceo_fraud", "secrecy_request", "refund_lure", "parcel_lure", "brand_mismatch",
    }
)  # fmt: skip


def authenticated(mail: ParsedMail) -> bool:
    """Whether the receiving server found the sender authentic (DMARC, or SPF and DKIM)."""
    if not mail.authentication_results:
        return False
    results = dict(_AUTH.findall(mail.authentication_results[0].lower()))
    return results.get("dmarc") == "pass" or (
        results.get("spf") == "pass" and results.get("dkim") == "pass"
    )


def authenticated_trusted_sender(mail: ParsedMail, trusted: TrustedDomains) -> bool:
    domain = _domain(mail.from_address)
    if not domain or domain in FREEMAIL_DOMAINS or not trusted.is_trusted(domain):
        return False
    return authenticated(mail)


def _expected_reply_to(
    mail: ParsedMail, domain: str, reply_domain: str, trusted: TrustedDomains
) -> bool:
    """A Reply-To elsewhere that is no sign of fraud: replies going to a trusted organisation
    (not free mail), or an authenticated notification platform (calendar invitation, shared
    document) sending on behalf of the person the replies go to."""
    if reply_domain not in FREEMAIL_DOMAINS and trusted.is_trusted(reply_domain):
        return True
    return belongs_to(domain, NOTIFICATION_PLATFORMS) and authenticated(mail)


def compute_signals(
    mail: ParsedMail, trusted: TrustedDomains, limits: Limits, deadline: Deadline
) -> tuple[list[Signal], list[str]]:
    """All signals of ``mail``, and the defanged links they flag."""
    out = _Collector()
    _limit_signals(mail, limits, out)
    _sender_signals(mail, trusted, out)
    _auth_signals(mail, out)
    for attachment in mail.attachments[:50]:
        _attachment_signals(attachment, out)
    flagged: list[str] = []
    if not deadline.expired():
        flagged = _link_signals(mail, trusted, out, deadline)
    if not deadline.expired():
        _text_signals(mail, trusted, out)
    if authenticated_trusted_sender(mail, trusted):
        out.signals = [
            Signal(s.code, s.weight // 2, s.explanation_fr, s.indicators)
            if s.code in TEXT_CODES
            else s
            for s in out.signals
        ]
    return out.signals, flagged
