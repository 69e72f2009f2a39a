"""The text normalisation of Vigie's NLU tokenizer (rasa_addons/normalizer.py), without Rasa."""

from __future__ import annotations

import pytest

from rasa_addons.normalizer import normalize_text, normalize_words

CASES = [
    # Case, accents, ligatures, typographic apostrophes.
    ("Sécurité du Wi-Fi", "securite du wifi"),
    ("C’est grave ?", "c est grave"),
    ("c'est quoi l'e-CPS", "c est quoi l ecps"),
    ("Ça marche pas, œil", "ca marche pas oeil"),
    # SMS abbreviations.
    ("c koi un bon mdp", "c est quoi un bon mot de passe"),
    ("g perdu mon tel", "j ai perdu mon telephone"),
    ("jai ouvert la pj", "j ai ouvert la piece jointe"),
    ("jsp stp aide", "je sais pas svp aide"),
    ("pb sur le pc ou l ordi", "probleme sur le ordinateur ou l ordinateur"),
    ("merci bcp", "merci beaucoup"),
    ("qqn a appele", "quelqu un a appele"),
    # Variant spellings of the same word.
    ("un e-mail, un mél, un courriel", "un mail un mail un mail"),
    ("fishing ou hameconage", "phishing ou hameconnage"),
    ("l anti virus", "l antivirus"),
    ("la clef usb", "la cle usb"),
    # Stretched letters, but not double letters or numbers.
    ("au secouuuurs vite", "au secours vite"),
    ("nouvelle arrivee", "nouvelle arrivee"),
    ("VIG-2026-00042 ca avance", "vig 2026 00042 ca avance"),
    # Domain words are kept.
    ("ma carte cps", "ma carte cps"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_normalize_text(text: str, expected: str) -> None:
    assert normalize_text(text) == expected


def test_expanded_words_point_to_their_source_token() -> None:
    assert normalize_words(["mon", "mdp"]) == [
        ("mon", 0),
        ("mot", 1),
        ("de", 1),
        ("passe", 1),
    ]


def test_merged_phrase_keeps_the_first_token() -> None:
    assert normalize_words(["anti", "virus", "a", "jour"]) == [
        ("antivirus", 0),
        ("a", 2),
        ("jour", 3),
    ]


def test_punctuation_only_gives_nothing() -> None:
    assert normalize_text("?!") == ""
