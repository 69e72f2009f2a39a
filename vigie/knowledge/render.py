"""Turn Vigie's small Markdown subset into escaped Telegram HTML messages.

The subset: paragraphs separated by blank lines, ``## `` headings (shown in bold), numbered
items ``1. `` (kept as they are), bullets ``- `` (shown as ``• ``), ``**bold**`` and
``{placeholders}`` filled with the deployment's contacts. Every piece of text is escaped;
contact values are escaped too, so nothing from a file or the configuration becomes markup.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping

from vigie.core.messages import Button, OutgoingMessage
from vigie.core.typography import french_typography
from vigie.knowledge.loader import Article, KnowledgeBase

#: Telegram's maximum length of one message.
TELEGRAM_LIMIT = 4096
#: Length used for articles: under Telegram's limit, with room to spare.
ARTICLE_LIMIT = 4000

_PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")
_BOLD_RE = re.compile(r"\*\*(.+?)\*\*")
_HEADING_RE = re.compile(r"^#{1,6}\s+(.*?)\s*$")
_BULLET_RE = re.compile(r"^[-*]\s+(.*)$")
_NUMBERED_RE = re.compile(r"^(\d{1,3})[.)]\s+(.*)$")
_TOKEN_RE = re.compile(r"<[^<>]*>|&#?[0-9A-Za-z]+;|[\s\S]")
_OPEN_TAG_RE = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?>")
_CLOSE_TAG_RE = re.compile(r"</([A-Za-z][A-Za-z0-9-]*)\s*>")


def faq_payload(article_id: str) -> str:
    """The payload of a button that opens an article: ``/faq{"article":"mfa"}``."""
    return "/faq" + json.dumps({"article": article_id}, separators=(",", ":"))


def render_inline(text: str, contacts: Mapping[str, str]) -> str:
    """One line of text as escaped HTML: bold, placeholders, French typography.

    Raises ``KeyError`` for a placeholder that is not in ``contacts``.
    """
    escaped = html.escape(french_typography(text))
    escaped = _BOLD_RE.sub(r"<b>\1</b>", escaped)

    def contact(match: re.Match[str]) -> str:
        return html.escape(french_typography(contacts[match.group(1)]))

    return _PLACEHOLDER_RE.sub(contact, escaped)


def markdown_to_html(markdown: str, contacts: Mapping[str, str]) -> str:
    """The Markdown subset as Telegram HTML; paragraphs are separated by a blank line."""
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for raw in markdown.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            if current:
                paragraphs.append(current)
                current = []
            continue
        heading = _HEADING_RE.match(line)
        if heading:
            if current:
                paragraphs.append(current)
            title = heading.group(1).replace("**", "")
            current = [f"<b>{render_inline(title, contacts)}</b>"]
            continue
        bullet = _BULLET_RE.match(line)
        numbered = _NUMBERED_RE.match(line)
        if bullet:
            current.append("• " + render_inline(bullet.group(1), contacts))
        elif numbered:
            current.append(f"{numbered.group(1)}. {render_inline(numbered.group(2), contacts)}")
        else:
            current.append(render_inline(line, contacts))
    if current:
        paragraphs.append(current)
    return "\n\n".join("\n".join(lines) for lines in paragraphs)


def render_article(
    article: Article,
    contacts: Mapping[str, str],
    kb: KnowledgeBase,
    *,
    limit: int = ARTICLE_LIMIT,
) -> list[OutgoingMessage]:
    """The article as one or more messages, related articles as buttons on the last one."""
    title = render_inline(article.title.replace("**", ""), contacts)
    text = f"<b>{title}</b>\n\n{markdown_to_html(article.body, contacts)}"
    chunks = split_html(text, limit)
    buttons = tuple(
        Button(french_typography(kb.get(related).title), faq_payload(related))
        for related in article.related
        if related in kb
    )
    messages = [OutgoingMessage(chunk, article_id=article.id) for chunk in chunks]
    messages[-1] = OutgoingMessage(chunks[-1], buttons, article.id)
    return messages


def split_html(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split Telegram HTML into pieces of at most ``limit`` characters.

    Cuts at a paragraph boundary (blank line) when possible, else at a line break, else at
    a space, else anywhere; never inside a tag or an entity. A tag still open at a cut is
    closed at the end of the piece and opened again at the start of the next one.
    """
    if limit < 64:
        raise ValueError("limit must be at least 64 characters")
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    tokens = _TOKEN_RE.findall(text)
    pieces: list[str] = []
    start = 0
    reopen: list[str] = []
    while start < len(tokens):
        piece, start, reopen = _next_piece(tokens, start, reopen, limit)
        if _has_text(piece):
            pieces.append(piece)
        while start < len(tokens) and tokens[start].isspace():
            start += 1
    return pieces


def _next_piece(
    tokens: list[str], start: int, reopen: list[str], limit: int
) -> tuple[str, int, list[str]]:
    """The longest piece from ``tokens[start:]`` that fits, and where the next one starts."""
    stack = list(reopen)
    parts = list(reopen)
    size = sum(len(tag) for tag in reopen)
    # Best cut by preference (0 paragraph, 1 line, 2 space, 3 anywhere):
    # (index of the next token, number of parts, open tags at the cut).
    cuts: dict[int, tuple[int, int, list[str]]] = {}
    index = start
    while index < len(tokens):
        token = tokens[index]
        new_stack = _update_stack(stack, token)
        if size + len(token) + len(_closing(new_stack)) > limit:
            break
        parts.append(token)
        size += len(token)
        stack = new_stack
        index += 1
        if token == "\n":
            level = 0 if len(parts) >= 2 and parts[-2] == "\n" else 1
        elif token.isspace():
            level = 2
        else:
            level = 3
        cuts[level] = (index, len(parts), stack)
    if index == len(tokens):
        return "".join(parts).rstrip() + _closing(stack), index, []
    if not cuts:
        raise ValueError("limit too small for the markup of this text")
    next_start, count, open_tags = cuts[min(cuts)]
    return "".join(parts[:count]).rstrip() + _closing(open_tags), next_start, open_tags


def _update_stack(stack: list[str], token: str) -> list[str]:
    if not token.startswith("<") or len(token) == 1:
        return stack
    closing = _CLOSE_TAG_RE.fullmatch(token)
    if closing:
        name = closing.group(1).lower()
        for position in range(len(stack) - 1, -1, -1):
            if _tag_name(stack[position]) == name:
                return stack[:position] + stack[position + 1 :]
        return stack
    if _OPEN_TAG_RE.fullmatch(token) and not token.endswith("/>"):
        return [*stack, token]
    return stack


def _tag_name(opening_tag: str) -> str:
    match = _OPEN_TAG_RE.fullmatch(opening_tag)
    return match.group(1).lower() if match else ""


def _closing(stack: list[str]) -> str:
    return "".join(f"</{_tag_name(tag)}>" for tag in reversed(stack))


def _has_text(piece: str) -> bool:
    return bool(re.sub(r"<[^<>]*>", "", piece).strip())
