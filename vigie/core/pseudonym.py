"""Stable pseudonyms for Telegram user ids, so that stored records never hold the real id."""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["pseudonymize"]

_PREFIX = "u"
_HEX_LENGTH = 32


def pseudonymize(user_id: int, secret: bytes) -> str:
    """Return ``"u"`` followed by the first 32 hex digits of HMAC-SHA256(secret, user_id).

    The same id and secret always give the same pseudonym; without the secret the id cannot be
    recovered by hashing every possible Telegram id. Raises ValueError if ``secret`` is empty.
    """
    if not secret:
        raise ValueError("the pseudonymisation secret must not be empty")
    if isinstance(user_id, bool) or not isinstance(user_id, int):
        raise TypeError("user_id must be an int")
    digest = hmac.new(secret, str(user_id).encode("ascii"), hashlib.sha256).hexdigest()
    return _PREFIX + digest[:_HEX_LENGTH]
