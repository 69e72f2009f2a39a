"""The knowledge base: the real articles, and every validation error on broken copies."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import yaml

from vigie.core.settings import ROOT, Settings
from vigie.knowledge import EXPECTED_IDS, KnowledgeBase, KnowledgeError
from vigie.knowledge.loader import MAX_BODY_WORDS, allowed_placeholders

KNOWLEDGE_DIR = ROOT / "knowledge"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load(KNOWLEDGE_DIR)


def test_expected_ids_are_the_faq_responses_of_the_assistant() -> None:
    """The ``utter_faq/<id>`` markers, in domain.yml or in the training data's responses."""
    files = [ROOT / "domain.yml", *sorted((ROOT / "nlu_data").rglob("*.yml"))]
    faq_ids: list[str] = []
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        responses = data.get("responses") or {}
        faq_ids += [
            key.removeprefix("utter_faq/") for key in responses if key.startswith("utter_faq/")
        ]
    assert sorted(faq_ids) == sorted(EXPECTED_IDS)
    assert len(set(EXPECTED_IDS)) == len(EXPECTED_IDS) == 28


def test_every_expected_id_has_an_article(kb: KnowledgeBase) -> None:
    assert kb.missing_ids() == ()
    assert sorted(kb.ids) == sorted(EXPECTED_IDS)


def test_every_article_id_is_expected(kb: KnowledgeBase) -> None:
    assert set(kb.ids) <= set(EXPECTED_IDS)


def test_real_articles_are_loaded_with_their_fields(kb: KnowledgeBase) -> None:
    article = kb.get("password_strength")
    assert article.title == "Choisir un mot de passe solide"
    assert "mot de passe" in article.keywords
    assert isinstance(article.keywords, tuple)
    assert article.related[0] == "password_storage"
    assert article.sources
    assert isinstance(article.last_review, date)
    assert article.body.lstrip().startswith("Un bon mot de passe")
    assert article.path == KNOWLEDGE_DIR / "password_strength.md"
    assert "---" not in article.body.splitlines()


def test_real_articles_respect_the_format(kb: KnowledgeBase) -> None:
    for article in kb:
        assert len(article.body.split()) <= MAX_BODY_WORDS, article.id
        assert article.id not in article.related
        assert all(related in kb for related in article.related), article.id


def test_lookup_by_id(kb: KnowledgeBase) -> None:
    assert "mfa" in kb
    assert "nope" not in kb
    assert kb.get("mfa").id == "mfa"
    with pytest.raises(KeyError):
        kb.get("nope")
    assert [a.id for a in kb] == list(kb.ids)
    assert len(kb) == len(kb.ids)


def test_allowed_placeholders_are_the_contacts() -> None:
    assert allowed_placeholders() == set(Settings(_env_file=None).contacts())


# --- Validation on broken copies ------------------------------------------------------------

GOOD = """\
---
id: {id}
title: Titre de {id}
keywords: [un, deux]
related: [{related}]
sources:
  - "Source officielle"
last_review: 2026-11-29
---
Introduction avec **gras**.

## Ce qu’il faut faire
1. Faire ceci.

## À ne jamais faire
- Faire cela.

## Qui prévenir
{{provider_name}} au {{provider_hotline}}.
"""


def write(directory: Path, article_id: str, text: str | None = None, related: str = "") -> Path:
    path = directory / f"{article_id}.md"
    path.write_text(text if text is not None else GOOD.format(id=article_id, related=related))
    return path


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "knowledge"
    directory.mkdir()
    write(directory, "mfa", related="wifi")
    write(directory, "wifi", related="mfa")
    return directory


def test_a_valid_copy_loads(kb_dir: Path) -> None:
    kb = KnowledgeBase.load(kb_dir)
    assert kb.ids == ("mfa", "wifi")
    assert kb.get("mfa").related == ("wifi",)
    assert kb.get("mfa").last_review == date(2026, 11, 29)
    assert kb.missing_ids() == tuple(i for i in EXPECTED_IDS if i not in {"mfa", "wifi"})


def test_a_copy_of_the_real_folder_loads(tmp_path: Path) -> None:
    copy = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, copy)
    assert set(KnowledgeBase.load(copy).ids) == set(KnowledgeBase.load(KNOWLEDGE_DIR).ids)


def test_readme_is_not_an_article(kb_dir: Path) -> None:
    (kb_dir / "README.md").write_text("# Comment écrire un article\n")
    assert KnowledgeBase.load(kb_dir).ids == ("mfa", "wifi")


