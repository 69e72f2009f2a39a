"""The conversation: durable inbox, per-chat pipeline, Rasa client, turn log, degraded mode."""
