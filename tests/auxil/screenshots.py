"""Screenshots of e-mails, rendered like a phone or a desktop mail client, and photographed
screens (blur, angle, noise): pictures for the OCR path of suspicious-e-mail reports.

Deterministic (no randomness): the same text gives the same image.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONTS = Path("/usr/share/fonts/truetype/dejavu")


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(
        str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size
    )


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}".strip()
            if font.getlength(candidate) <= width or not line:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def phone(sender: str, subject: str, body: str) -> bytes:
    """A phone mail app: a coloured top bar, the subject in bold, the sender, the body."""
    width, margin = 720, 32
    title, small, text = _font(34, bold=True), _font(24), _font(28)
    lines = _wrap(body, text, width - 2 * margin)
    height = 330 + 44 * len(lines)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 90), fill=(25, 103, 210))
    draw.text((margin, 28), "‹ Boîte de réception", fill="white", font=small)
    y = 120
    for line in _wrap(subject, title, width - 2 * margin):
        draw.text((margin, y), line, fill=(20, 20, 20), font=title)
        y += 46
    draw.text((margin, y + 10), sender, fill=(60, 60, 60), font=small)
    y += 80
    for line in lines:
        draw.text((margin, y), line, fill=(30, 30, 30), font=text)
        y += 44
    return _png(image)


def desktop(sender: str, to: str, subject: str, body: str) -> bytes:
    """A desktop client's reading pane: header fields on a grey band, then the body."""
    width, margin = 1280, 40
    label, text = _font(20), _font(22)
    lines = _wrap(body, text, width - 2 * margin)
    height = 230 + 36 * len(lines)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 160), fill=(240, 240, 240))
    for row, (name, value) in enumerate((("De :", sender), ("À :", to), ("Objet :", subject))):
        draw.text((margin, 24 + 44 * row), f"{name} {value}", fill=(20, 20, 20), font=label)
    y = 190
    for line in lines:
        draw.text((margin, y), line, fill=(25, 25, 25), font=text)
        y += 36
    return _png(image)


def photographed(screenshot: bytes, *, angle: float = 4.0, blur: float = 1.2) -> bytes:
    """The screenshot as a photo of a screen: turned a little, blurred, greyer, as a JPEG."""
    with Image.open(io.BytesIO(screenshot)) as opened:
        image = opened.convert("RGB")
    image = image.rotate(
        angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(70, 70, 70)
    )
    image = image.filter(ImageFilter.GaussianBlur(blur))
    image = Image.eval(image, lambda v: int(40 + v * 0.75))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return buffer.getvalue()


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
