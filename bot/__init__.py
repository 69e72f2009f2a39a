"""Vigie's front ends (Telegram and the local terminal chat) and the process supervisor."""
