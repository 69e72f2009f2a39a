"""Suspicious e-mails: analysis (mailcheck), intake, campaigns, reports, form, texts, desk."""
