"""Pseudonyms of Telegram user ids."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest

from vigie.core.pseudonym import pseudonymize

SECRET = b"a-long-random-secret-from-the-settings"


def test_format() -> None:
    pseudonym = pseudonymize(123456789, SECRET)
    assert re.fullmatch(r"u[0-9a-f]{32}", pseudonym)
    assert "123456789" not in pseudonym


def test_is_the_hmac_sha256_of_the_decimal_id() -> None:
    expected = hmac.new(SECRET, b"123456789", hashlib.sha256).hexdigest()[:32]
    assert pseudonymize(123456789, SECRET) == "u" + expected


def test_known_vector() -> None:
    # Computed once with: hmac.new(b"k", b"123", hashlib.sha256).hexdigest()[:32]
    assert pseudonymize(123, b"k") == "u54536c9357ebad32486620506599ff3d"


def test_stable() -> None:
    assert pseudonymize(42, SECRET) == pseudonymize(42, SECRET)


def test_different_ids_and_secrets_differ() -> None:
    ids = [1, 2, 42, 123456789, 7_000_000_000, -1001234567890]
    assert len({pseudonymize(i, SECRET) for i in ids}) == len(ids)
    assert pseudonymize(42, SECRET) != pseudonymize(42, SECRET + b"!")
    assert pseudonymize(42, b"one") != pseudonymize(42, b"two")


def test_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="secret"):
        pseudonymize(42, b"")


def test_bool_is_not_an_id() -> None:
    with pytest.raises(TypeError):
        pseudonymize(True, SECRET)
