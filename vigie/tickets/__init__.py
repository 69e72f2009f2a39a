"""Tickets: vocabulary, form, service, notifications, texts and the technicians' desk."""
