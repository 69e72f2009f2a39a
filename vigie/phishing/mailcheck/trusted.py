"""Trusted domains, the organisations they belong to, and lookalike detection.

A trusted domain is never a proof that a message is safe (addresses can be spoofed, accounts
compromised, free mail is free for everyone): it is what lookalikes are measured against, and
what an organisation named in a display name must send from.
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import ipaddress
import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import tldextract

__all__ = [
    "BRANDS",
    "DEFAULT_TRUSTED_DOMAINS",
    "FREEMAIL_DOMAINS",
    "NOTIFICATION_PLATFORMS",
    "Lookalike",
    "TrustedDomains",
    "belongs_to",
    "host_is_ip",
    "lookalike",
    "normalise_words",
    "registrable_domain",
    "skeleton_text",
    "visible",
]

DEFAULT_TRUSTED_DOMAINS: tuple[str, ...] = (
    # Health insurance, state, health agencies
    "ameli.fr",
    "assurance-maladie.fr",
    "gouv.fr",
    "sante.gouv.fr",
    "ars.sante.fr",
    "sante.fr",
    "mssante.fr",
    "monespacesante.fr",
    "dmp.fr",
    "esante.gouv.fr",
    "impots.gouv.fr",
    "dgfip.finances.gouv.fr",
    "urssaf.fr",
    "net-entreprises.fr",
    "caf.fr",
    "msa.fr",
    "cnsa.fr",
    "has-sante.fr",
    "service-public.fr",
    "franceconnect.gouv.fr",
    # Post and parcels
    "laposte.fr",
    "laposte.net",
    "groupelaposte.com",
    "colissimo.fr",
    "chronopost.fr",
    "dhl.com",
    "dhl.fr",
    "dhl.de",
    "ups.com",
    "fedex.com",
    "dpd.fr",
    "mondialrelay.fr",
    # Microsoft and other big mail/cloud providers
    "microsoft.com",
    "microsoftonline.com",
    "office.com",
    "office365.com",
    "microsoft365.com",
    "outlook.com",
    "live.com",
    "sharepoint.com",
    "sharepointonline.com",
    "onedrive.com",
    "google.com",
    "docusign.com",
    "docusign.net",
    # Banks
    "credit-agricole.fr",
    "ca-paris.fr",
    "societegenerale.fr",
    "bnpparibas.com",
    "bnpparibas.fr",
    "mabanque.bnpparibas",
    "lcl.fr",
    "banquepopulaire.fr",
    "caisse-epargne.fr",
    "labanquepostale.fr",
    "cic.fr",
    "creditmutuel.fr",
    "credit-cooperatif.coop",
    "banque-france.fr",
    # Care and medico-social software vendors
    "netsoins.fr",
    "doctolib.fr",
    "cegedim.fr",
    "berger-levrault.com",
    "malta-informatique.fr",
)

# Organisations a display name may claim, with the domains they really send from. Keys are
# normalised (lower case, no accents); matched as whole words.
BRANDS: dict[str, tuple[str, ...]] = {
    "ameli": ("ameli.fr", "assurance-maladie.fr"),
    "assurance maladie": ("ameli.fr", "assurance-maladie.fr"),
    "cpam": ("ameli.fr", "assurance-maladie.fr"),
    "caisse primaire": ("ameli.fr", "assurance-maladie.fr"),
    "carte vitale": ("ameli.fr", "assurance-maladie.fr"),
    "mssante": ("mssante.fr", "esante.gouv.fr", "sante.fr"),
    "mon espace sante": ("monespacesante.fr", "ameli.fr", "assurance-maladie.fr", "sante.fr"),
    "agence du numerique en sante": ("esante.gouv.fr",),
    "ars": ("ars.sante.fr", "sante.gouv.fr"),
    "agence regionale de sante": ("ars.sante.fr", "sante.gouv.fr"),
    "ministere": ("gouv.fr",),
    "impots": ("impots.gouv.fr", "dgfip.finances.gouv.fr", "finances.gouv.fr"),
    "dgfip": ("impots.gouv.fr", "dgfip.finances.gouv.fr", "finances.gouv.fr"),
    "finances publiques": ("impots.gouv.fr", "dgfip.finances.gouv.fr", "finances.gouv.fr"),
    "tresor public": ("impots.gouv.fr", "dgfip.finances.gouv.fr", "finances.gouv.fr"),
    "urssaf": ("urssaf.fr",),
    "caf": ("caf.fr",),
    "france connect": ("franceconnect.gouv.fr", "gouv.fr"),
    "franceconnect": ("franceconnect.gouv.fr", "gouv.fr"),
    "antai": ("antai.gouv.fr",),
    "la poste": ("laposte.fr", "laposte.net", "colissimo.fr"),
    "laposte": ("laposte.fr", "laposte.net", "colissimo.fr"),
    "colissimo": ("colissimo.fr", "laposte.fr"),
    "chronopost": ("chronopost.fr",),
    "dhl": ("dhl.com", "dhl.fr", "dhl.de"),
    "ups": ("ups.com",),
    "fedex": ("fedex.com",),
    "dpd": ("dpd.fr", "dpd.com"),
    "mondial relay": ("mondialrelay.fr",),
    "microsoft": ("microsoft.com", "microsoftonline.com", "office.com", "office365.com"),
    "office 365": ("microsoft.com", "microsoftonline.com", "office.com", "office365.com"),
    "office365": ("microsoft.com", "microsoftonline.com", "office.com", "office365.com"),
    "microsoft 365": ("microsoft.com", "microsoftonline.com", "office.com", "office365.com"),
    "outlook": ("microsoft.com", "microsoftonline.com", "office.com", "outlook.com"),
    "onedrive": ("microsoft.com", "onedrive.com", "sharepoint.com"),
    "sharepoint": ("microsoft.com", "sharepoint.com", "sharepointonline.com"),
    "docusign": ("docusign.com", "docusign.net"),
    "credit agricole": ("credit-agricole.fr", "credit-agricole.com", "ca-*.fr"),
    "societe generale": ("societegenerale.fr",),
    "bnp": ("bnpparibas.com", "bnpparibas.fr", "mabanque.bnpparibas"),
    "bnp paribas": ("bnpparibas.com", "bnpparibas.fr", "mabanque.bnpparibas"),
    "lcl": ("lcl.fr",),
    "banque populaire": ("banquepopulaire.fr",),
    "caisse d epargne": ("caisse-epargne.fr",),
    "caisse depargne": ("caisse-epargne.fr",),
    "banque postale": ("labanquepostale.fr",),
    "cic": ("cic.fr",),
    "credit mutuel": ("creditmutuel.fr",),
    "netsoins": ("netsoins.fr",),
    "doctolib": ("doctolib.fr",),
    # Brands that phishing imitates most, in France and abroad (phishing_pot, tuning part;
    # Cybermalveillance.gouv.fr's alerts): a display name claiming one of them from elsewhere.
    "mon compte formation": ("moncompteformation.gouv.fr", "caissedesdepots.fr", "gouv.fr"),
    "moncompteformation": ("moncompteformation.gouv.fr", "caissedesdepots.fr", "gouv.fr"),
    "cpf": ("moncompteformation.gouv.fr", "caissedesdepots.fr", "gouv.fr"),
    "ants": ("ants.gouv.fr", "gouv.fr"),
    "service public": ("service-public.fr", "gouv.fr"),
    "boursorama": ("boursorama.com", "boursorama.fr", "boursobank.com"),
    "boursobank": ("boursorama.com", "boursobank.com"),
    "orange": ("orange.fr", "orange.com", "orange-business.com", "wanadoo.fr"),
    "sfr": ("sfr.fr", "sfr.com", "red-by-sfr.fr"),
    "bouygues telecom": ("bouyguestelecom.fr",),
    "free mobile": ("free.fr", "free-mobile.fr", "iliad.fr"),
    "edf": ("edf.fr", "edf.com"),
    "engie": ("engie.fr", "engie.com"),
    "totalenergies": ("totalenergies.fr", "totalenergies.com"),
    "vinted": ("vinted.fr", "vinted.com"),
    "leboncoin": ("leboncoin.fr",),
    "cdiscount": ("cdiscount.com", "cdiscount.fr"),
    "fnac": ("fnac.com", "fnacdarty.com"),
    "darty": ("darty.com", "fnacdarty.com"),
    "decathlon": ("decathlon.fr", "decathlon.com"),
    "carrefour": ("carrefour.fr", "carrefour.com"),
    "leclerc": ("e-leclerc.com", "leclerc.fr"),
    "auchan": ("auchan.fr", "auchan.com"),
    "lidl": ("lidl.fr", "lidl.com"),
    "intermarche": ("intermarche.com",),
    "sncf": ("sncf.com", "sncf-connect.com", "sncf.fr", "ouigo.com"),
    "relais colis": ("relaiscolis.com",),
    "leroy merlin": ("leroymerlin.fr", "leroymerlin.com"),
    "nocibe": ("nocibe.fr",),
    "sephora": ("sephora.fr", "sephora.com"),
    "temu": ("temu.com",),
    "shein": ("shein.com", "shein.fr", "sheinemail.com"),
    "nespresso": ("nespresso.com",),
    "veepee": ("veepee.fr", "veepee.com", "vente-privee.com"),
    "la redoute": ("laredoute.fr", "laredoute.com", "redoute.com"),
    "ikea": ("ikea.com", "ikea.fr"),
    "kiabi": ("kiabi.com",),
    "zalando": ("zalando.fr", "zalando.com"),
    "maprimerenov": ("gouv.fr", "anah.fr", "anah.gouv.fr"),
    "ma prime renov": ("gouv.fr", "anah.fr", "anah.gouv.fr"),
    "cvs": ("cvs.com", "cvshealth.com"),
    "walgreens": ("walgreens.com",),
    "home depot": ("homedepot.com",),
    "lowe s": ("lowes.com",),
    "starbucks": ("starbucks.com",),
    "marriott": ("marriott.com",),
    "amazon": (
        "amazon.fr",
        "amazon.com",
        "amazon.de",
        "amazon.co.uk",
        "amazonses.com",
        "amazon.es",
        "amazon.it",
    ),
    "paypal": ("paypal.com", "paypal.fr", "paypal.me"),
    "facebook": ("facebook.com", "facebookmail.com", "fb.com", "meta.com"),
    "instagram": ("instagram.com", "facebookmail.com", "mail.instagram.com"),
    "whatsapp": ("whatsapp.com", "facebookmail.com"),
    "meta": ("meta.com", "facebook.com", "facebookmail.com"),
    "netflix": ("netflix.com",),
    "disney": ("disney.com", "disneyplus.com"),
    "spotify": ("spotify.com",),
    "apple": ("apple.com", "icloud.com", "me.com", "itunes.com"),
    "icloud": ("apple.com", "icloud.com"),
    "itunes": ("apple.com", "itunes.com"),
    "google": ("google.com", "gmail.com", "youtube.com", "googlemail.com"),
    "gmail": ("google.com", "gmail.com", "googlemail.com"),
    "youtube": ("youtube.com", "google.com"),
    "linkedin": ("linkedin.com",),
    "twitter": ("twitter.com", "x.com"),
    "tiktok": ("tiktok.com",),
    "ebay": ("ebay.com", "ebay.fr"),
    "aliexpress": ("aliexpress.com", "alibaba.com"),
    "adobe": ("adobe.com",),
    "dropbox": ("dropbox.com", "dropboxmail.com"),
    "wetransfer": ("wetransfer.com",),
    "zoom": ("zoom.us", "zoom.com"),
    "norton": ("norton.com", "nortonlifelock.com", "gen.com"),
    "mcafee": ("mcafee.com",),
    "avast": ("avast.com",),
    "geek squad": ("geeksquad.com", "bestbuy.com"),
    "ledger": ("ledger.com",),
    "metamask": ("metamask.io", "consensys.net", "consensys.io"),
    "coinbase": ("coinbase.com",),
    "binance": ("binance.com",),
    "trust wallet": ("trustwallet.com",),
    "blockchain com": ("blockchain.com",),
    "revolut": ("revolut.com",),
    "wells fargo": ("wellsfargo.com",),
    "chase bank": ("chase.com", "jpmorgan.com"),
    "bank of america": ("bankofamerica.com", "bofa.com"),
    "american express": ("americanexpress.com", "aexp.com"),
    "walmart": ("walmart.com",),
    "costco": ("costco.com",),
    "usps": ("usps.com", "usps.gov"),
    "royal mail": ("royalmail.com",),
    "poste italiane": ("poste.it", "posteitaliane.it"),
    "correos": ("correos.es", "correos.com"),
    "roblox": ("roblox.com",),
    "steam": ("steampowered.com", "steamcommunity.com"),
    "yahoo": ("yahoo.com", "yahoo.fr", "yahoo-inc.com"),
    "aol": ("aol.com", "aol.fr", "yahoo.com"),
}

# Mailbox providers where anyone can open an address: never an organisation's own domain.
FREEMAIL_DOMAINS: frozenset[str] = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.fr",
        "ymail.com",
        "hotmail.com",
        "hotmail.fr",
        "outlook.com",
        "outlook.fr",
        "live.com",
        "live.fr",
        "msn.com",
        "aol.com",
        "aol.fr",
        "icloud.com",
        "me.com",
        "gmx.fr",
        "gmx.com",
        "gmx.net",
        "protonmail.com",
        "proton.me",
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "sfr.fr",
        "neuf.fr",
        "laposte.net",
        "bbox.fr",
        "mail.com",
        "yandex.com",
        "yandex.ru",
        "tutanota.com",
        "zoho.com",
    }
)

# Services that send notifications on behalf of a person (calendar invitations, shared files,
# e-signatures, video meetings): their Reply-To is that person, elsewhere by design.
NOTIFICATION_PLATFORMS: frozenset[str] = frozenset(
    {
        "google.com",
        "sharepointonline.com",
        "microsoft.com",
        "office.com",
        "office365.com",
        "zoom.us",
        "doodle.com",
        "calendly.com",
        "docusign.net",
        "yousign.com",
        "yousign.fr",
        "dropbox.com",
        "box.com",
    }
)

# The public-suffix list (which part of a name an organisation registers) comes from
# tldextract's bundled snapshot: never fetched at run time. Its private section counts too, so
# ``x.web.app`` or ``x.sa.com`` belong to whoever rented them, not to the platform.


@functools.cache
def _suffixes() -> tldextract.TLDExtract:
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


def public_suffix(host: str) -> str:
    """The public suffix of ``host`` (``co.uk``, ``gouv.fr``, ``web.app``), or ""."""
    return str(_suffixes().extract_str(host).suffix)


_CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ӏ": "l",
        "һ": "h",
        "ԛ": "q",
        "ԝ": "w",
        "м": "m",
        "т": "t",
        "к": "k",
        "н": "h",
        "в": "b",
        # Greek
        "α": "a",
        "ο": "o",
        "ν": "v",
        "ι": "i",
        "κ": "k",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "ε": "e",
        "μ": "u",
        # Latin lookalikes
        "ı": "i",
        "ł": "l",
        "ß": "ss",
        "ø": "o",
        "đ": "d",
    }
)
# ASCII substitutions applied to both sides: "rn" looks like "m", "0" like "o"…
_ASCII_SKELETON = (
    ("rn", "m"),
    ("vv", "w"),
    ("cl", "d"),
    ("0", "o"),
    ("1", "l"),
    ("i", "l"),
    ("|", "l"),
)
_TOKEN = re.compile(r"[a-z0-9]+")
_GENERIC_LABELS = frozenset(
    {"sante", "live", "office", "ars", "post", "mail", "caf", "msa", "has", "cpme", "google"}
)


_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\u3164\ufeff\uffa0\U000e0000-\U000e01ef]"
)


BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")


def visible(text: str) -> str:
    """``text`` as it may be shown: bidirectional and invisible control characters removed, so
    that « facture\u202efdp.exe » reads « facturefdp.exe », never « factureexe.pdf »."""
    return _INVISIBLE.sub("", text)


def skeleton_text(text: str) -> str:
    """What ``text`` looks like to the eye: invisible characters removed, compatibility forms
    (mathematical bold, full width) folded, Greek and Cyrillic look-alikes read as Latin."""
    folded = unicodedata.normalize("NFKC", _MARKS.sub(" ", _INVISIBLE.sub("", text))).lower()
    return folded.translate(_CONFUSABLES)


_MARKS = re.compile("[\u2122\u00ae\u00a9\u2120]")  # ™ ® © ℠: « McAfee™ » is McAfee


def normalise_words(text: str) -> str:
    """Lower case, accents removed, apostrophes and punctuation as spaces."""
    text = unicodedata.normalize("NFKD", _MARKS.sub(" ", text.lower()))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[’'`´\"“”«»()\[\]<>,;:!?./\\|_\-–—]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def clean_host(host: str) -> str:
    """A host name as compared everywhere: trimmed, lower case, punycode labels decoded."""
    host = host.strip().strip(".").lower()
    if "xn--" in host:
        labels = []
        for label in host.split("."):
            if label.startswith("xn--"):
                with contextlib.suppress(UnicodeError, ValueError):
                    label = label.encode("ascii").decode("idna")
            labels.append(label)
        host = ".".join(labels)
    return host


@functools.lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """The part of a host name an organisation registers (``a.b.ameli.fr`` → ``ameli.fr``,
    ``x.y.bbc.co.uk`` → ``bbc.co.uk``), from the public-suffix list."""
    host = ".".join(label for label in clean_host(host).split(".") if label)
    if not host or host_is_ip(host):
        return host
    found = _suffixes().extract_str(host)
    if found.suffix and found.domain:
        return f"{found.domain}.{found.suffix}"
    if found.suffix:  # the host is itself a public suffix (a wildcard rule: x.run.app)
        return host
    labels = host.split(".")  # an unknown top-level domain: its last two labels
    return ".".join(labels[-2:])


def _suffix_and_label(domain: str) -> tuple[str, str]:
    suffix = public_suffix(domain)
    if suffix and domain.endswith("." + suffix):
        return suffix, domain[: -len(suffix) - 1]
    labels = domain.split(".")
    if len(labels) >= 2:
        return labels[-1], ".".join(labels[:-1])
    return "", domain


def belongs_to(host: str, domains: Iterable[str]) -> bool:
    """Whether ``host`` is one of ``domains`` or a subdomain of one; a domain written
    ``ca-*.fr`` stands for a family (the regional banks of Crédit Agricole)."""
    host = clean_host(host)
    for domain in domains:
        if "*" in domain:
            if fnmatch.fnmatchcase(registrable_domain(host), domain):
                return True
        elif host == domain or host.endswith("." + domain):
            return True
    return False


def host_is_ip(host: str) -> bool:
    """IPv4/IPv6 literals, and the decimal or hexadecimal forms browsers accept."""
    host = host.strip("[]")
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    if re.fullmatch(r"\d{8,10}|0x[0-9a-fA-F]{8}", host):
        return True
    return bool(re.fullmatch(r"(?:0x[0-9a-f]+|\d+)(?:\.(?:0x[0-9a-f]+|\d+)){3}", host.lower()))


def _skeleton(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower().translate(_CONFUSABLES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    for old, new in _ASCII_SKELETON:
        text = text.replace(old, new)
    return text


def _distance(a: str, b: str, cap: int) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, ``cap + 1`` when larger."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > cap:
            return cap + 1
        previous2, previous = previous, current
    return previous[-1]


@dataclass(frozen=True)
class Lookalike:
    """A host imitating a trusted domain."""

    host: str
    target: str
    kind: str  # "homoglyph", "punycode", "typosquat", "extension", "extra_words"


def lookalike(host: str, trusted: Collection[str]) -> Lookalike | None:
    """The trusted domain ``host`` imitates, if any (a trusted host imitates nothing)."""
    raw = host.strip().strip(".").lower()
    clean = clean_host(raw)
    if not clean or host_is_ip(clean) or belongs_to(clean, trusted):
        return None
    if registrable_domain(clean) in FREEMAIL_DOMAINS:  # outlook.fr, live.fr: real, not imitations
        return None
    punycode = "xn--" in raw or not clean.isascii()
    reg = registrable_domain(clean)
    suffix, label = _suffix_and_label(reg)
    tokens = _TOKEN.findall(_skeleton(clean)) if punycode else _TOKEN.findall(clean)
    skeleton_reg = _skeleton(reg)
    # Longest first, free-mail domains last (laposte.fr rather than laposte.net).
    for target in sorted(trusted, key=lambda d: (d not in FREEMAIL_DOMAINS, len(d)), reverse=True):
        t_reg = registrable_domain(target)
        t_suffix, t_label = _suffix_and_label(t_reg)
        if len(t_label) < 3 or "." in t_label:
            continue
        if f".{target}." in f".{clean}.":  # ameli.fr.compte-verif.com
            return Lookalike(clean, target, "extra_words")
        if (
            "-" in t_label
            and len(t_label) >= 6
            and any(t_label in part for part in clean.split("."))
        ):
            return Lookalike(clean, target, "extra_words")
        if label == t_label and suffix != t_suffix and t_label not in _GENERIC_LABELS:
            return Lookalike(clean, target, "extension")
        if label != t_label and (
            skeleton_reg == _skeleton(t_reg) or _skeleton(label) == _skeleton(t_label)
        ):
            return Lookalike(clean, target, "punycode" if punycode else "homoglyph")
        if len(t_label) >= 5 and t_label not in _GENERIC_LABELS:
            cap = 2 if len(t_label) >= 10 else 1  # « yousign » is two edits from « docusign »
            if 0 < _distance(label, t_label, cap) <= cap:
                return Lookalike(clean, target, "typosquat")
        if len(t_label) >= 4 and t_label not in _GENERIC_LABELS:
            plain = t_label.replace("-", "")
            if t_label in tokens or plain in tokens:
                return Lookalike(clean, target, "extra_words")
            if len(plain) >= 6 and any(plain in token for token in tokens):
                return Lookalike(clean, target, "extra_words")
            if len(plain) >= 8 and plain in label.replace("-", ""):  # mon-espace-sante-x
                return Lookalike(clean, target, "extra_words")
    if "gouv" in tokens and not reg.endswith("gouv.fr"):
        return Lookalike(clean, "gouv.fr", "extra_words")
    return None


class TrustedDomains:
    """The trusted domains in use: the defaults plus the deployment's own."""

    def __init__(self, domains: Iterable[str]) -> None:
        cleaned = {clean_host(d) for d in domains if d and d.strip()}
        self.domains: frozenset[str] = frozenset(d for d in cleaned if d)
        brands: dict[str, tuple[str, ...]] = dict(BRANDS)
        for domain in self.domains:
            _, label = _suffix_and_label(registrable_domain(domain))
            words = normalise_words(label.replace("-", " "))
            if len(words) >= 5 and "." not in label and words not in _GENERIC_LABELS:
                brands.setdefault(words, (domain,))
        self.brands = brands
        alternatives = "|".join(re.escape(key) for key in sorted(brands, key=len, reverse=True))
        self._brand_re = re.compile(rf"\b(?:{alternatives})\b")

    def is_trusted(self, host: str) -> bool:
        return belongs_to(host, self.domains)

    def brands_named(self, text: str) -> list[str]:
        """Organisations named in ``text`` (normalised keys of ``brands``)."""
        found: list[str] = []
        for match in self._brand_re.finditer(normalise_words(text)):
            if match.group(0) not in found:
                found.append(match.group(0))
        return found

    def brand_domains(self, brand: str) -> tuple[str, ...]:
        return self.brands.get(brand, ())
