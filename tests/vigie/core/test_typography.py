"""One French typography: no-break spaces, truncation, template filling."""

from __future__ import annotations

from vigie.core.typography import NBSP, fill, french_typography, truncate


def test_french_typography() -> None:
    assert french_typography("Réponse : oui ? « non »") == (
        f"Réponse{NBSP}: oui{NBSP}? «{NBSP}non{NBSP}»"
    )
    assert french_typography("https://exemple.fr/?page=2") == "https://exemple.fr/?page=2"
    assert french_typography("l'imprimante") == "l’imprimante"


def test_fill_escapes_values_and_keeps_one_no_break_space() -> None:
    assert fill("«{nbsp}{name}{nbsp}»", {"name": "<b>"}) == f"«{NBSP}&lt;b&gt;{NBSP}»"
    assert fill("Code : {code}", {"code": "a & b"}) == f"Code{NBSP}: a &amp; b"
    assert fill("« {x} »", {"x": "<i>x</i>"}, escape=False) == f"«{NBSP}<i>x</i>{NBSP}»"
    # typography applies to the template, never to the values
    assert fill("Texte : {t}", {"t": "a : b"}) == f"Texte{NBSP}: a : b"


def test_truncate() -> None:
    assert truncate("court", 10) == "court"
    assert truncate("un   texte\nsur deux lignes", 12) == "un texte su…"
    assert truncate("un texte long", 9) == "un texte…"
    assert truncate("  ligne 1\nligne 2  ", 30, one_line=False) == "ligne 1\nligne 2"
    assert len(truncate("x" * 100, 10)) == 10
