"""Custom actions of Vigie, served by ``python -m rasa_sdk --actions actions``."""
