"""Offline analysis of suspicious e-mails: ``analyse(data) -> Analysis``.

Nothing here touches the network: no DNS, no HTTP, no socket; attachments are never executed,
rendered or extracted. A pasted e-mail text is judged the same way (``analyse_text``).
"""

from vigie.phishing.mailcheck.limits import Limits
from vigie.phishing.mailcheck.pasted import analyse_text, looks_like_email
from vigie.phishing.mailcheck.signals import Signal
from vigie.phishing.mailcheck.verdict import Analysis, Verdict, analyse, trusted_domains

__all__ = [
    "Analysis",
    "Limits",
    "Signal",
    "Verdict",
    "analyse",
    "analyse_text",
    "looks_like_email",
    "trusted_domains",
]
