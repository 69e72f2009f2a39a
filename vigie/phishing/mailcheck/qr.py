"""QR codes in a message's pictures (« quishing »: a link a filter cannot read, scanned with a
phone outside the facility's protections), decoded with zxing-cpp. Offline, bounded: at most
``parse.MAX_IMAGES`` pictures of at most ``parse.MAX_IMAGE_BYTES``, a pixel limit, no network.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterable

__all__ = ["MAX_PIXELS", "qr_texts"]

logger = logging.getLogger(__name__)

MAX_PIXELS = 20_000_000


def qr_texts(images: Iterable[bytes]) -> list[str]:
    """The texts of the QR codes found in ``images`` (pictures that cannot be read are
    skipped)."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    found: list[str] = []
    for data in images:
        try:
            with warnings.catch_warnings(), Image.open(io.BytesIO(data)) as opened:
                warnings.simplefilter("ignore")  # palette transparency, big pictures: no matter
                if opened.width * opened.height > MAX_PIXELS:
                    continue
                opened.load()
                picture = opened.convert("L")
            codes = zxingcpp.read_barcodes(
                picture, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
            )
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
            continue
        except Exception as exc:  # a decoder failure never stops the analysis
            logger.info("QR code not read: %s", type(exc).__name__)
            continue
        found += [code.text for code in codes if code.text and code.text not in found]
    return found[:10]
