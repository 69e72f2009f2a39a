"""The tips of the week: every tip in knowledge/tips/ has a source its article cites and
leads to an existing article; the choice (job, season, never twice); the holidays."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from vigie.awareness.tips import (
    Tip,
    TipError,
    choose,
    easter,
    french_holidays,
    is_holiday,
    load_tips,
    tips_folder,
)
from vigie.core.settings import ROOT
from vigie.knowledge.loader import KnowledgeBase

KB = KnowledgeBase.load(ROOT / "knowledge")


def test_every_tip_has_a_source_and_an_article() -> None:
    tips = load_tips(tips_folder(ROOT / "knowledge"), KB)
    assert len(tips) >= 40
    for tip in tips:
        assert tip.topic in KB and tip.source in KB.get(tip.topic).sources, tip.id
    assert {tip.topic for tip in tips} == set(KB.ids)  # every article has its tip
    assert sum(1 for tip in tips if tip.season) >= 8
    assert any(tip.audience != ("all",) for tip in tips)


def test_the_knowledge_base_does_not_read_the_tips_as_articles() -> None:
    assert all(article.path.parent.name != "tips" for article in KB)


def _tip(id_: str, *, audience: tuple[str, ...] = ("all",), season: tuple[int, ...] = ()) -> Tip:
    return Tip(id_, "mfa", audience, "source", season, "Une ligne.")


def test_the_choice() -> None:
    tips = [
        _tip("a"),
        _tip("b", audience=("admin",)),
        _tip("c", season=(12,)),
        _tip("d"),
    ]
    assert choose(tips, "care", set(), 12).id == "c"  # the season's first
    assert choose(tips, "care", set(), 6).id == "a"  # out of season: in order
    assert choose(tips, "care", {"a"}, 6).id == "d"
    assert choose(tips, "admin", {"a"}, 6).id == "b"  # for the job
    assert choose(tips, "care", {"a", "d"}, 6).id == "c"  # a seasonal one, rather than none
    assert choose(tips, "care", {"a", "c", "d"}, 6) is None  # had them all


def test_holidays() -> None:
    assert easter(2026) == date(2026, 4, 5) and easter(2027) == date(2027, 3, 28)
    days = french_holidays(2026)
    assert {date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25), date(2026, 7, 14)} <= days
    assert is_holiday(date(2026, 12, 25), ["fr"]) and not is_holiday(date(2026, 12, 25), [])
    assert not is_holiday(date(2026, 12, 7), ["fr"])


@pytest.mark.parametrize(
    ("front", "problem"),
    [
        ("id: t1\ntopic: nothing\nsource: x", "unknown article"),
        ("id: t1\ntopic: mfa\nsource: not cited", "source not cited"),
        ("id: t1\ntopic: mfa\nsource: {src}\naudience: [nurses]", "unknown audience"),
        ("id: t1\ntopic: mfa\nsource: {src}\nseason: [13]", "bad season"),
    ],
)
def test_bad_tips_are_refused(tmp_path: Path, front: str, problem: str) -> None:
    source = KB.get("mfa").sources[0].replace('"', '\\"')
    text = front.replace("{src}", f'"{source}"')
    (tmp_path / "001-x.md").write_text(f"---\n{text}\n---\nUne ligne.\n", encoding="utf-8")
    with pytest.raises(TipError, match=problem):
        load_tips(tmp_path, KB)
