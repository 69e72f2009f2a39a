"""Ticket references: one grammar for what people write, one canonical form."""

from __future__ import annotations

import pytest

from vigie.tickets.reference import (
    find_reference,
    format_reference,
    normalize_reference,
    reference_in_subject,
)


def test_normalize_reference() -> None:
    assert normalize_reference("vig-2026-42") == "VIG-2026-00042"
    assert normalize_reference(" VIG 2026 00042 ") == "VIG-2026-00042"
    assert normalize_reference("VIG-2026-00042") == "VIG-2026-00042"
    assert normalize_reference("vig_2026_42") == "VIG-2026-00042"
    assert normalize_reference("2026-42") is None
    assert normalize_reference("VIG-26-1") is None
    assert normalize_reference("le VIG-2026-42 svp") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("c'est pour le ticket vig 2026 42 svp", "VIG-2026-00042"),
        ("VIG-2026-00042", "VIG-2026-00042"),
        ("suite à VIG2026-7, l'imprimante", "VIG-2026-00007"),
        ("mon ticket d'hier", None),
        ("", None),
        ("XVIG-2026-42", None),
        ("VIG-2026-1234567", None),
    ],
)
def test_find_reference(text: str, expected: str | None) -> None:
    assert find_reference(text) == expected


def test_canonical_form_is_read_back() -> None:
    reference = format_reference(2026, 42)
    assert reference == "VIG-2026-00042"
    assert normalize_reference(reference) == reference
    assert find_reference(f"Ticket {reference} créé") == reference


def test_reference_in_subject() -> None:
    assert reference_in_subject("[VIG-2026-00042] Imprimante") == "VIG-2026-00042"
    assert reference_in_subject("Re: [VIG-2026-123456] suite") == "VIG-2026-123456"
    assert reference_in_subject("VIG-2026-00042 sans crochets") is None
    assert reference_in_subject("[VIG-2026-42] trop court") is None
