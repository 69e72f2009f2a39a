"""Stable pseudonyms for Telegram user ids, so that stored records never hold the real id."""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["address_key", "address_pseudonym", "normalise_address", "pseudonymize"]

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


def normalise_address(address: str) -> str:
    """An e-mail address as compared: trimmed, lower case (local part included: mail servers
    of facilities do not tell ``Marie.Dupont`` from ``marie.dupont``)."""
    return address.strip().strip("<>").strip().lower()


def address_key(address: str, secret: bytes) -> str:
    """The keyed hash under which a linked work address is stored (64 hex digits): the same
    address always gives the same key; without the secret, the address cannot be found by
    hashing a directory of addresses."""
    if not secret:
        raise ValueError("the pseudonymisation secret must not be empty")
    message = ("mail:" + normalise_address(address)).encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def address_pseudonym(address: str, secret: bytes) -> str:
    """The sender recorded for a report mailed by an address nobody linked: ``"m"`` and the
    first 32 hex digits of its key."""
    return "m" + address_key(address, secret)[:_HEX_LENGTH]
