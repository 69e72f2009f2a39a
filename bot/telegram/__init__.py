"""The Telegram front end (python-telegram-bot): the application, its handlers, delivery of
replies and files, and how an update's text is read."""
