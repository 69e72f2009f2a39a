"""What Vigie's PDF documents share (the monthly report, the self-diagnostic's result): an A4
page drawn with fpdf2 and Debian's DejaVu fonts (``fonts-dejavu-core``; nothing is fetched
from the network), with headings, paragraphs, lists, bar charts and a footer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from vigie.core.typography import NBSP, NNBSP

__all__ = ["FONT", "PAGES_ALIAS", "Document", "ReportError", "font_files"]

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FONT = "dejavu"
BAR = (43, 108, 176)
MUTED = (74, 85, 104)
INK = (26, 32, 44)
PAGES_ALIAS = "{vigie:pages}"
_SPACES = frozenset((NBSP, NNBSP))


class ReportError(ValueError):
    """The report cannot be made; the message is in French, for the administrator."""


def font_files() -> dict[str, Path]:
    """The DejaVu fonts, by style; :class:`ReportError` if they are missing."""
    files = {style: FONT_DIR / name for style, name in FONT_FILES.items()}
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        raise ReportError(
            f"police introuvable{NBSP}: {', '.join(missing)} — installez le paquet Debian "
            "fonts-dejavu-core (sudo apt-get install fonts-dejavu-core)"
        )
    return files


class Document(FPDF):
    """An A4 page with Vigie's headings, lists, bar charts and footer."""

    def __init__(self, fonts: dict[str, Path], footer: Callable[[int], str]) -> None:
        super().__init__(format="A4")
        for style, path in fonts.items():
            self.add_font(FONT, style, str(path))
        self._glyphs = set(self.fonts[FONT].cmap)  # type: ignore[union-attr]
        self._footer = footer
        self.alias_nb_pages(PAGES_ALIAS)
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=18)
        self.set_text_color(*INK)

    def clean(self, text: str) -> str:
        """Text the font can draw: control characters and missing glyphs (emoji) left out."""
        return "".join(
            ch
            for ch in text
            if ch == "\n" or ((ch.isprintable() or ch in _SPACES) and ord(ch) in self._glyphs)
        )

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(*MUTED)
        # Left-aligned: the page count is filled in at the end, after the text was placed.
        self.cell(0, 5, self.clean(self._footer(self.page_no())))
        self.set_text_color(*INK)

    def room(self, height: float) -> None:
        """A new page unless ``height`` millimetres are left on this one."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    def title_block(self, title: str, lines: list[str]) -> None:
        self.set_font(FONT, "B", 16)
        self.set_text_color(*BAR)
        self.multi_cell(0, 8, self.clean(title), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*MUTED)
        self.set_font(FONT, size=9)
        for line in lines:
            self.multi_cell(0, 5, self.clean(line), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)

    def heading(self, text: str) -> None:
        self.room(22)
        self.ln(4)
        self.set_font(FONT, "B", 12.5)
        self.set_text_color(*BAR)
        self.multi_cell(0, 7, self.clean(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.ln(1)

    def paragraph(self, text: str, *, size: float = 10, muted: bool = False) -> None:
        self.set_font(FONT, size=size)
        if muted:
            self.set_text_color(*MUTED)
        self.multi_cell(0, 5.2, self.clean(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)

    def item(self, text: str, *, marker: str = "–", bold: bool = False) -> None:
        """A list item with a hanging indent."""
        self.set_font(FONT, "B" if bold else "", 10)
        self.room(6)
        indent = 7.0
        self.set_x(self.l_margin + 1)
        self.cell(indent - 1, 5.2, marker)
        self.multi_cell(
            self.epw - indent,
            5.2,
            self.clean(text),
            align="L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    def fit(self, text: str, width: float) -> str:
        """``text`` shortened with « … » to fit ``width`` millimetres."""
        text = self.clean(text)
        if self.get_string_width(text) <= width:
            return text
        while text and self.get_string_width(text + "…") > width:
            text = text[:-1]
        return text.rstrip() + "…"

    def bar_chart(self, points: list[tuple[str, int]], height: float = 38) -> None:
        """Vertical bars, left to right, with their value above and their label below."""
        self.room(height + 16)
        x0, top = self.l_margin, self.get_y() + 5
        base = top + height
        peak = max((value for _, value in points), default=0) or 1
        step = self.epw / max(len(points), 1)
        self.set_font(FONT, size=8.5)
        for index, (label, value) in enumerate(points):
            bar = height * value / peak
            x = x0 + index * step + step * 0.2
            if value:
                self.set_fill_color(*BAR)
                self.rect(x, base - bar, step * 0.6, bar, style="F")
            self.set_text_color(*INK)
            self.set_xy(x - 3, base - bar - 4.5)
            self.cell(step * 0.6 + 6, 4, str(value), align="C")
            self.set_text_color(*MUTED)
            self.set_xy(x - 3, base + 1)
            self.cell(step * 0.6 + 6, 4, self.fit(label, step * 0.6 + 6), align="C")
        self.set_draw_color(*MUTED)
        self.set_line_width(0.2)
        self.line(x0, base, x0 + self.epw, base)
        self.set_text_color(*INK)
        self.set_xy(x0, base + 6)

    def hbar_chart(self, points: list[tuple[str, int]]) -> None:
        """Horizontal bars, most first, with their label on the left."""
        row, label_width = 6.5, 72.0
        self.room(row * len(points) + 4)
        peak = max((value for _, value in points), default=0) or 1
        longest = self.epw - label_width - 14
        self.set_font(FONT, size=9)
        for label, value in points:
            y = self.get_y()
            self.set_text_color(*INK)
            self.set_xy(self.l_margin, y)
            self.cell(label_width - 2, row, self.fit(label, label_width - 3), align="R")
            length = longest * value / peak
            self.set_fill_color(*BAR)
            self.rect(self.l_margin + label_width, y + 1.2, max(length, 0.4), row - 2.4, style="F")
            self.set_xy(self.l_margin + label_width + length + 1.5, y)
            self.cell(12, row, str(value))
            self.set_xy(self.l_margin, y + row)
        self.ln(2)
