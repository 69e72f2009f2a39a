"""Outbox: notifications stored with the change they report, sent by the dispatcher."""
