"""The tips of the week: short Markdown files in ``knowledge/tips/`` with a front matter (id,
topic: the article it leads to, audience by job, source: one of the article's sources, season:
the months when it matters most), loaded and checked against the knowledge base, then chosen
for a person: for their job, never twice, the season's first."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

from vigie.knowledge.loader import TIPS_FOLDER, KnowledgeBase
from vigie.people.roles import JOBS

ALL = "all"
MAX_LINES = 4


class TipError(ValueError):
    """A tip file that cannot be used: its path and the problem."""


@dataclass(frozen=True)
class Tip:
    id: str
    topic: str  # the article the tip leads to
    audience: tuple[str, ...]  # jobs, or ("all",)
    source: str
    season: tuple[int, ...]  # months (1-12) when it comes first
    text: str

    def for_job(self, job: str | None) -> bool:
        return ALL in self.audience or (job is not None and job in self.audience)


def tips_folder(knowledge_dir: Path) -> Path:
    return knowledge_dir / TIPS_FOLDER


def load_tips(folder: Path, knowledge: KnowledgeBase) -> list[Tip]:
    """Every tip of ``folder``, in file-name order; TipError for the first bad one (unknown
    article, a source the article does not cite, a job that does not exist, 1 or more than
    4 lines, a duplicate id)."""
    tips: list[Tip] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.md")):
        raw = path.read_text(encoding="utf-8")
        parts = raw.split("---", 2)
        if len(parts) != 3 or parts[0].strip():
            raise TipError(f"{path.name}: no front matter")
        meta = yaml.safe_load(parts[1]) or {}
        text = parts[2].strip()
        tip = Tip(
            id=str(meta.get("id", "")),
            topic=str(meta.get("topic", "")),
            audience=tuple(str(a) for a in meta.get("audience") or [ALL]),
            source=str(meta.get("source", "")),
            season=tuple(int(m) for m in meta.get("season") or []),
            text=text,
        )
        problem = _problem(tip, knowledge, seen)
        if problem:
            raise TipError(f"{path.name}: {problem}")
        seen.add(tip.id)
        tips.append(tip)
    return tips


def _problem(tip: Tip, knowledge: KnowledgeBase, seen: set[str]) -> str | None:
    if not tip.id or tip.id in seen or len(tip.id) > 32:
        return f"missing, duplicate or too long id {tip.id!r}"
    if tip.topic not in knowledge:
        return f"unknown article {tip.topic!r}"
    if tip.source not in knowledge.get(tip.topic).sources:
        return f"source not cited by the article {tip.topic!r}"
    if any(a != ALL and a not in JOBS for a in tip.audience):
        return f"unknown audience {tip.audience!r}"
    if any(not 1 <= month <= 12 for month in tip.season):
        return f"bad season {tip.season!r}"
    if not 1 <= len(tip.text.splitlines()) <= MAX_LINES:
        return f"1 to {MAX_LINES} lines expected"
    return None


def choose(
    tips: Sequence[Tip], job: str | None, already: Collection[str], month: int
) -> Tip | None:
    """The next tip for a person: for their job, not sent yet, this month's seasonal ones
    first, then in file order; None when they have had them all."""
    fresh = [t for t in tips if t.for_job(job) and t.id not in already]
    seasonal = [t for t in fresh if month in t.season]
    if seasonal:
        return seasonal[0]
    timeless = [t for t in fresh if not t.season]
    return timeless[0] if timeless else (fresh[0] if fresh else None)


def easter(year: int) -> date:
    """Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    lr = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * lr) // 451
    month, day = divmod(h + lr - 7 * m + 114, 31)
    return date(year, month, day + 1)


def french_holidays(year: int) -> set[date]:
    """France's public holidays (the facility calendar ``fr``)."""
    sunday = easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    moving = [sunday + timedelta(days=n) for n in (1, 39, 50)]  # Monday, Ascension, Whit Monday
    return {date(year, m, d) for m, d in fixed} | set(moving)


def is_holiday(day: date, calendars: Iterable[str]) -> bool:
    """Whether ``day`` is a holiday of one of the calendars (``fr``; none configured: no)."""
    return "fr" in calendars and day in french_holidays(day.year)
