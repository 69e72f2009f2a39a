"""Load and validate the knowledge base: one Markdown article per topic in ``knowledge/``.

An article is a Markdown file named ``<id>.md`` that starts with a YAML front matter::

    ---
    id: mfa
    title: Activer la double authentification
    keywords: [double authentification, code, sms]
    related: [password_strength]
    sources:
      - "ANSSI, ..."
    last_review: 2026-11-29
    ---
    Short introduction.

    ## Ce qu’il faut faire
    ...
    ## À ne jamais faire
    ...
    ## Qui prévenir
    ... {provider_name} ...

Every problem found while loading raises :class:`KnowledgeError` naming the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from vigie.core.settings import Settings

#: The article ids, i.e. the sub-intents ``faq/<id>`` of the ``faq`` retrieval intent.
EXPECTED_IDS: tuple[str, ...] = (
    "password_strength",
    "password_storage",
    "account_sharing",
    "mfa",
    "phishing_recognize",
    "phone_scam",
    "sms_scam",
    "usb_devices",
    "updates",
    "antivirus",
    "backup",
    "ransomware",
    "lock_screen",
    "personal_devices",
    "wifi",
    "health_data_sharing",
    "cps_card",
    "email_attachments",
    "software_install",
    "social_media",
    "remote_access",
    "physical_security",
    "medical_devices",
    "staff_arrival_departure",
    "incident_reporting",
    "gdpr_basics",
    "web_browsing",
    "payment_fraud",
)

#: Sections every article must have, in this order.
REQUIRED_SECTIONS: tuple[str, ...] = (
    "Ce qu’il faut faire",
    "À ne jamais faire",
    "Qui prévenir",
)

MAX_BODY_WORDS = 260

_FIELDS = ("id", "title", "keywords", "related", "sources", "last_review")
_ID_RE = re.compile(r"[a-z][a-z0-9_]*")
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
_HEADING_RE = re.compile(r"^#{1,6}\s+(.*?)\s*$", re.MULTILINE)
_IGNORED_FILES = frozenset({"readme.md"})


#: The sub-folder of ``knowledge/`` that holds the tips of the week, not articles.
TIPS_FOLDER = "tips"


class _FrontMatterLoader(yaml.SafeLoader):
    """YAML without implicit timestamps: ``last_review`` is checked by :func:`_review_date`."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class KnowledgeError(Exception):
    """The knowledge base is invalid; the message names the file and the problem."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{_display(path)}: {problem}")


@dataclass(frozen=True)
class Article:
    """One validated article; ``body`` is the Markdown after the front matter."""

    id: str
    title: str
    keywords: tuple[str, ...]
    related: tuple[str, ...]
    sources: tuple[str, ...]
    last_review: date
    body: str
    path: Path


class KnowledgeBase:
    """The validated articles, by id, in file-name order."""

    def __init__(self, articles: dict[str, Article]) -> None:
        self._articles = dict(articles)

    @classmethod
    def load(cls, directory: Path) -> KnowledgeBase:
        """Read and validate every ``*.md`` article of ``directory`` and its sub-folders.

        ``README.md`` files and the ``tips/`` folder are not articles and are skipped.
        """
        if not directory.is_dir():
            raise KnowledgeError(directory, "not a directory")
        articles: dict[str, Article] = {}
        for path in sorted(directory.rglob("*.md")):
            if path.name.lower() in _IGNORED_FILES:
                continue
            if TIPS_FOLDER in path.relative_to(directory).parts[:-1]:
                continue  # the tips of the week (vigie/awareness/tips.py), not articles
            article = parse_article(path)
            if article.id in articles:
                raise KnowledgeError(
                    path, f"duplicate id {article.id!r} (also in {articles[article.id].path.name})"
                )
            articles[article.id] = article
        if not articles:
            raise KnowledgeError(directory, "no article (*.md) found")
        for article in articles.values():
            for related in article.related:
                if related not in articles:
                    raise KnowledgeError(article.path, f"related id {related!r} does not exist")
        return cls(articles)

    def get(self, article_id: str) -> Article:
        """The article ``article_id``; ``KeyError`` if there is none."""
        return self._articles[article_id]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._articles)

    def missing_ids(self) -> tuple[str, ...]:
        """Expected ids (see :data:`EXPECTED_IDS`) that have no article."""
        return tuple(i for i in EXPECTED_IDS if i not in self._articles)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._articles

    def __iter__(self) -> Iterator[Article]:
        return iter(self._articles.values())

    def __len__(self) -> int:
        return len(self._articles)


def parse_article(path: Path) -> Article:
    """Read one article file and check everything that does not depend on the others."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeError(path, f"cannot be read ({exc.__class__.__name__})") from exc
    meta, body = _split_front_matter(path, text)

    missing = [name for name in _FIELDS if name not in meta]
    if missing:
        raise KnowledgeError(path, f"missing field(s) in front matter: {', '.join(missing)}")
    unknown = sorted(str(name) for name in meta if name not in _FIELDS)
    if unknown:
        raise KnowledgeError(path, f"unknown field(s) in front matter: {', '.join(unknown)}")

    article_id = meta["id"]
    if not isinstance(article_id, str) or not _ID_RE.fullmatch(article_id):
        raise KnowledgeError(path, f"invalid id {article_id!r} (lowercase letters, digits, _)")
    if article_id != path.stem:
        raise KnowledgeError(path, f"id {article_id!r} does not match the file name")
    title = meta["title"]
    if not isinstance(title, str) or not title.strip():
        raise KnowledgeError(path, "title must be a non-empty string")
    keywords = _string_list(path, meta, "keywords", allow_empty=False)
    related = _string_list(path, meta, "related", allow_empty=True)
    sources = _string_list(path, meta, "sources", allow_empty=False)
    if article_id in related:
        raise KnowledgeError(path, "an article cannot be related to itself")
    if len(set(related)) != len(related):
        raise KnowledgeError(path, "related ids are repeated")
    last_review = _review_date(path, meta["last_review"])

    _check_sections(path, body)
    _check_placeholders(path, title.strip() + "\n" + body)
    words = len(body.split())
    if words > MAX_BODY_WORDS:
        raise KnowledgeError(path, f"body has {words} words (at most {MAX_BODY_WORDS})")

    return Article(
        id=article_id,
        title=title.strip(),
        keywords=keywords,
        related=related,
        sources=sources,
        last_review=last_review,
        body=body,
        path=path,
    )


