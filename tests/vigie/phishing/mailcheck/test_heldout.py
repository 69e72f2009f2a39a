"""The held-out e-mail set, version 4 (tests/data/emails_heldout/): generated, and analysable.

This set judges the analyser and must never tune it: no floor is asserted here. The tests
only check that the committed files are exactly what ``scripts/make_heldout_emails.py``
generates and that ``analyse`` handles each one without error, within its limits.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import make_heldout_emails as heldout
from vigie.phishing.mailcheck import analyse, trusted_domains

FILES = sorted(heldout.OUT.glob("*/*.eml"))
TRUSTED = trusted_domains(heldout.TRUSTED_EXTRA)


def test_files_match_the_generator() -> None:
    assert heldout.main(["--check"]) == 0


def test_set_has_40_phishing_and_40_legit() -> None:
    kinds = [p.parent.name for p in FILES]
    assert kinds.count("phishing") == 40
    assert kinds.count("legit") == 40


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_analyse_handles_each_file(path: Path) -> None:
    result = analyse(path.read_bytes(), trusted=TRUSTED)
    assert result.verdict in {"dangereux", "douteux", "sans_danger"}
    assert not result.truncated
    assert all(isinstance(r, str) and r for r in result.reasons)
    assert result.subject
