"""The suspicious e-mails' vocabulary: what the reporter did, verdicts, warning scopes."""

from __future__ import annotations

#: What the reporter did with the message.
MAIL_ACTIONS = ("none", "clicked", "clicked_asked", "credentials", "attachment", "replied")
#: The analyser's verdicts, and the technicians' verdicts of a campaign.
MAIL_VERDICTS = ("dangereux", "douteux", "sans_danger")
TECH_VERDICTS = ("phishing", "spam", "legit")
#: Who a staff warning goes to: the campaign's facilities, or every facility.
WARN_SCOPES = ("facilities", "all")
REPORT_SOURCES = ("eml", "text", "photo", "msg", "mailbox")
KEY_KINDS = ("domain", "host", "url", "subject", "sha256")