def _display(path: Path) -> str:
    """``knowledge/mfa.md``: the file with its folder, short enough for a message."""
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def _split_front_matter(path: Path, text: str) -> tuple[dict[str, Any], str]:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        raise KnowledgeError(path, "missing front matter (the file must start with '---')")
    end = text.find("\n---\n", 3)
    if end == -1:
        raise KnowledgeError(path, "front matter is not closed by a '---' line")
    try:
        # A SafeLoader subclass: no arbitrary objects.
        meta = yaml.load(text[4 : end + 1], Loader=_FrontMatterLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise KnowledgeError(path, f"invalid front matter: not valid YAML{where}") from exc
    if not isinstance(meta, dict):
        raise KnowledgeError(path, "invalid front matter: expected 'key: value' lines")
    body = text[end + 5 :].strip("\n")
    if not body.strip():
        raise KnowledgeError(path, "empty body")
    return meta, body + "\n"


def _string_list(
    path: Path, meta: dict[str, Any], name: str, *, allow_empty: bool
) -> tuple[str, ...]:
    value = meta[name]
    if value is None and allow_empty:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeError(path, f"{name} must be a list of non-empty strings")
    if not value and not allow_empty:
        raise KnowledgeError(path, f"{name} must not be empty")
    return tuple(v.strip() for v in value)


def _review_date(path: Path, value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise KnowledgeError(path, f"invalid last_review {value!r} (expected YYYY-MM-DD)")


def _check_sections(path: Path, body: str) -> None:
    headings = _HEADING_RE.findall(body)
    position = 0
    for section in REQUIRED_SECTIONS:
        try:
            position = headings.index(section, position) + 1
        except ValueError:
            problem = (
                f"section '## {section}' is out of order"
                if section in headings
                else f"missing section '## {section}'"
            )
            raise KnowledgeError(path, problem) from None


def allowed_placeholders() -> frozenset[str]:
    """Placeholders an article may use: the keys of :meth:`Settings.contacts`."""
    # model_construct() reads no environment: only the field names matter here.
    return frozenset(Settings.model_construct().contacts())


def _check_placeholders(path: Path, text: str) -> None:
    allowed_names = allowed_placeholders()
    for match in _PLACEHOLDER_RE.finditer(text):
        name = match.group(1)
        if name not in allowed_names:
            allowed = ", ".join(sorted(allowed_names))
            raise KnowledgeError(path, f"unknown placeholder {{{name}}} (allowed: {allowed})")
    stray = _PLACEHOLDER_RE.sub("", text)
    if "{" in stray or "}" in stray:
        raise KnowledgeError(path, "unbalanced '{' or '}' (placeholders look like {provider_name})")
