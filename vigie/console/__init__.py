"""The follow-up console's domain: sign-in links and sessions, who sees what, the overview's
figures, the review queue of what Vigie did not understand, and the audit of every action.
The web front end is ``console/`` (aiohttp); nothing here knows HTTP."""
