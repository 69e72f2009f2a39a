"""Vigie domain package: shared by the Telegram front end and the Rasa actions.

It imports neither Rasa nor python-telegram-bot, so everything here can be tested alone.
"""
