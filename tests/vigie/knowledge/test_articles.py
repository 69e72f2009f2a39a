"""Editorial rules for the real articles: what the user reads, the sources, the review.

Lengths are counted on the article as the user sees it: the body rendered to Telegram HTML with
the default contacts filled in (``Settings`` without environment: long phrases such as « le
numéro d’astreinte affiché au poste de soins »), tags and Markdown markers gone. The loader's
own limit (``MAX_BODY_WORDS``, raw words) is a looser guard that only stops a broken file.
"""

from __future__ import annotations

import html
import re

import pytest

from vigie.core.settings import ROOT, Settings
from vigie.knowledge import KnowledgeBase
from vigie.knowledge.loader import Article
from vigie.knowledge.render import markdown_to_html

#: At most this many words in the body the user reads.
MAX_VISIBLE_WORDS = 200
#: At most this many words in one sentence (a list item or a line ends a sentence too).
MAX_SENTENCE_WORDS = 30
#: Stricter for the articles read under stress.
MAX_SENTENCE_WORDS_URGENT = 25
URGENT = ("incident_reporting",)

KB = KnowledgeBase.load(ROOT / "knowledge")
ARTICLES = [pytest.param(article, id=article.id) for article in KB]
CONTACTS = Settings(_env_file=None).contacts()  # type: ignore[call-arg]

_WORD = re.compile(r"[^\W_]+(?:[’'-][^\W_]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
#: Said of a web page whose title or version date was not recorded at the review.
NOT_RECORDED = re.compile(r"non relevée?s?\b")


def visible_text(article: Article) -> str:
    rendered = markdown_to_html(article.body, CONTACTS)
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def test_word_counting() -> None:
    assert words("1. Débranchez le câble réseau : l’ordinateur reste allumé.") == [
        "1",
        "Débranchez",
        "le",
        "câble",
        "réseau",
        "l’ordinateur",
        "reste",
        "allumé",
    ]
    assert words("• « Wi-Fi » — 17cyber.gouv.fr") == ["Wi-Fi", "17cyber", "gouv", "fr"]


@pytest.mark.parametrize("article", ARTICLES)
def test_the_user_reads_at_most_200_words(article: Article) -> None:
    count = len(words(visible_text(article)))
    assert count <= MAX_VISIBLE_WORDS, f"{article.id}: {count} words"


@pytest.mark.parametrize("article", ARTICLES)
def test_sentences_are_short_once_the_contacts_are_filled_in(article: Article) -> None:
    limit = MAX_SENTENCE_WORDS_URGENT if article.id in URGENT else MAX_SENTENCE_WORDS
    for sentence in _SENTENCE_END.split(visible_text(article)):
        assert len(words(sentence)) <= limit, f"{article.id}: {sentence!r}"


@pytest.mark.parametrize("article", ARTICLES)
def test_every_source_names_its_publisher_its_title_and_its_version(article: Article) -> None:
    for source in article.sources:
        publisher, _, rest = source.partition(", ")
        assert publisher and rest, f"{article.id}: no publisher in {source!r}"
        assert publisher not in {"ANSSI", "CNIL", "Cybermalveillance.gouv.fr"} or "«" in rest
        has_title = re.search(r"«\s*\S.*?»", rest) is not None
        assert has_title or NOT_RECORDED.search(rest), f"{article.id}: no title in {source!r}"
        dated = _YEAR.search(rest) is not None
        assert dated or NOT_RECORDED.search(rest), f"{article.id}: no date in {source!r}"


@pytest.mark.parametrize("article", ARTICLES)
def test_every_article_cites_at_least_one_document_by_its_title(article: Article) -> None:
    titled = [s for s in article.sources if re.search(r"«\s*\S.*?»", s)]
    assert titled, f"{article.id}: no source named by its title"


def test_sources_follow_french_typography() -> None:
    for article in KB:
        for source in article.sources:
            assert not re.search(r" [:;?!»]|« |'", source), f"{article.id}: {source!r}"


# --- The corrections of the review of December 2026 (issue 13) -----------------------------

#: (article, what it must say, what it must no longer say)
CORRECTIONS: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    (
        "incident_reporting",
        ("Votre direction déclare", "portail national des signalements", "72 heures", "DPO"),
        ("24 h/24", "24h/24"),
    ),
    ("social_media", ("représentant légal",), ("ou de sa famille a été donné",)),
    (
        "gdpr_basics",
        ("cas exceptionnels et encadrés", "dossier de soins"),
        ("jamais dans les chambres",),
    ),
    (
        "updates",
        ("LTSC", "mises à jour étendues"),
        ("Ces systèmes ne reçoivent plus de correctifs",),
    ),
    (
        "cps_card",
        ("8 chiffres", "même courrier", "gestionnaire des cartes ou l’ANS", "e-CPS", "CPE"),
        (),
    ),
    ("password_storage", ("gestionnaire de mots de passe** reconnu",), ("certifié par l’ANSSI",)),
    ("medical_devices", ("ANSM", "matériovigilance", "prestataire biomédical"), ()),
    (
        "software_install",
        ("chiffrer vos fichiers et les dossiers partagés",),
        ("s’installer partout",),
    ),
    (
        "phishing_recognize",
        ("Envoyez-moi le mail", "pièce jointe", ".eml"),
        ("Transférez le mail",),
    ),
    ("password_strength", ("N’utilisez pas cet exemple",), ()),
    ("ransomware", ("portail national des signalements",), ()),
]


@pytest.mark.parametrize(
    ("article_id", "present", "absent"), CORRECTIONS, ids=[c[0] for c in CORRECTIONS]
)
def test_corrections_stay_made(
    article_id: str, present: tuple[str, ...], absent: tuple[str, ...]
) -> None:
    body = KB.get(article_id).body.replace("\u00a0", " ")
    for text in present:
        assert text in body, f"{article_id}: missing {text!r}"
    for text in absent:
        assert text not in body, f"{article_id}: still says {text!r}"


def test_the_password_strength_source_has_its_real_title() -> None:
    sources = " ".join(KB.get("password_strength").sources)
    assert "Bien gérer ses mots de passe" not in sources
    assert "mots de passe et autres secrets partagés" in sources


def test_the_helpdesk_address_is_not_where_suspicious_mail_goes() -> None:
    """Vigie analyses suspicious mail itself: no article sends it to the helpdesk address."""
    for article in KB:
        for line in article.body.splitlines():
            if "{helpdesk_email}" in line:
                assert not re.search(r"(?i)transf[ée]r|mail suspect|hameçon", line), article.id
