"""French typography for everything a user reads: one no-break space, one truncation, one
way to fill a template.

Templates are written with ordinary spaces (``"Réponse : {reference}"``) or with ``{nbsp}``;
:func:`fill` gives them no-break spaces before ``: ; ? !`` and inside « », a typographic
apostrophe, then fills the placeholders (values HTML-escaped unless told otherwise).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

NBSP = "\u00a0"
#: Narrow no-break space (between the hour and « h » in times, thousands).
NNBSP = "\u202f"
ELLIPSIS = "…"

_SPACE_BEFORE_PUNCT_RE = re.compile(r"[ \t\u00a0\u202f]+([:;?!»])")
_AFTER_OPENING_QUOTE_RE = re.compile(r"«[ \t\u00a0\u202f]*")
_BEFORE_CLOSING_QUOTE_RE = re.compile(r"(?<=[^\s\u00a0])»")
_APOSTROPHE_RE = re.compile(r"(?<=\w)'(?=\w)")


def french_typography(text: str) -> str:
    """No-break space before ``: ; ? !`` and inside « », typographic apostrophe.

    Only spaces that are already there become no-break spaces (so ``https://`` and
    ``?page=2`` are left alone); guillemets always get one.
    """
    text = _SPACE_BEFORE_PUNCT_RE.sub(NBSP + r"\1", text)
    text = _AFTER_OPENING_QUOTE_RE.sub("«" + NBSP, text)
    text = _BEFORE_CLOSING_QUOTE_RE.sub(NBSP + "»", text)
    return _APOSTROPHE_RE.sub("’", text)


def truncate(text: str, limit: int, *, one_line: bool = True) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis included, when it is longer.

    ``one_line`` first collapses every run of white space (line breaks included) into one
    space; otherwise only the ends are stripped.
    """
    text = " ".join(text.split()) if one_line else text.strip()
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def fill(template: str, values: Mapping[str, object] | None = None, *, escape: bool = True) -> str:
    """``template`` with French typography, ``{nbsp}`` and its placeholders filled.

    Values are HTML-escaped (``escape=False`` for values that are already escaped HTML);
    typography applies to the template only, never to the values.
    """
    pairs = (values or {}).items()
    filled = {key: html.escape(str(value)) if escape else str(value) for key, value in pairs}
    # ``{nbsp}`` first, so that typography sees the no-break space already there.
    return french_typography(template.replace("{nbsp}", NBSP)).format_map(filled)