def edit(old: str, new: str) -> Callable[[str], str]:
    def apply(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return apply


BROKEN: dict[str, tuple[Callable[[str], str], str]] = {
    "no front matter": (lambda t: t.split("---\n", 2)[2], "missing front matter"),
    "front matter not closed": (edit("\n---\nIntro", "\nIntro"), "not closed"),
    "invalid yaml": (edit("keywords: [un, deux]", "keywords: [un, deux"), "not valid YAML"),
    "front matter not a mapping": (
        lambda t: "---\n- a\n- b\n---\n" + t.split("---\n", 2)[2],
        "expected 'key: value'",
    ),
    "id differs from file name": (edit("id: mfa", "id: wifi"), "does not match the file name"),
    "invalid id": (edit("id: mfa", "id: MFA-1"), "invalid id"),
    "missing title": (edit("title: Titre de mfa\n", ""), "missing field(s) in front matter: title"),
    "missing date": (edit("last_review: 2026-11-29\n", ""), "last_review"),
    "unknown field": (
        edit("title:", "author: moi\ntitle:"),
        "unknown field(s) in front matter: author",
    ),
    "keywords not a list": (edit("keywords: [un, deux]", "keywords: un"), "keywords must be"),
    "no source": (edit('  - "Source officielle"\n', ""), "sources must"),
    "invalid date": (edit("2026-11-29", "2026-13-45"), "invalid last_review"),
    "date not a date": (edit("2026-11-29", "bientôt"), "invalid last_review"),
    "unknown related id": (
        edit("related: [wifi]", "related: [foo]"),
        "related id 'foo' does not exist",
    ),
    "related to itself": (edit("related: [wifi]", "related: [mfa]"), "related to itself"),
    "missing section": (
        edit("## À ne jamais faire\n", ""),
        "missing section '## À ne jamais faire'",
    ),
    "section with a straight apostrophe": (
        edit("## Ce qu’il faut faire", "## Ce qu'il faut faire"),
        "missing section '## Ce qu’il faut faire'",
    ),
    "unknown placeholder": (
        edit("{provider_hotline}", "{provider_phone}"),
        "unknown placeholder {provider_phone}",
    ),
    "unbalanced brace": (edit("{provider_hotline}", "{provider_hotline"), "unbalanced"),
    "empty body": (lambda t: t[: t.index("---\nIntro") + 4], "empty body"),
    "body too long": (
        edit("Introduction avec **gras**.", "mot " * (MAX_BODY_WORDS + 1)),
        f"at most {MAX_BODY_WORDS}",
    ),
}
BROKEN["sections out of order"] = (  # swap the first two headings
    lambda t: (
        t.replace("## Ce qu’il faut faire", "## TMP")
        .replace("## À ne jamais faire", "## Ce qu’il faut faire")
        .replace("## TMP", "## À ne jamais faire")
    ),
    "section '## À ne jamais faire' is out of order",
)


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_each_problem_is_reported_with_the_file_name(kb_dir: Path, case: str) -> None:
    breaker, problem = BROKEN[case]
    path = kb_dir / "mfa.md"
    path.write_text(breaker(path.read_text()))
    with pytest.raises(KnowledgeError) as error:
        KnowledgeBase.load(kb_dir)
    message = str(error.value)
    assert message.startswith("knowledge/mfa.md: "), message
    assert problem in message
    assert error.value.path == path


def test_unknown_related_id_message_is_exact(kb_dir: Path) -> None:
    path = kb_dir / "mfa.md"
    path.write_text(path.read_text().replace("related: [wifi]", "related: [foo]"))
    with pytest.raises(
        KnowledgeError, match=re.escape("knowledge/mfa.md: related id 'foo' does not exist")
    ):
        KnowledgeBase.load(kb_dir)


def test_duplicate_ids_are_reported(kb_dir: Path) -> None:
    (kb_dir / "archive").mkdir()
    write(kb_dir / "archive", "wifi", related="mfa")
    with pytest.raises(KnowledgeError, match=r"knowledge/wifi\.md: duplicate id 'wifi'"):
        KnowledgeBase.load(kb_dir)


def test_body_of_exactly_the_limit_is_accepted(kb_dir: Path) -> None:
    path = kb_dir / "mfa.md"
    text = path.read_text()
    body_words = len(text.split("---\n", 2)[2].split())
    filler = "mot " * (MAX_BODY_WORDS - body_words)
    path.write_text(text.replace("Introduction avec", filler + "Introduction avec"))
    assert len(KnowledgeBase.load(kb_dir).get("mfa").body.split()) == MAX_BODY_WORDS


def test_crlf_and_bom_are_accepted(kb_dir: Path) -> None:
    path = kb_dir / "mfa.md"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_text().replace("\n", "\r\n").encode())
    assert KnowledgeBase.load(kb_dir).get("mfa").title == "Titre de mfa"


def test_empty_or_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="no article"):
        KnowledgeBase.load(tmp_path)
    with pytest.raises(KnowledgeError, match="not a directory"):
        KnowledgeBase.load(tmp_path / "absent")
