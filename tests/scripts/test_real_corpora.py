"""The real-corpus lists of ``make eval``: well formed, parts drawn once, nothing shipped."""

from __future__ import annotations

import subprocess
from pathlib import Path

from scripts.real_corpora import CORPORA, HELDOUT_SHARE, entries, language_of, part_of, read_message

ROOT = Path(__file__).resolve().parents[2]


def test_every_corpus_has_its_list_with_both_parts() -> None:
    for corpus in CORPORA.values():
        listed = entries(corpus)
        assert listed, corpus.name
        assert {e.part for e in listed} <= {"tuning", "heldout"}
        assert {e.language for e in listed} <= {"fr", "other"}
        assert all(e.label == corpus.label for e in listed)
    phishing = entries(CORPORA["phishing_pot"])
    share = sum(e.part == "heldout" for e in phishing) / len(phishing)
    assert abs(share - HELDOUT_SHARE) < 0.02
    assert sum(e.language == "fr" for e in phishing) >= 150


def test_the_parts_are_drawn_from_the_path_alone() -> None:
    corpus = CORPORA["phishing_pot"]
    for entry in entries(corpus)[:200]:
        relative = entry.path.relative_to(ROOT / "var" / "corpora" / corpus.name).as_posix()
        assert entry.part == part_of(relative)


def test_no_corpus_file_is_committed() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "var"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert tracked == ""


def test_an_mbox_envelope_line_is_dropped_and_languages_read(tmp_path: Path) -> None:
    message = tmp_path / "m.txt"
    message.write_bytes(
        b"From someone@example.com  Thu Aug 22 13:17:22 2002\n"
        b"From: a@b.fr\nSubject: Votre colis\n\nBonjour madame, votre colis est "
        b"dans le point relais pour une semaine, merci de le retirer avec une piece.\n"
    )
    data = read_message(message)
    assert data.startswith(b"From: a@b.fr")
    assert language_of(data) == "fr"
    english = b"From: a@b.com\nSubject: Your order\n\nDear customer, your order is on the way and will arrive soon, thank you for your purchase."
    assert language_of(english) == "other"
