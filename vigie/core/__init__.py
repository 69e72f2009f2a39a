"""Shared foundations: settings, clock, typography, messages, callback codec, pseudonyms, hours, redaction."""
