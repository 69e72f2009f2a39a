"""The knowledge base: Markdown articles in ``knowledge/``, validated and rendered."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from vigie.core.settings import get_settings
from vigie.knowledge.loader import (
    EXPECTED_IDS,
    Article,
    KnowledgeBase,
    KnowledgeError,
)
from vigie.knowledge.render import faq_payload, render_article, split_html

__all__ = [
    "EXPECTED_IDS",
    "Article",
    "KnowledgeBase",
    "KnowledgeError",
    "faq_payload",
    "get_knowledge_base",
    "knowledge_base_at",
    "render_article",
    "split_html",
]


@lru_cache(maxsize=1)
def get_knowledge_base() -> KnowledgeBase:
    """The knowledge base of ``settings.knowledge_dir``, loaded on first use.

    A failed load is not cached: the next call tries again. Clear with
    ``get_knowledge_base.cache_clear()`` (tests, reload after editing articles).
    """
    return KnowledgeBase.load(get_settings().knowledge_dir)


@lru_cache(maxsize=4)
def knowledge_base_at(directory: Path) -> KnowledgeBase:
    """The knowledge base of ``directory``, loaded once per process and shared (the tips, the
    quizzes and the self-diagnostic read the articles' titles and check their links in it).
    A failed load is not cached."""
    return KnowledgeBase.load(directory)
