"""Security incidents and lost devices: paging, escalation, the director's part, 72 hours."""
