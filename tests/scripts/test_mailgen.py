"""The scenario files (tests/data/email_scenarios/) regenerate the committed e-mail sets exactly.

Both generators render their scenarios into a temporary folder; every file must be
byte-identical to the committed one, and no committed file may be left out.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scripts import make_email_corpus as corpus
from scripts import make_heldout_emails as heldout


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.mark.parametrize(
    ("generate", "committed"),
    [(corpus.main, corpus.OUT), (heldout.main, heldout.OUT)],
    ids=["corpus", "heldout"],
)
def test_regeneration_is_byte_identical(
    generate: Callable[[list[str]], int], committed: Path, tmp_path: Path
) -> None:
    assert generate(["--out", str(tmp_path)]) == 0
    generated, expected = tree(tmp_path), tree(committed)
    assert sorted(generated) == sorted(expected)
    different = [name for name in expected if generated[name] != expected[name]]
    assert different == []
