"""Code loaded by the Rasa server itself (Python 3.10, .venv-rasa): keep it tiny."""
