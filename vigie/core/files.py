"""Files people send: the largest one Vigie downloads and reads (the analyser reads only the
headers of a larger one; Telegram lets a bot download up to 20 MB)."""

from __future__ import annotations

MEGABYTE = 1024 * 1024
MAX_FILE_BYTES = 10 * MEGABYTE
