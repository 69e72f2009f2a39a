"""Render the test e-mail sets from their scenario files (``tests/data/email_scenarios/``)."""
