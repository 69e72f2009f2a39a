"""The documentation's links: relative to the repository, and pointing at files that exist.

Scans ``README.md`` and ``docs/**/*.md`` for Markdown links and images (``[text](target)``,
``![alt](target)``) and reference definitions (``[label]: target``), outside code blocks and
code spans. A target must not be an absolute path (``/…``) or a ``file:`` URL: it would only
work on one machine. A relative target (its ``#anchor`` and ``?query`` left aside) must exist
in the repository; ``http(s):`` and ``mailto:`` links and bare ``#anchors`` are not checked.

The Mermaid diagrams embedded in the docs (```` ```mermaid ```` blocks) must be copies of a
``docs/*.mmd`` file, so that the rendered diagram and its source never drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent

_FENCE = re.compile(r"^ {0,3}(```+|~~~+)")
_CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")
_INLINE_LINK = re.compile(r"!?\[([^\]\n]*)\]\(\s*(<[^>\n]*>|[^)\s]*)(?:\s+[\"'(][^)\n]*)?\s*\)")
_REFERENCE = re.compile(r"^ {0,3}\[([^\]\n]+)\]:\s*(<[^>\n]*>|\S+)")
_UNCHECKED = re.compile(r"^(?:https?|mailto):", re.IGNORECASE)


@dataclass(frozen=True)
class Link:
    path: Path  # the Markdown file
    line: int
    target: str

    def where(self, root: Path) -> str:
        return f"{self.path.relative_to(root)}:{self.line}: {self.target}"


def markdown_files(root: Path = ROOT) -> list[Path]:
    """``README.md`` and every Markdown file under ``docs/``."""
    files = [root / "README.md"] if (root / "README.md").is_file() else []
    return files + sorted((root / "docs").glob("**/*.md"))


def _prose_lines(text: str) -> list[tuple[int, str]]:
    """The numbered lines outside fenced code blocks, code spans replaced by ``code``."""
    lines: list[tuple[int, str]] = []
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
            continue
        if fence is not None:
            if match and match.group(1).startswith(fence) and line.strip() == match.group(1):
                fence = None  # a closing fence: as long or longer, nothing after it
            continue
        lines.append((number, _CODE_SPAN.sub("code", line)))
    return lines


def links(path: Path) -> list[Link]:
    """The link targets of one Markdown file, with their line numbers."""
    found: list[Link] = []
    for number, line in _prose_lines(path.read_text(encoding="utf-8")):
        targets = [m.group(2) for m in _INLINE_LINK.finditer(line)]
        reference = _REFERENCE.match(line)
        if reference:
            targets.append(reference.group(2))
        found += [Link(path, number, t.strip("<>").strip()) for t in targets]
    return found


def absolute_links(root: Path = ROOT) -> list[str]:
    """Links whose target is an absolute path or a ``file:`` URL."""
    return [
        link.where(root)
        for path in markdown_files(root)
        for link in links(path)
        if link.target.startswith(("/", "\\")) or link.target.lower().startswith("file:")
    ]


def broken_links(root: Path = ROOT) -> list[str]:
    """Relative links whose target does not exist in the repository."""
    broken: list[str] = []
    for path in markdown_files(root):
        for link in links(path):
            target = link.target
            if not target or target.startswith("#") or _UNCHECKED.match(target):
                continue
            if target.startswith(("/", "\\")) or target.lower().startswith("file:"):
                continue  # reported by absolute_links
            relative = unquote(re.split(r"[#?]", target, maxsplit=1)[0])
            resolved = (path.parent / relative).resolve()
            if not resolved.is_relative_to(root.resolve()) or not resolved.exists():
                broken.append(link.where(root))
    return broken


def mermaid_blocks(path: Path) -> list[tuple[int, str]]:
    """The ```` ```mermaid ```` blocks of a Markdown file: (first line, content)."""
    blocks: list[tuple[int, str]] = []
    current: list[str] | None = None
    start = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if current is None and line.strip() == "```mermaid":
            current, start = [], number
        elif current is not None and line.strip() == "```":
            blocks.append((start, "\n".join(current).strip()))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def drifted_diagrams(root: Path = ROOT) -> list[str]:
    """Embedded Mermaid diagrams that are not a copy of any ``docs/*.mmd`` file."""
    sources = {
        p.read_text(encoding="utf-8").strip() for p in sorted((root / "docs").glob("**/*.mmd"))
    }
    return [
        f"{path.relative_to(root)}:{line}"
        for path in markdown_files(root)
        for line, block in mermaid_blocks(path)
        if block not in sources
    ]


def test_no_absolute_links() -> None:
    found = absolute_links()
    assert not found, "links must be relative to the repository:\n" + "\n".join(found)


def test_relative_links_exist() -> None:
    found = broken_links()
    assert not found, "links to nothing in the repository:\n" + "\n".join(found)


def test_embedded_diagrams_match_their_source() -> None:
    found = drifted_diagrams()
    assert not found, "diagrams differing from every docs/*.mmd:\n" + "\n".join(found)


def test_the_checks_find_bad_links(tmp_path: Path) -> None:
    """The scanner itself: what it must catch, and what it must leave alone."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "real.md").write_text("# Real\n", encoding="utf-8")
    (docs / "diagram.mmd").write_text("stateDiagram-v2\n    A --> B\n", encoding="utf-8")
    (tmp_path / "README.md").write_text(
        "\n".join(
            [
                "[ok](docs/real.md#real) [web](https://example.org) [mail](mailto:a@b.fr)",
                "[anchor](#top) ![image](docs/real.md) [`code text`](docs/real.md?x=1)",
                "[abs](/work/shared/design/users.md) [file](file:///tmp/x.md)",
                "[missing](docs/nowhere.md) [outside](../outside.md)",
                "[ref]: docs/missing-ref.md",
                "`[in a code span](/not/a/link)`",
                "```",
                "[in a code block](/not/a/link)",
                "```",
                "```mermaid",
                "stateDiagram-v2",
                "    A --> B",
                "```",
                "```mermaid",
                "stateDiagram-v2",
                "    A --> C",
                "```",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    assert absolute_links(tmp_path) == [
        "README.md:3: /work/shared/design/users.md",
        "README.md:3: file:///tmp/x.md",
    ]
    assert broken_links(tmp_path) == [
        "README.md:4: docs/nowhere.md",
        "README.md:4: ../outside.md",
        "README.md:5: docs/missing-ref.md",
    ]
    assert drifted_diagrams(tmp_path) == ["README.md:14"]
