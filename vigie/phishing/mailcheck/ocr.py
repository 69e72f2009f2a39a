"""The text of a photo or screenshot of an e-mail, read with Tesseract (French and English).

Runs in the analysis worker (``worker.py``), never in the bot's process. An image is opened
with a pixel limit (a decompression bomb is refused), turned upright from its EXIF data, made
grey, and enlarged when small (phone screenshots read better at twice their size). Nothing is
fetched: Tesseract and its models are local (Debian's packages, ``make setup``).
"""

from __future__ import annotations

import io
import logging

__all__ = ["MAX_PIXELS", "OcrUnavailable", "read_image"]

logger = logging.getLogger(__name__)

MAX_PIXELS = 40_000_000  # a 48 MP photo is refused, a 12 MP one read
LANGUAGES = "fra+eng"
SMALL_WIDTH = 1200


class OcrUnavailable(Exception):
    """Tesseract is not installed (or its French model is missing)."""


def read_image(data: bytes, *, timeout_seconds: float = 20.0) -> str:
    """The text Tesseract reads on the image; "" when the file is no image it can open."""
    import pytesseract
    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened).convert("L")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        logger.info("Image not read: %s", type(exc).__name__)
        return ""
    if image.width < SMALL_WIDTH:
        factor = 2 if image.width * 2 * image.height * 2 <= MAX_PIXELS else 1
        image = image.resize(
            (image.width * factor, image.height * factor), Image.Resampling.LANCZOS
        )
    try:
        return str(pytesseract.image_to_string(image, lang=LANGUAGES, timeout=timeout_seconds))
    except pytesseract.TesseractNotFoundError as exc:
        raise OcrUnavailable("tesseract") from exc
    except pytesseract.TesseractError as exc:
        if "Failed loading language" in str(exc):
            raise OcrUnavailable("language") from exc
        logger.info("Image not read: %s", type(exc).__name__)
        return ""
    except RuntimeError:  # pytesseract's timeout
        logger.info("Image not read: timeout")
        return ""
