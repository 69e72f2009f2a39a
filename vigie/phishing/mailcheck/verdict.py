"""``analyse``: from the bytes of an ``.eml`` file to a verdict in three levels."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from vigie.phishing.mailcheck.defang import defang_email, defang_url
from vigie.phishing.mailcheck.limits import Deadline, Limits
from vigie.phishing.mailcheck.parse import ParsedMail, parse_eml
from vigie.phishing.mailcheck.signals import Signal, authenticated, compute_signals
from vigie.phishing.mailcheck.texts import NO_SIGNAL, VERDICT_LABELS, VERDICT_SUMMARIES
from vigie.phishing.mailcheck.trusted import (
    DEFAULT_TRUSTED_DOMAINS,
    TrustedDomains,
    belongs_to,
    visible,
)

__all__ = ["DANGEROUS_SCORE", "DOUBTFUL_SCORE", "Analysis", "Verdict", "analyse", "trusted_domains"]

logger = logging.getLogger(__name__)

Verdict = Literal["dangereux", "douteux", "sans_danger"]
DANGEROUS_SCORE = 60
DOUBTFUL_SCORE = 25
MAX_REASONS = 3
MAX_LINK_INDICATORS = 10
MAX_HOSTS = 20


@dataclass
class Analysis:
    """The result of an analysis. "sans_danger" always means « probablement sans danger »."""

    verdict: Verdict
    score: int
    reasons: list[str]
    indicators: list[str]
    signals: list[Signal] = field(default_factory=list)
    truncated: bool = False
    elapsed_ms: float = 0.0
    subject: str = ""
    sender: str = ""
    # Raw values for grouping reports of one campaign (never shown undefanged):
    sender_domain: str = ""  # domain of the From address, lower case
    link_hosts: list[str] = field(default_factory=list)  # hosts of the web links, in order
    attachment_sha256: list[str] = field(default_factory=list)

    @property
    def label_fr(self) -> str:
        """« Dangereux », « Douteux » or « Probablement sans danger »."""
        return VERDICT_LABELS[self.verdict]

    @property
    def summary_fr(self) -> str:
        """What the verdict means for the person, in one or two sentences."""
        return VERDICT_SUMMARIES[self.verdict]

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "label": self.label_fr,
            "score": self.score,
            "reasons": list(self.reasons),
            "indicators": list(self.indicators),
            "summary": self.summary_fr,
            "signals": [
                {
                    "code": s.code,
                    "weight": s.weight,
                    "explanation": s.explanation_fr,
                    "indicators": list(s.indicators),
                }
                for s in self.signals
            ],
            "truncated": self.truncated,
            "elapsed_ms": round(self.elapsed_ms, 1),
        }


def verdict_for(score: int) -> Verdict:
    if score >= DANGEROUS_SCORE:
        return "dangereux"
    if score >= DOUBTFUL_SCORE:
        return "douteux"
    return "sans_danger"


def _indicators(mail: ParsedMail, signals: list[Signal], flagged: list[str]) -> list[str]:
    found: list[str] = []

    def add(value: str) -> None:
        value = visible(value)
        if value and value not in found:
            found.append(value)

    if mail.from_address:
        add(defang_email(mail.from_address))
    for signal in signals:
        for indicator in signal.indicators:
            if "sha256=" not in indicator and (
                "://" not in indicator or signal.code.startswith("macro_")  # URLs in macros
            ):
                add(indicator)
    for reply in mail.reply_to:
        add(defang_email(reply))
    links = list(dict.fromkeys(flagged))
    for found_link in mail.links:
        if len(links) >= MAX_LINK_INDICATORS:
            break
        if found_link.href.lower().startswith(("http://", "https://", "www.")):
            defanged = defang_url(found_link.href)
            if defanged not in links:
                links.append(defanged)
    for link in links[:MAX_LINK_INDICATORS]:
        add(link)
    for attachment in mail.attachments[:20]:
        add(f"{attachment.filename or '(sans nom)'} sha256={attachment.sha256}")
    return found


def _link_hosts(mail: ParsedMail) -> list[str]:
    hosts: list[str] = []
    for link in mail.links:
        href = link.href.strip()
        if href.lower().startswith("www."):
            href = "http://" + href
        try:
            host = (urlsplit(href).hostname or "") if href.lower().startswith("http") else ""
        except ValueError:
            continue
        host = host.strip(".").lower()
        if host and host not in hosts:
            hosts.append(host)
            if len(hosts) >= MAX_HOSTS:
                break
    return hosts


def analyse(
    data: bytes,
    *,
    trusted: Collection[str] = DEFAULT_TRUSTED_DOMAINS,
    limits: Limits | None = None,
    reporters: Collection[str] = (),
    authserv_ids: Collection[str] = (),
) -> Analysis:
    """Analyse the raw bytes of an ``.eml`` file, offline, within ``limits``; never raises.

    ``trusted`` is the full list of trusted domains (pass ``trusted_domains(extra)`` to add the
    deployment's own to the defaults). ``reporters``: the facilities' own domains, whose staff
    forward suspicious mail (``MAIL_TRUSTED_DOMAINS``). ``authserv_ids``: the receiving
    servers' names in ``Authentication-Results`` (``MAIL_AUTHSERV_IDS``); when given, other
    such headers are ignored as possibly forged.
    """
    limits = limits or Limits()
    deadline = Deadline(limits.max_seconds)
    try:
        mail = parse_eml(bytes(data), limits, deadline)
        domains = TrustedDomains(trusted)
        for view in (mail, mail.wrapper):
            if view is not None and authserv_ids:
                view.authentication_results = vouched(view.authentication_results, authserv_ids)
        signals, flagged = compute_signals(mail, domains, limits, deadline)
        wrapper = mail.wrapper
        if wrapper is not None and not staff_report(wrapper, reporters):
            # Judged by its wrapper's headers too: the worse of the two stands.
            outer, outer_flagged = compute_signals(wrapper, domains, limits, deadline)
            if sum(s.weight for s in outer) > sum(s.weight for s in signals):
                signals, flagged = outer, outer_flagged
        truncated = mail.truncated or deadline.expired()
        signals.sort(key=lambda s: s.weight, reverse=True)
        score = sum(s.weight for s in signals)
        verdict = verdict_for(score)
        reasons = [s.explanation_fr for s in signals if s.weight > 0][:MAX_REASONS]
        if not reasons:
            reasons = [NO_SIGNAL]
        return Analysis(
            verdict=verdict,
            score=score,
            reasons=reasons,
            indicators=_indicators(mail, signals, flagged),
            signals=signals,
            truncated=truncated,
            elapsed_ms=deadline.elapsed_ms(),
            subject=visible(mail.subject),
            sender=defang_email(mail.from_address) if mail.from_address else "",
            sender_domain=mail.from_address.rpartition("@")[2].strip().strip(".").lower(),
            link_hosts=_link_hosts(mail),
            attachment_sha256=[a.sha256 for a in mail.attachments[:MAX_HOSTS]],
        )
    except (Exception, RecursionError):  # never let a hostile file take the caller down
        logger.exception("mail analysis failed")
        return Analysis(
            verdict="douteux",
            score=DOUBTFUL_SCORE,
            reasons=[
                "Le message n’a pas pu être analysé (structure illisible)\u00a0: traitez-le "
                "comme suspect."
            ],
            indicators=[],
            truncated=True,
            elapsed_ms=deadline.elapsed_ms(),
        )


def vouched(headers: list[str], authserv_ids: Collection[str]) -> list[str]:
    """The ``Authentication-Results`` headers written by one of ``authserv_ids`` (RFC 8601:
    the header's first token names the server that wrote it)."""
    names = {name.strip().lower() for name in authserv_ids if name.strip()}
    return [h for h in headers if h.split(";", 1)[0].strip().lower() in names]


def staff_report(wrapper: ParsedMail, reporters: Collection[str]) -> bool:
    """Whether the wrapper is a staff member of a facility forwarding a suspicious mail: sent
    from a facility's domain and authenticated by the receiving server. Then the forwarded
    message alone is judged (the wrapper is how a report arrives, not a sign). ``reporters``
    holds domains, and whole addresses (people's linked addresses)."""
    address = wrapper.from_address.strip().lower()
    domain = address.rpartition("@")[2]
    if not domain or not authenticated(wrapper):
        return False
    # An entry with « @ » is one person's linked address (the reporting mailbox), else a domain.
    addresses = {r.strip().lower() for r in reporters if "@" in r}
    return address in addresses or belongs_to(domain, [r for r in reporters if "@" not in r])


def trusted_domains(extra: Collection[str] = ()) -> tuple[str, ...]:
    """The default trusted domains plus the deployment's own (``MAIL_TRUSTED_DOMAINS``)."""
    cleaned = (d.strip().lower() for d in extra)
    return tuple(dict.fromkeys([*DEFAULT_TRUSTED_DOMAINS, *(d for d in cleaned if d)]))
