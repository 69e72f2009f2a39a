"""Charts drawn on the server as SVG: no script, no external file, readable on a phone (the
SVG scales to the width of the page). Every label is escaped."""

from __future__ import annotations

from html import escape

BAR = "#2b6cb0"
MUTED = "#4a5568"


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def bar_chart(points: list[tuple[str, int]], *, title: str, height: int = 180) -> str:
    """Vertical bars (weeks): ``points`` are (label, value), left to right."""
    width = max(320, 44 * len(points) + 40)
    top, bottom, left = 24, 28, 30
    peak = max((v for _, v in points), default=0) or 1
    inner = height - top - bottom
    step = (width - left - 10) / max(len(points), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + inner}" x2="{width - 10}" y2="{top + inner}" '
        f'stroke="{MUTED}" stroke-width="1"/>',
    ]
    for index, (label, value) in enumerate(points):
        bar = inner * value / peak
        x = left + index * step + step * 0.15
        y = top + inner - bar
        parts.append(
            f'<rect x="{_number(x)}" y="{_number(y)}" width="{_number(step * 0.7)}" '
            f'height="{_number(bar)}" fill="{BAR}"><title>{escape(label)} : {value}</title></rect>'
        )
        parts.append(
            f'<text x="{_number(x + step * 0.35)}" y="{_number(y - 4)}" font-size="11" '
            f'text-anchor="middle" fill="{MUTED}">{value}</text>'
        )
        parts.append(
            f'<text x="{_number(x + step * 0.35)}" y="{height - 10}" font-size="10" '
            f'text-anchor="middle" fill="{MUTED}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def hbar_chart(points: list[tuple[str, int]], *, title: str, width: int = 520) -> str:
    """Horizontal bars (topics), most first."""
    row, label_width = 22, 190
    height = row * len(points) + 10
    peak = max((v for _, v in points), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {max(height, 30)}" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value) in enumerate(points):
        y = 5 + index * row
        length = (width - label_width - 50) * value / peak
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 14}" font-size="11" text-anchor="end" '
            f'fill="{MUTED}">{escape(label)}</text>'
        )
        parts.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{_number(length)}" height="{row - 8}" '
            f'fill="{BAR}"/>'
        )
        parts.append(
            f'<text x="{_number(label_width + length + 4)}" y="{y + 14}" font-size="11" '
            f'fill="{MUTED}">{value}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
