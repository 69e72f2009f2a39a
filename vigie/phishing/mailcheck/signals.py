"""The signals of a suspicious message, each with a weight and a French explanation.

Weights add up to a score (see ``verdict.py`` for the thresholds). A signal never looks
outside the message: no DNS, no HTTP, nothing is followed or opened.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from vigie.phishing.mailcheck.defang import defang_domain, defang_email, defang_url
from vigie.phishing.mailcheck.limits import Deadline, Limits
from vigie.phishing.mailcheck.macros import macro_signals
from vigie.phishing.mailcheck.parse import Attachment, Link, ParsedMail
from vigie.phishing.mailcheck.qr import qr_texts
from vigie.phishing.mailcheck.texts import INCOMPLETE_REASONS, LOOKALIKE_KINDS, explain, quote
from vigie.phishing.mailcheck.trusted import (
    BIDI_CONTROLS,
    FREEMAIL_DOMAINS,
    NOTIFICATION_PLATFORMS,
    TrustedDomains,
    belongs_to,
    clean_host,
    host_is_ip,
    lookalike,
    normalise_words,
    registrable_domain,
    skeleton_text,
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
    "auth_spf_fail": 30,
    "auth_spf_softfail": 15,
    "auth_dkim_fail": 25,
    "auth_max": 50,
    "lookalike_sender": 55,
    "lookalike_link": 50,
    "link_mismatch": 35,
    "link_mismatch_tracker": 10,
    "link_userinfo": 40,
    "url_shortener": 25,
    "ip_link": 35,
    "free_hosting": 25,
    "script_link": 35,
    "html_form": 30,
    "html_script": 5,
    "attachment_executable": 70,
    "attachment_disguised": 70,
    "attachment_double_extension": 60,
    "attachment_bidi": 60,
    "attachment_macro": 50,
    "macro_autoexec_payload": 70,  # macros.py: runs by itself and downloads or runs a program
    "macro_payload": 20,
    "macro_autoexec": 5,
    "macro_indicator": 5,
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
    "obfuscated_text": 40,
    "sender_free_hosting": 40,
    "redirect_link": 20,
    "executable_link": 45,
    "remote_control_request": 45,
    "account_lure": 25,
    "prize_lure": 25,
    "cpf_lure": 35,
    "recipient_in_subject": 25,
    "display_name_domain": 30,
    "suspicious_tld": 30,
    "suspicious_tld_link": 25,
    "hidden_text": 30,
    "scam_offer": 25,
    "extortion": 50,
    "bad_sender_malformed": 25,
    "link_mismatch_unknown": 10,
    "reply_to_other_bulk": 15,
    "sender_mismatch": 25,
    "foreign_lure": 25,
    "qr_link": 25,
    "random_mailboxes": 25,
    "advance_fee": 30,
    "callback_scam": 30,
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
        "run.app", "cloudfunctions.net", "onrender.com", "fly.dev", "railway.app",
        "azurestaticapps.net", "amplifyapp.com", "s3.amazonaws.com", "b-cdn.net",
        "ipfs.w3s.link", "w3s.link", "nftstorage.link", "translate.goog", "backblazeb2.com",
        "firebasestorage.googleapis.com", "web.core.windows.net", "blob.core.windows.net",
        "cprapid.com", "wcomhost.com", "weeblysite.com", "yolasite.com", "tilda.ws",
    }
)  # fmt: skip
# Amazon S3 buckets served as web sites, in every region (``x.s3-website-eu-west-1.amazonaws.com``,
# ``x.s3.eu-west-3.amazonaws.com``): storage anyone can rent, like ``s3.amazonaws.com``.
_S3_HOST = re.compile(r"(?:^|\.)s3(?:[.-]website)?(?:[.-][a-z0-9-]+)?\.amazonaws\.com$")
# Where anyone can run a site or send mail from a sub-domain in minutes: never an
# organisation's own sending domain.
APP_HOSTING = frozenset(
    {
        "web.app", "firebaseapp.com", "run.app", "cloudfunctions.net", "herokuapp.com",
        "netlify.app", "vercel.app", "pages.dev", "workers.dev", "r2.dev", "glitch.me",
        "onrender.com", "fly.dev", "railway.app", "azurewebsites.net", "azurestaticapps.net",
        "amplifyapp.com", "appspot.com", "ngrok.io", "ngrok-free.app", "000webhostapp.com",
        "replit.app", "repl.co", "surge.sh", "github.io", "blogspot.com", "wixsite.com",
        "weebly.com", "webflow.io", "cprapid.com", "s3.amazonaws.com", "weeblysite.com",
    }
)  # fmt: skip
# Query parameters that carry the real destination of a redirecting link.
REDIRECT_KEYS = (
    "url", "u", "q", "target", "dest", "destination", "redirect", "redirect_uri",
    "redirect_url", "redir", "adurl", "uddg", "link", "goto", "to", "continue", "next",
    "returnurl", "return_url", "r", "data", "l",
)  # fmt: skip
# Executables, scripts and disk images a link may download (no host-like extension).
LINK_EXECUTABLE_EXT = frozenset(
    {
        "exe", "scr", "pif", "bat", "cmd", "vbs", "vbe", "js", "jse", "wsf", "wsh", "hta",
        "ps1", "msi", "msix", "appx", "jar", "apk", "iso", "img", "vhd", "vhdx", "dmg", "lnk",
        "reg", "cpl", "xll", "msc", "chm",
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
     "monster", "sbs", "cfd", "quest", "support", "zip", "mov", "tk", "ml", "ga", "cf", "gq",
     "store", "lat", "bond", "autos", "boats", "beauty", "hair", "skin", "makeup", "mom", "lol",
     "win", "bid", "loan", "work", "party", "date", "review", "country", "kim", "science",
     "men", "racing", "download", "stream", "gdn", "ru", "su", "cn", "pw", "cc", "ws", "today",
     "life", "fun", "space", "website", "pics", "wiki", "digital", "asia", "cam", "fit"}
)  # fmt: skip
# Second-level "domains" anyone can rent under (CentralNic and the like): ``x.sa.com``.
PSEUDO_SUFFIXES = frozenset(
    {"sa.com", "uk.com", "us.com", "br.com", "za.com", "ru.com", "de.com", "eu.com", "jpn.com",
     "gb.net", "in.net", "cn.com", "ae.org", "us.org", "gr.com", "hu.net", "se.net", "co.com"}
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
    r"facturation|tresorerie|responsable|"
    # the same roles, and institutions, in the languages of real campaigns
    r"bank|banco|banque|suporte|soporte|customer (?:service|care|support)|atendimento|"
    r"seguranca|security|notifica\w*|gov|government|governo|gobierno|united nations|"
    r"nations unies|compensation|indenizacao|tribunal|justica|police|policia|"
    r"customs|douane|alfandega|aduana|receita|billing|invoice|fatura|factura|protocolo|"
    r"western union|admin|administrator|help desk|it department|payroll|human resources)\b"
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
NEGATION = re.compile(r"\b(?:jamais|aucune?|personne|ne|n|ni|never|not|no)\b")
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
# English lures (real campaigns reach French mailboxes in English too).
CREDENTIALS_EN = re.compile(
    r"\b(?:verify|confirm|update|validate|re ?enter|provide|submit|enter|sign in|log ?in|"
    r"login|reactivate|restore|unlock|reset)\b.{0,50}?\b(?:password|passcode|credentials|"
    r"login details|security (?:code|questions?)|card (?:details|number|information)|billing "
    r"(?:information|details|address)|payment (?:information|details|method)|bank (?:details|"
    r"account)|social security|ssn)\b"
)
ACCOUNT_LURE = re.compile(
    r"\byour (?:account|mailbox|email|e mail|apple id|password|card|subscription|membership|"
    r"wallet|profile|access)\b.{0,80}?\b(?:has been |have been |will be |is |was )?"
    r"(?:suspended|locked|limited|disabled|deactivated|closed|terminated|on hold|restricted|"
    r"compromised|blocked|expired?|expiring|frozen|flagged|cancelled|canceled)\b|"
    r"\b(?:unusual|suspicious|unauthori[sz]ed|unrecogni[sz]ed) (?:sign ?in|log ?in|login|"
    r"activity|access|attempt|transaction|payment)s?\b|\b(?:activite|connexion|transaction|"
    r"tentative de connexion) (?:inhabituelle|suspecte|non autorisee)\b|"
    r"\b(?:verify|confirm|validate|update|restore|reactivate|unlock|secure)\b.{0,30}?"
    r"\b(?:your|the) (?:account|identity|information|details|email|mailbox|profile|apple id|"
    r"wallet)\b"
)
PRIZE = re.compile(
    r"\byou (?:have |ve )?(?:won\b(?! t\b)|been (?:selected|chosen)\b)|\bclaim (?:your|the) "
    r"(?:reward|prize|gift|bonus|refund|compensation|package|winnings)\b|\b(?:free|exclusive) "
    r"(?:gift|reward)\b|\bvous avez (?:ete )?(?:gagne|selectionnee?|tiree? au sort)\b|"
    r"\bcadeau (?:offert|gratuit|exclusif)\b|\b(?:reclamez|recuperez) (?:votre|vos) "
    r"(?:cadeau|gain|recompense|lot|prime)\b"
)
# Money said to be waiting on an account the reader never opened: « +28,282$ on your balance »,
# « you have 24 hours to withdraw », tokens or an allocation to claim.
WINDFALL = re.compile(
    r"\b(?:balance|account|wallet|withdraw\w*|credited|replenished|rich|score|earned)\b.{0,40}?"
    r"(?<![\w+])\+ ?(?:[$€£] ?\d|\d[\d ]{0,12}[$€£])|(?<![\w+])\+ ?\d{1,3}(?: \d{3})+ ?[$€£]|"
    r"\bhours? to withdraw\b|\bwithdraw(?:al)?s? (?:is |are )?(?:now )?(?:available|awaiting|"
    r"pending|ready)\b|\bclaim (?:now|your (?:\w+ )?(?:share|tokens?|allocation|airdrop|funds?|"
    r"payment|kit|spot|assets?|balance))\b|\b(?:tokens?|allocation|assets?) (?:is |are )?(?:now )?"
    r"(?:ready|available) (?:to|for) (?:claim|withdraw\w*)\b|\byour \w+ tokens are ready\b|"
    r"\b(?:earned|received|won) (?:a|an|your) (?:reward|bonus|prize)\b|\b(?:take|complete|"
    r"fill (?:in|out)|answer) (?:our|this|a|the) (?:short |quick |brief )?(?:survey|"
    r"questionnaire)\b.{0,200}?\b(?:reward|gift|prize|win|free)\b"
)
REFUND_EN = re.compile(
    r"\brefunds?\b.{0,60}?\b(?:pending|available|approved|processed|waiting|claim|eligible|"
    r"issued)\b|\btax refund\b|\beligible (?:for|to receive) (?:a |an )?(?:refund|payment|"
    r"compensation|reimbursement)\b"
)
PARCEL_EN = re.compile(
    r"\b(?:package|parcel|shipment|delivery|order)\b.{0,80}?\b(?:on hold|pending|failed|"
    r"could not be delivered|unable to (?:be )?deliver\w*|unpaid|customs|suspended|returned|"
    r"held)\b"
)
PAYMENT_EN = re.compile(
    r"\bpayment (?:is )?(?:due|required|failed|declined|overdue|pending)\b|\boverdue\b|"
    r"\boutstanding (?:balance|invoice|payment)\b|\b(?:shipping|customs|delivery) (?:fee|"
    r"charges?)\b"
)
PRESSURE_EN: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(pattern))
    for label, pattern in (
        ("urgent", r"\burgent\w*\b"),
        ("dernier rappel", r"\b(?:final|last) (?:notice|reminder|warning|attempt)\b"),
        ("délai de 24/48 h", r"\bwithin (?:24|48|72) ?(?:h|hours?|hrs)\b|\b(?:24|48) hours\b"),
        (
            "action requise",
            r"\b(?:action|response|verification) (?:is )?required\b|\bimmediately\b|\bas soon as possible\b",
        ),
        ("mot de passe expiré", r"\bpassword (?:will )?(?:expire|expires|expired|expiring)\b"),
        (
            "boîte pleine",
            r"\b(?:mailbox|storage|inbox|quota) (?:is )?(?:full|almost full|exceeded|limit)\b",
        ),
    )
)
REMOTE_TOOLS = re.compile(
    r"\b(?:prise en main a distance|controle a distance|remote (?:access|control|desktop|support) "
    r"(?:tool|software|app\w*)|anydesk|teamviewer|team viewer|supremo|rustdesk|ammyy|ultraviewer|quicksupport|"
    r"quick support|quick ?assist|logmein|splashtop|screenconnect|connectwise|remote utilities|"
    r"remotepc|zoho assist|getscreen|aeroadmin|netsupport|dwservice|ultravnc|tightvnc)\b"
)
INSTALL = re.compile(r"\b(?:install\w*|telecharg\w*|download\w*|lanc\w*|execut\w*|ouvr\w*|run)\b")
CODE_READOUT = re.compile(
    r"\b(?:communiqu\w*|donn\w*|lire|lisez|indiqu\w*|transmet\w*|envoy\w*|dict\w*|read|give|"
    r"send|tell|provide|share)\b.{0,40}?\b(?:code|identifiant|id|numero|number)\b.{0,20}?"
    r"\b(?:affiche|qui s affiche|a l ecran|displayed|shown|on (?:your|the) screen)\b"
)
CPF = re.compile(
    r"\b(?:cpf|compte (?:personnel de )?formation|mon compte formation|droits? (?:a la |de )?"
    r"formation|heures de formation|moncompteformation)\b"
)
CPF_HOOK = re.compile(
    r"\b(?:expir\w*|perd\w*|dernier (?:jour|delai)|avant le|solde|euros?|disponibles?|"
    r"utilis\w*|credit\w*|montant|financ\w*)\b"
)
PRIZE_FR = re.compile(
    r"\bvous avez ete (?:choisie?s?|selectionnee?s?|tiree?s? au sort)\b|\b(?:reclamer|recuperer|"
    r"recevoir) (?:votre|vos|un|une) (?:cadeau|recompense|gain|lot|prime|bon d achat|coffret|"
    r"boite mystere)\b|\bgagne[rz]? (?:un|une|des) \w+|\bcarte cadeau\b|\bbon d achat\b.{0,40}?"
    r"\b(?:offert|gratuit|pret|gagn\w*)\b|\bmystery box\b|\bboite mystere\b"
)
SCAM_OFFER = re.compile(
    r"\b(?:casino|free spins|freispiele|tours gratuits|jackpot|bonus de bienvenue|"
    r"welcome bonus|airdrop|staking|bitcoin|crypto ?monnaies?|cryptocurrency|btc|usdt|"
    r"investissement garanti|guaranteed returns?|rendement garanti|trading bot|personal loans?|"
    r"pret personnel|credit rapide|perte de poids|weight loss|keto\w*|viagra|cialis|erecti\w*|"
    r"aphrodisia\w*|inheritance|heritage de|"
    r"lottery|loterie|panneaux? solaires? gratuits?|"
    r"(?:panneaux? solaires?|pompes? a chaleur|isolation)\b.{0,150}?\b(?:primes?|aides? de l "
    r"etat|l etat (?:va|prend|finance|paie)|a 1 ?(?:euro|€))|"
    r"iptv)\b"
)
# Advance-fee fraud (« 419 »): a large sum together with the story that goes with it (a
# dying donor, a late husband, a dormant fund, a beneficiary), in English, French, Portuguese
# and Spanish. A sum alone is news; the story alone is a letter; both are the scam.
_CURRENCY = r"(?:(?<!\w)us ?\$|(?<!\w)r\$|\busd|\$|€|£|\beur)"
_HUNDREDS_OF_THOUSANDS = r"(?:\d{3}(?: \d{3})+|\d{1,3}(?: \d{3}){2,})"
BIG_SUM = re.compile(
    r"\b(?:millions?|milhoes|milhao|millones|millon|milliards?)\b.{0,40}?\b(?:dollars?|usd|"
    r"euros?|eur|pounds?|gbp|dolares|reais)\b|"
    rf"{_CURRENCY} ?\d[\d ]{{0,6}}(?:m|millions?|milhoes|milhao|millones|millon)\b|"
    rf"{_CURRENCY} ?{_HUNDREDS_OF_THOUSANDS}\b|\b{_HUNDREDS_OF_THOUSANDS}(?: \d{{2}})? ?"
    r"(?:usd|dollars?|euros?|\$|€)"
)
FEE_STORY: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        r"\bnext of kin\b|\bbeneficiar(?:y|ies|io|ios|ia|ias|e|es)\b",
        r"\b(?:my|mon|meu|minha|mi) (?:late|feu|defunt|falecido|falecida|difunto)\b|\bwidow\b|"
        r"\bveuve\b|\bviuva\b|\bviuda\b|\bfalec\w+|\bdeceased\b|\bpassed away\b",
        r"\b(?:cancer|cancro|terminal illness|dying|sick bed|leito)\b",
        r"\b(?:charity|charities|charitable|orphanages?|orphans?|caridade|orfanatos?|orfaos|"
        r"caridad|oeuvres caritatives|orphelinats?)\b",
        r"\b(?:donate|donation|donations|doar|doacao|donativos?|donar|donacion|faire don)\b",
        r"\b(?:inheritance|inherit\w*|heranca|herdar|herdei|herencia|heredar|heritage)\b",
        r"\b(?:dormant|abandoned|unclaimed|consignment|deposited) (?:fund|funds|account|box)\b|"
        r"\bfundo (?:de|vencedor|abandonado)\b|\bcompensation (?:fund|program\w*|payment)\b|"
        r"\bprograma de indenizacao\b|\bindeniza\w+",
        r"\b(?:transfer|transferir|transferencia|transferido|transfert) (?:of |the |this |do |o |"
        r"de |des |les )?(?:funds?|fundos?|fonds|money|dinheiro)\b",
        r"\bforeign partner\b|\bparceiro estrangeiro\b|\bsocio extranjero\b|\btrustworthy\b|"
        r"\bconfidential business\b|\bdear beloved\b|\bquerid[oa] amad[oa]\b",
    )
)
# A purchase or renewal the reader never made, with a number to call to cancel it: the fake
# support call (« callback phishing »), where the phone does what a link would.
CALLBACK_CHARGE = re.compile(
    r"\b(?:renewed|renewal|charged|debited|deducted|auto ?renew\w*|order (?:is |has been )?"
    r"(?:confirmed|placed|processed)|purchase (?:complete|completed|confirmed|confirmation)|"
    r"payment (?:has been )?(?:received|processed)|successfully (?:renewed|processed|charged))\b"
)
_PHONE = r"(?:\+ ?1 ?)?\(?\b\d{3}\)? ?\d{3} ?\d{4}\b"
_DISPUTE = (
    r"\b(?:cancel\w*|refund\w*|dispute|unauthori[sz]ed|did not (?:make|authori[sz]e|place|"
    r"order)|didn t (?:make|authori[sz]e|place|order)|not (?:recogni[sz]e|authori[sz]e))\b"
)
CALLBACK_CALL = re.compile(rf"{_PHONE}.{{0,100}}?{_DISPUTE}|{_DISPUTE}.{{0,100}}?{_PHONE}")
EXTORTION = re.compile(
    r"\b(?:hacked|piratee?|compromised|infected|spyware|trojan|cheval de troie|webcam|"
    r"camera|video)\b.{0,300}?\b(?:pay|send|transfer|payer|envoyer|virer|verser)\b.{0,120}?"
    r"\b(?:bitcoin|btc|usdt|crypto\w*)\b",
    re.DOTALL,
)
HIDDEN_CSS = re.compile(
    r"(?:margin(?:-top|-left)?|height|top|left|text-indent)\s*:\s*-?\d{4,}\s*(?:px|vh|vw|em)|"
    r"font-size\s*:\s*0(?:px)?\s*[;}]|display\s*:\s*none[^}]{0,40}}[^{]{400,}",
    re.IGNORECASE,
)
_DISPLAY_DOMAIN = re.compile(
    r"\b((?:[a-z0-9-]+\.)+(?:com|net|org|fr|to|io|co|us|info|biz|de|uk|eu|app|shop|store|"
    r"online|site|xyz))\b"
)
# The same lures in the other languages of real campaigns (Portuguese, Spanish, German,
# Dutch, Italian): a few phrases that a legitimate message hardly uses.
FOREIGN_LURES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(pattern))
    for label, pattern in (
        (
            "mot de passe",
            r"\b(?:senha|contrasena|passwort|kennwort|wachtwoord|parola d ordine)\b",
        ),
        (
            "compte bloqué",
            r"\b(?:conta|cuenta|konto|account|rekening|cartao|tarjeta|karte|dispositivo)\b.{0,40}?"
            r"\b(?:bloquead[ao]|suspens[ao]|gesperrt|geblokkeerd|bloccat[oa]|deaktiviert|"
            r"eingeschrankt|desabilitad[ao]|desativad[ao])\b|\bbloqueio (?:preventivo|de "
            r"seguranca)\b|\bdesbloqueio\b",
        ),
        (
            "gain",
            r"\b(?:parabens|felicidades|gefeliciteerd|herzlichen gluckwunsch|gluckwunsch|wir "
            r"gratulieren|congratulazioni|gutschein|cadeaubon|premio|ganhou|gewonnen|gratis\w*|"
            r"gewinnspiel|sofortgewinn|gewinner|auserwahlt\w*|belohnung\w*|pramie|beloning\w*|"
            r"winnaar|ganador|recompensa|brinde|vincitore)\b",
        ),
        (
            "sondage",
            r"\b(?:umfrage|vragenlijst|neem (?:een|deel aan (?:de|onze)) enquete|pesquisa de "
            r"satisfacao|encuesta|sondaggio|questionario)\b",
        ),
        (
            "urgence",
            r"\b(?:urgente|dringend|onmiddellijk|sofort|imediatamente|inmediatamente|subito|"
            r"letzte mahnung|ultimo aviso|reaviso|letzte chance|laatste kans|ultima chance|"
            r"ultima oportunidad|por tempo limitado|tiempo limitado|beeilen sie sich|expiram hoje|"
            r"vence hoje)\b",
        ),
        (
            "vérification",
            r"\b(?:atualiz\w*|verifiz\w*|bestatig\w*|verifieer\w*|confirme\w*|verifica\w*) "
            r"(?:seu|sua|su|ihr\w*|uw|il|la) (?:cadastro|dados|datos|konto|daten|account|"
            r"gegevens|conta|cuenta)\b|\bconfira (?:seus|os) dados\b|\bregulariz\w+\b|\bjetzt "
            r"bestatigen\b",
        ),
        (
            "justice",
            r"\b(?:intimacao|intimad[ao]|notificacao (?:judicial|extrajudicial)|processo "
            r"(?:judicial|trabalhista)|protesto|cartorio|citacion judicial|demanda judicial|"
            r"mahnbescheid|gerichtsvollzieher|inkasso\w*|dagvaarding|deurwaarder|"
            r"ufficiale giudiziario)\b",
        ),
        (
            "colis retenu",
            r"\b(?:encomenda|pacote|paquete|paket|sendung|pakket|zending|pacco|spedizione)\b.{0,80}?"
            r"\b(?:retid[ao]|bloquead[ao]|parad[ao]|alfandega|aduana|zoll\w*|douane|dogana|taxa|"
            r"tasa|gebuhr\w*|retenid[ao]|tarifa)\b",
        ),
        (
            "paiement",
            r"\b(?:taxa (?:obrigatoria|de servico|alfandegaria|de liberacao|de entrega|pendente)|"
            r"pagamento (?:pendente|da taxa|em atraso)|debito (?:pendente|em aberto)|fatura "
            r"(?:vencida|em aberto|pendente)|valores a receber|restituicao|compra (?:em analise|"
            r"retida|pendente)|transacao (?:pendente|suspeita)|pago pendiente|factura pendiente|"
            r"zahlung (?:ausstehend|erforderlich|fehlgeschlagen)|offene rechnung|betaling "
            r"(?:mislukt|vereist)|pagamento in sospeso|liberacao d[oe]s? (?:saque|valor\w*))\b",
        ),
        (
            "points",
            r"\b(?:pontos|puntos|punkte)\b.{0,60}?\b(?:expir\w*|vencem|vencer|perd\w*|desabilitad\w*|"
            r"caduc\w*|verfallen)\b|\b(?:resgate|resgatar|troque) (?:seus|os|agora seus) pontos\b",
        ),
    )
)
_ORG_WORDS = re.compile(
    r"\b(?:team|service|services|support|security|alert|notification|notice|center|centre|"
    r"club|shop|store|official|customer|deals?|rewards?|partner|network|experts?|insurance|"
    r"bank|banco|bank|service client|equipe|offre|offres)\b"
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


_SCRIPTS_CONFUSED = ("GREEK", "CYRILLIC")
_WORDS = re.compile(r"\w+")


def _disguise(text: str) -> str:
    """What disguises the letters of ``text`` (a display name, a subject), or ""."""
    found: list[str] = []
    if any(0x1D400 <= ord(c) <= 0x1D7FF for c in text):
        found.append("lettres mathématiques")
    if any(0xFF21 <= ord(c) <= 0xFF5A or 0x24B6 <= ord(c) <= 0x24E9 or 0x1F130 <= ord(c) <= 0x1F189 for c in text):  # fmt: skip
        found.append("lettres décoratives")
    if re.search(r"\w[\u00ad\u034f\u200b-\u200d\u2060-\u2064\ufeff]+\w", text) or any(
        0xE0000 <= ord(c) <= 0xE01EF for c in text
    ):
        found.append("caractères invisibles")
    for word in _WORDS.findall(text):
        scripts = {
            unicodedata.name(c, "?").split(" ")[0] for c in word if c.isalpha() and not c.isascii()
        }
        if scripts & set(_SCRIPTS_CONFUSED) and skeleton_text(word).isascii():
            found.append("alphabets mélangés")  # « Αmazοn »: Greek letters read as Latin
            break
    return ", ".join(found)


# Calendar invitations name the invitee in the subject (Google: « Invitation: … (a@b.fr) »).
INVITATION = re.compile(
    r"(?:invitation|updated invitation|invitation mise a jour|accepted|accepte|declined|refuse|"
    r"nouvel evenement|new event)\b"
)


def _auth_failed(mail: ParsedMail) -> bool:
    """Whether the receiving server found SPF, DKIM or DMARC failing."""
    results = _receiver_results(mail)
    return "fail" in results.values() or "softfail" in results.values()


def _receiver_results(mail: ParsedMail) -> dict[str, str]:
    """The method → result pairs of the topmost ``Authentication-Results`` (the receiving
    server's; lower ones can be forged)."""
    if not mail.authentication_results:
        return {}
    return dict(_AUTH.findall(mail.authentication_results[0].lower()))


_CONSONANT_RUN = re.compile(r"[bcdfghjklmnpqrstvwxz]{5,}")


def _random_local(local: str) -> bool:
    """A mailbox name no person or service would choose (« yplgnbm », « kj5u7 »)."""
    local = local.lower()
    if _CONSONANT_RUN.search(local):
        return True
    switches = sum(1 for a, b in itertools.pairwise(local) if a.isdigit() != b.isdigit())
    return len(local) <= 12 and switches >= 3


def _mailbox_key(address: str) -> str:
    """One mailbox however it is written: sub-address (``+tag``) removed, and the dots of a
    Gmail name (``jean.dupont`` is ``jeandupont``)."""
    local, _, domain = address.lower().rpartition("@")
    local = local.partition("+")[0]
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


HOME_LINKS_MIN = 10
HOME_LINKS_SHARE = 0.8


def _links_home(mail: ParsedMail, domain: str) -> bool:
    """Whether the message links mostly to its sender's own organisation, many times (10 links
    and more, 80 % of them): a sender standing behind its domain, whose display name names one
    of its own titles (« CNET News.com » from online.com), not someone else's site."""
    hosts = [u.host for u in map(_split, mail.links) if u.host]
    home = sum(1 for host in hosts if _same_org(host, domain))
    return home >= HOME_LINKS_MIN and home >= HOME_LINKS_SHARE * len(hosts)


_MAILBOX_TOKEN = re.compile(r"[A-Za-z0-9]{6,24}")


def _machine_mailbox(local: str) -> bool:
    """A mailbox name a program drew for one message: letters and digits only, no separator,
    with capitals scattered inside (« xunIqVya »), letters and digits mixed (« uh6b8zzjlldv »)
    or a run of consonants no name has."""
    if not _MAILBOX_TOKEN.fullmatch(local):
        return False
    scattered_capitals = sum(1 for c in local[1:] if c.isupper()) >= 2 and any(
        c.islower() for c in local
    )
    digit_switches = sum(1 for a, b in itertools.pairwise(local) if a.isdigit() != b.isdigit())
    return scattered_capitals or digit_switches >= 2 or bool(_CONSONANT_RUN.search(local.lower()))


def _shares_a_word(display: str, domain: str) -> bool:
    """Whether a word of the display name (4 letters or more) appears in the domain."""
    labels = clean_host(domain).replace("-", "").replace(".", " ")
    words = [w for w in normalise_words(skeleton_text(display)).split() if len(w) >= 4]
    squeezed = normalise_words(skeleton_text(display)).replace(" ", "")
    return any(w in labels for w in words) or (len(squeezed) >= 4 and squeezed in labels)


def _suspicious_domain(host: str) -> bool:
    """A host under a top-level domain or a rented pseudo-suffix that fraud favours."""
    host = clean_host(host)
    tld = host.rpartition(".")[2]
    return tld in SUSPICIOUS_TLDS or ".".join(host.split(".")[-2:]) in PSEUDO_SUFFIXES


def _redirect_target(parts: SplitResult) -> str:
    """The destination a redirecting link carries in its query (or path), or ""."""
    try:
        query = parse_qs(parts.query, keep_blank_values=False)
    except ValueError:
        query = {}
    lowered = {key.lower(): values for key, values in query.items()}
    for key in REDIRECT_KEYS:
        for value in lowered.get(key, []):
            value = value.strip()
            if key == "u" and value.startswith("a1"):  # Bing: "a1" + base64url of the URL
                try:
                    value = base64.urlsafe_b64decode(value[2:] + "=" * (-len(value[2:]) % 4)).decode()  # fmt: skip
                except (binascii.Error, UnicodeDecodeError, ValueError):
                    continue
            if value.lower().startswith(("http://", "https://")):
                return value
    embedded = re.search(r"/(https?(?::|%3a)(?://|%2f%2f)[^\s]+)", parts.path, re.IGNORECASE)
    return unquote(embedded.group(1)) if embedded else ""


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
    elif "." not in domain or not re.fullmatch(r"[\w.-]+", clean_host(domain)):
        out.add("bad_sender", "bad_sender", [defang_email(sender)], weight=WEIGHTS["bad_sender_malformed"])  # fmt: skip
    if domain and _suspicious_domain(domain):
        out.add("suspicious_tld", "suspicious_tld", [defang_email(sender)], host=defang_domain(domain))  # fmt: skip
    opening = mail.text.lstrip()[:120]  # « Bonjour jean.dupont@… » greets an address
    seen_in = f"{mail.subject} {mail.from_display} {opening}".lower()
    # Lists name themselves in the subject; calendar and sharing platforms name the invitee.
    platform = belongs_to(domain, NOTIFICATION_PLATFORMS) and authenticated(mail)
    invitation = authenticated(mail) and INVITATION.match(normalise_words(mail.subject))
    # The facility's own systems greet their users by address (a password-expiry notice).
    own = any(_same_org(domain, _domain(a)) for a in mail.to_addresses) and not _auth_failed(mail)
    if (
        not mail.list_id
        and not platform
        and not invitation
        and not own
        and any(a in seen_in for a in mail.to_addresses if "@" in a)
    ):
        out.add("recipient_in_subject", "recipient_in_subject")
    display = mail.from_display
    shown = _ADDRESS_IN_TEXT.search(display)
    named_site = None if shown else _DISPLAY_DOMAIN.search(skeleton_text(display))
    if (
        named_site
        and domain
        and not _same_org(named_site.group(1), domain)
        and not _looks_like_file(named_site.group(1))
        and not any(_same_org(named_site.group(1), u.host) for u in map(_split, mail.links))
        and not (trusted.is_trusted(named_site.group(1)) and trusted.is_trusted(domain))
        and not _links_home(mail, domain)
    ):
        out.add(
            "display_name_domain",
            "display_name_domain",
            [defang_email(sender)],
            shown=defang_domain(named_site.group(1)),
            real=defang_domain(domain),
        )
    if shown and domain and not _same_org(shown.group(1), domain):
        out.add(
            "display_name_address",
            "display_name_address",
            [defang_email(sender)],
            shown=defang_email(shown.group(0).lower()),
            real=defang_email(sender),
        )
    disguise = _disguise(f"{display}\n{mail.subject}")
    if disguise:
        out.add("obfuscated_text", "obfuscated_text", (), what=disguise)
    if domain and (belongs_to(domain, APP_HOSTING) or registrable_domain(domain) in APP_HOSTING):
        out.add(
            "sender_free_hosting",
            "sender_free_hosting",
            [defang_email(sender)],
            domain=defang_domain(domain),
        )
    if display:
        for brand in trusted.brands_named(skeleton_text(display)):
            owners = trusted.brand_domains(brand)
            if not domain or domain in FREEMAIL_DOMAINS or not belongs_to(domain, owners):
                freemail = domain in FREEMAIL_DOMAINS
                out.add(
                    "display_name_brand",
                    "display_name_brand",
                    [defang_email(sender)],
                    weight=WEIGHTS[
                        "display_name_brand_freemail" if freemail else "display_name_brand"
                    ],
                    name=quote(display),
                    domain=defang_domain(domain) if domain else "(aucune adresse)",
                )
                break
        if domain and (
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
    # A mailing list rewrites the sender and points replies to the list or the poster.
    for reply in [] if mail.list_id else mail.reply_to:
        reply_domain = _domain(reply)
        if domain and reply_domain and not _same_org(reply_domain, domain):
            if _expected_reply_to(mail, domain, reply_domain, trusted):
                continue
            code = "reply_to_freemail" if reply_domain in FREEMAIL_DOMAINS else "reply_to_other"
            bulk = code == "reply_to_other" and mail.list_unsubscribe  # a newsletter's replies
            out.add(
                code,
                "reply_to_other",
                [defang_email(reply)],
                weight=WEIGHTS["reply_to_other_bulk"] if bulk else None,
                reply=defang_email(reply),
                domain=defang_domain(domain),
            )
            break
        if (
            domain in FREEMAIL_DOMAINS
            and reply_domain in FREEMAIL_DOMAINS
            and _mailbox_key(reply) != _mailbox_key(sender)
        ):
            # One free-mail box writes, another receives the answers: the correspondent hides.
            out.add(
                "reply_to_freemail",
                "reply_to_other_mailbox",
                [defang_email(reply)],
                reply=defang_email(reply),
                sender=defang_email(sender),
            )
            break
    return_domain = _domain(mail.return_path)
    if domain and return_domain and not _same_org(return_domain, domain) and not mail.list_id:
        out.add(
            "return_path_other",
            "return_path_other",
            [defang_email(mail.return_path)],
            domain=defang_domain(return_domain),
        )
    if (
        _machine_mailbox(mail.from_mailbox)
        and _machine_mailbox(mail.return_path_mailbox)
        and mail.from_mailbox.lower() != mail.return_path_mailbox.lower()
    ):
        out.add(
            "random_mailboxes",
            "random_mailboxes",
            [defang_email(sender), defang_email(mail.return_path)],
            sender=defang_email(sender),
            back=defang_email(mail.return_path),
        )
    if (
        domain
        and display
        and not shown
        and "display_name_brand" not in out.codes
        and domain not in FREEMAIL_DOMAINS
        and not mail.list_id
        and (
            _ORG_WORDS.search(normalise_words(skeleton_text(display)))
            or _random_local(sender.partition("@")[0])
        )
        and not _shares_a_word(display, domain)
    ):
        link_orgs = {registrable_domain(u.host) for u in map(_split, mail.links) if u.host}
        elsewhere = [
            h for h in link_orgs if not _same_org(h, domain) and not belongs_to(h, TRACKERS)
        ]
        if link_orgs and len(elsewhere) == len(link_orgs):
            out.add(
                "sender_mismatch",
                "sender_mismatch",
                [defang_email(sender)],
                name=quote(display),
                domain=defang_domain(domain),
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
    # A mailing list rewrites the subject or the footer and so breaks the poster's DKIM
    # signature: no sign of fraud when the list's own server passed SPF.
    broken_by_list = bool(mail.list_id) and results.get("spf") == "pass"
    if results.get("dkim") == "fail" and not broken_by_list:
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
    urls = [_split(link) for link in mail.links]
    unwrapped = 0
    for url in urls:
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
        target = _redirect_target(url.parts) if url.parts is not None else ""
        if target and unwrapped < 100:
            inner = _split(Link(href=target, text="", from_html=link.from_html))
            if inner.host and not _same_org(inner.host, host):
                unwrapped += 1
                urls.append(inner)  # the real destination is judged too
                if not belongs_to(host, TRACKERS) and not trusted.is_trusted(inner.host):
                    out.add(
                        "redirect_link",
                        "redirect_link",
                        [defanged],
                        host=defang_domain(host),
                        real=defang_domain(inner.host),
                    )
        path_ext = _extension(url.parts.path.rpartition("/")[2]) if url.parts is not None else ""
        if path_ext in LINK_EXECUTABLE_EXT:
            name = unquote(url.parts.path.rpartition("/")[2])[:60] if url.parts else ""
            out.add("executable_link", "executable_link", [defanged], name=quote(name))
        if url.parts is not None and "@" in url.parts.netloc:
            out.add("link_userinfo", "link_userinfo", [defanged], real=defang_domain(host))
        if host_is_ip(host):
            out.add("ip_link", "ip_link", [defanged], host=defang_domain(host))
        reg = registrable_domain(host)
        if _suspicious_domain(host) and not trusted.is_trusted(host):
            out.add(
                "suspicious_tld",
                "suspicious_tld",
                [defanged],
                weight=WEIGHTS["suspicious_tld_link"],
                host=defang_domain(host),
            )
        if reg in SHORTENERS or host in SHORTENERS:
            out.add("url_shortener", "url_shortener", [defanged], host=defang_domain(host))
        hosted = belongs_to(host, FREE_HOSTING) or reg in FREE_HOSTING or _S3_HOST.search(host)
        if hosted and not trusted.is_trusted(host):
            out.add("free_hosting", "free_hosting", [defanged], host=defang_domain(host))
        # A mailer's host carries its customer's name (has-sante.us8.list-manage.com): the
        # customer's, not an imitation.
        if host not in seen_hosts and len(seen_hosts) < 100 and not belongs_to(host, TRACKERS):
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
                # Showing a known organisation's site while leading elsewhere is the trick;
                # an unknown site shown is weaker (newsletters link through their mailer).
                known = trusted.is_trusted(shown_host) or any(
                    belongs_to(shown_host, trusted.brand_domains(b))
                    for b in trusted.brands_named(shown_host.replace(".", " "))
                )
                weight = (
                    "link_mismatch_tracker"
                    if tracker
                    else "link_mismatch"
                    if known
                    else "link_mismatch_unknown"
                )
                out.add(
                    "link_mismatch",
                    "link_mismatch",
                    [defanged],
                    weight=WEIGHTS[weight],
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
    if BIDI_CONTROLS.search(name):
        add("attachment_bidi", "attachment_bidi", [indicator], name=quoted, ext=ext or "?")
    elif stem_ext in DECOY_EXT and ext in EXECUTABLE_EXT | HTML_EXT:
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
    for code, iocs, values in macro_signals(attachment.macros) if attachment.macros else ():
        add(code, code, [indicator, *iocs], name=quoted, **values)
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
        or BIDI_CONTROLS.search(entry)
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
    terms += [
        label for label, pattern in PRESSURE_EN if label not in terms and _matches(pattern, text)
    ]
    if terms:
        weight = min(WEIGHTS["pressure_each"] * len(terms), WEIGHTS["pressure_max"])
        out.add("pressure", "pressure", (), weight=weight, terms=", ".join(terms[:4]))
    if (
        _matches(CREDENTIALS, text)
        or _matches(CREDENTIALS_EN, text)
        or sum(1 for p in SENSITIVE_ITEMS if _matches(p, text)) >= 2
    ):
        out.add("credentials_request", "credentials_request")
    elif _matches(ACCOUNT_CHECK, text):
        out.add("account_check", "account_check")
    if "account_check" not in out.codes and _matches(ACCOUNT_LURE, text):
        out.add("account_lure", "account_lure")
    readout, install = CODE_READOUT.search(text), INSTALL.search(text)
    tool_installed = any(
        INSTALL.search(text[max(0, m.start() - 60) : m.end() + 60])
        for m in REMOTE_TOOLS.finditer(text)
    )
    executable = "executable_link" in out.codes
    if (tool_installed and (readout or executable)) or (readout and install):
        out.add("remote_control_request", "remote_control_request")
    if _matches(PRIZE, text) or PRIZE_FR.search(text) or WINDFALL.search(text):
        out.add("prize_lure", "prize_lure")
    story = sum(1 for pattern in FEE_STORY if pattern.search(text))
    if (story >= 2 and BIG_SUM.search(text)) or story >= 3:
        out.add("advance_fee", "advance_fee")
    if CALLBACK_CHARGE.search(text) and CALLBACK_CALL.search(text):
        out.add("callback_scam", "callback_scam")
    if EXTORTION.search(text):
        out.add("extortion", "extortion")
    elif SCAM_OFFER.search(text):
        out.add("scam_offer", "scam_offer")
    foreign = [label for label, pattern in FOREIGN_LURES if pattern.search(text)]
    if len(foreign) >= 2 or (foreign and {"mot de passe", "compte bloqué"} & set(foreign)):
        out.add("foreign_lure", "foreign_lure", (), terms=", ".join(foreign[:3]))
    if mail.hidden or HIDDEN_CSS.search(mail.text):
        out.add("hidden_text", "hidden_text")
    if CPF.search(text) and CPF_HOOK.search(text):
        out.add("cpf_lure", "cpf_lure")
    if _matches(PAYMENT_CHANGE, text):
        out.add("payment_change", "payment_change")
    if GIFT_CARDS.search(text) or (VIREMENT.search(text) and DISCRETION.search(text)):
        out.add("ceo_fraud", "ceo_fraud")
    elif SECRECY.search(text) and AVOIDS_PHONE.search(text):
        out.add("secrecy_request", "secrecy_request")
    if (
        "ceo_fraud" not in out.codes
        and (_matches(PAYMENT_REQUEST, text) or _matches(PAYMENT_EN, text))
        and "payment_change" not in out.codes
    ):
        out.add("payment_request", "payment_request")
    if REFUND.search(text) or REFUND_EN.search(text):
        out.add("refund_lure", "refund_lure")
    if PARCEL.search(text) or PARCEL_EN.search(text):
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
    # Only where a message claims to *be* the brand: the subject, or a short first line (the
    # logo-style header); a brand mentioned further down is mentioned, not claimed.
    first_line = next((line.strip() for line in mail.text.splitlines() if line.strip()), "")
    claimed = f"{mail.subject}\n{first_line if len(first_line) <= 40 else ''}"
    for brand in trusted.brands_named(skeleton_text(claimed)):
        if brand in _BODY_BRAND_EXCLUDED:
            continue
        owners = trusted.brand_domains(brand)
        if any(belongs_to(a.rpartition("@")[2], owners) for a in mail.to_addresses):
            continue  # the recipient's own organisation, named in what it receives
        if hosts and not any(belongs_to(h, owners) for h in hosts):
            out.add("brand_mismatch", "brand_mismatch", (), brand=quote(brand.title()))
            break


def _qr_signals(mail: ParsedMail, out: _Collector) -> None:
    """A QR code leading to a web page: flagged, and its link judged like the others."""
    for text in qr_texts(mail.images):
        url = _split(Link(href=text.strip(), text="", from_html=False))
        if url.parts is None or url.parts.scheme.lower() not in ("http", "https") or not url.host:
            continue
        mail.links.append(url.link)
        out.add("qr_link", "qr_link", [defang_url(url.link.href)], host=defang_domain(url.host))


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
        "account_lure", "prize_lure", "cpf_lure", "scam_offer", "remote_control_request",
        "foreign_lure", "advance_fee", "callback_scam",
    }
)  # fmt: skip


# A newsletter's links: many sites, each one a mention among others, not the one page the
# message pushes to. Their reputation (an odd extension, a name close to a known site, a
# shortener) weighs a fifth in an editorial newsletter (see ``_editorial_newsletter``).
LINK_REPUTATION_CODES = frozenset(
    {
        "lookalike_link", "suspicious_tld", "free_hosting", "url_shortener", "ip_link",
        "redirect_link", "link_mismatch",
    }
)  # fmt: skip
EDITORIAL_DIVISOR = 5
EDITORIAL_MIN_SITES = 10
# What a newsletter never does: ask for a secret or a payment, threaten an account, carry a
# dangerous file, or come from a disguised sender.
_EDITORIAL_BREAKERS = frozenset(
    {
        "credentials_request", "account_check", "account_lure", "html_form", "payment_change",
        "ceo_fraud", "remote_control_request", "extortion", "executable_link", "link_userinfo",
        "script_link", "lookalike_sender", "sender_free_hosting", "obfuscated_text", "auth_fail",
        "bad_sender", "hidden_text", "qr_link", "recipient_in_subject",
    }
)  # fmt: skip


def _editorial_newsletter(mail: ParsedMail, out: _Collector) -> bool:
    """A newsletter that reads as one: declared bulk mail (``List-Unsubscribe`` or
    ``List-Id``) linking to many different sites, or a digest linking to twice as many, from
    one organisation throughout (From, Return-Path, Reply-To), authentication not failing, and
    asking nothing (no secret, no payment, no account threat, no risky file). Phishing leads to
    one page; a newsletter to dozens."""
    if _auth_failed(mail):
        return False
    domain = _domain(mail.from_address)
    if not domain or domain in FREEMAIL_DOMAINS or _suspicious_domain(domain):
        return False
    others = [mail.return_path, *mail.reply_to]
    if any(a and not _same_org(_domain(a), domain) for a in others):
        return False
    if out.codes & _EDITORIAL_BREAKERS or any(c.startswith("attachment_") for c in out.codes):
        return False
    # A link showing a known organisation's site while leading elsewhere is the trick itself.
    if any(s.code == "link_mismatch" and s.weight >= WEIGHTS["link_mismatch"] for s in out.signals):
        return False
    declared = bool(mail.list_unsubscribe or mail.list_id)
    if not declared and "display_name_brand" in out.codes:
        return False  # an undeclared mailing naming an organisation it does not belong to
    sites = {registrable_domain(u.host) for u in map(_split, mail.links) if u.host}
    return len(sites) >= (EDITORIAL_MIN_SITES if declared else 2 * EDITORIAL_MIN_SITES)


def authenticated(mail: ParsedMail) -> bool:
    """Whether the receiving server found the sender authentic (DMARC, or SPF and DKIM); never
    for a forwarded message's own claims."""
    if mail.auth_untrusted:
        return False
    results = _receiver_results(mail)
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
    if mail.images and not deadline.expired():
        _qr_signals(mail, out)
    flagged: list[str] = []
    if not deadline.expired():
        flagged = _link_signals(mail, trusted, out, deadline)
    if not deadline.expired():
        _text_signals(mail, trusted, out)
    if _editorial_newsletter(mail, out):
        out.signals = [
            Signal(s.code, s.weight // EDITORIAL_DIVISOR, s.explanation_fr, s.indicators)
            if s.code in LINK_REPUTATION_CODES
            else s
            for s in out.signals
        ]
    if authenticated_trusted_sender(mail, trusted):
        out.signals = [
            Signal(s.code, s.weight // 2, s.explanation_fr, s.indicators)
            if s.code in TEXT_CODES
            else s
            for s in out.signals
        ]
    return out.signals, flagged
