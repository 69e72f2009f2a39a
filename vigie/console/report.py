"""The monthly report of a facility, as a PDF for its director: the overview's figures for one
calendar month (in the facility's time zone), two bar charts, the fake e-mails confirmed by the
technicians that reached the facility, the questions left unanswered and three pieces of
advice chosen from the figures by explicit rules (:func:`choose_advice`).

Drawn with fpdf2 and Debian's DejaVu fonts (``fonts-dejavu-core``); nothing is fetched from
the network. The same data and the same clock give the same bytes (the creation date is the
clock's). Who asked a question never appears; subjects and questions are defanged, so that no
address in the report can be followed by a click.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.awareness.stats import Participation, participation
from vigie.console import report_texts as txt
from vigie.console.stats import ConsoleStats, Overview
from vigie.core.pdf import PAGES_ALIAS, Document, ReportError, font_files
from vigie.core.settings import Settings
from vigie.core.typography import NBSP, truncate
from vigie.db.base import utcnow
from vigie.incidents.texts import PORTAL
from vigie.people.directory import Directory
from vigie.phishing.mailcheck.defang import defang_domain, defang_email, defang_url
from vigie.phishing.models import PhishingCampaign, PhishingReport

__all__ = [
    "MonthlyFigures",
    "ReportError",
    "choose_advice",
    "defang_text",
    "monthly_report",
    "parse_month",
]

#: The technicians' verdict of a fake e-mail (vigie.phishing.vocabulary.TECH_VERDICTS).
PHISHING = "phishing"
UNANSWERED_MAX = 10
UNANSWERED_CHARS = 300
SUBJECT_CHARS = 150
TOPICS_MAX = 8
#: Many fallbacks: at least this many, and at least this share of the questions.
MANY_FALLBACKS = (3, 0.2)
#: Fewer questions than this in a month: Vigie is little used.
LITTLE_USE = 5
CLICK_ACTIONS = ("clicked", "clicked_asked", "attachment")

_MONTH = re.compile(r"(\d{4})-(\d{2})")
_URL = re.compile(r"\b(?:[a-z][a-z0-9+.-]*://|www\.)[^\s<>«»\"]+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DOMAIN = re.compile(r"\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}\b", re.IGNORECASE)


def parse_month(text: str) -> tuple[int, int]:
    """``"2026-11"`` → ``(2026, 11)``; :class:`ReportError` otherwise."""
    found = _MONTH.fullmatch(text.strip())
    if found is None or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
        raise ReportError(f"mois attendu au format AAAA-MM, par exemple 2026-11{NBSP}: {text!r}")
    return int(found.group(1)), int(found.group(2))


def defang_text(text: str) -> str:
    """Addresses, links and domain names in a text made impossible to follow
    (``hxxps://exemple[.]com``, ``nom[@]exemple[.]com``)."""
    parts: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        parts.append(_defang_words(text[position : match.start()]))
        parts.append(defang_url(match.group(0)))
        position = match.end()
    parts.append(_defang_words(text[position:]))
    return "".join(parts)


def _defang_words(text: str) -> str:
    marked = _EMAIL.sub(lambda m: "\0" + defang_email(m.group(0)) + "\0", text)
    pieces = marked.split("\0")
    # Odd pieces are defanged addresses already; the others may hold bare domains.
    return "".join(
        piece if index % 2 else _DOMAIN.sub(lambda m: defang_domain(m.group(0)), piece)
        for index, piece in enumerate(pieces)
    )


# --- Figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignLine:
    """A fake e-mail confirmed by the technicians that the facility's staff reported."""

    subject: str
    sender_domain: str | None
    reports: int
    warned: bool


@dataclass(frozen=True)
class MonthlyFigures:
    """What the report shows."""

    facility_name: str
    timezone: str
    year: int
    month: int
    overview: Overview
    campaigns: list[CampaignLine]
    # Tips, quizzes and the latest self-diagnostic (None: not gathered).
    prevention: Participation | None = None

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return _next_month(self.first_day) - timedelta(days=1)

    @property
    def month_name(self) -> str:
        return txt.month_name(self.year, self.month)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_bounds(year: int, month: int, timezone: str) -> tuple[datetime, datetime]:
    """The month from its first midnight to the next month's, in ``timezone``, as UTC."""
    zone = ZoneInfo(timezone)
    first = date(year, month, 1)
    following = _next_month(first)
    since = datetime(first.year, first.month, 1, tzinfo=zone).astimezone(UTC)
    until = datetime(following.year, following.month, 1, tzinfo=zone).astimezone(UTC)
    return since, until


async def gather(
    sessionmaker: async_sessionmaker[AsyncSession], facility_id: int, year: int, month: int
) -> MonthlyFigures:
    """The figures of one facility for one calendar month."""
    facility = await Directory(sessionmaker).get_facility(facility_id)
    if facility is None:
        raise ReportError(f"établissement inconnu{NBSP}: n°{NBSP}{facility_id}")
    since, until = month_bounds(year, month, facility.timezone)
    overview = await ConsoleStats(sessionmaker).overview(
        facility_id=facility.id, since=since, until=until, unanswered_limit=UNANSWERED_MAX
    )
    async with sessionmaker() as session:
        campaigns = await _campaigns(session, facility.id, since, until)
    [prevention] = await participation(sessionmaker, since, until, facility.id)
    return MonthlyFigures(
        facility.name, facility.timezone, year, month, overview, campaigns, prevention
    )


async def _campaigns(
    session: AsyncSession, facility_id: int, since: datetime, until: datetime
) -> list[CampaignLine]:
    """The campaigns judged « phishing » that the facility's staff reported in the period,
    first reported first."""
    rows = await session.execute(
        select(
            PhishingCampaign.subject,
            PhishingCampaign.sender_domain,
            PhishingCampaign.warned_at,
            func.count(PhishingReport.id),
        )
        .join(PhishingReport, PhishingReport.campaign_id == PhishingCampaign.id)
        .where(
            PhishingCampaign.verdict == PHISHING,
            PhishingReport.facility_id == facility_id,
            PhishingReport.created_at >= since,
            PhishingReport.created_at < until,
        )
        .group_by(
            PhishingCampaign.id,
            PhishingCampaign.subject,
            PhishingCampaign.sender_domain,
            PhishingCampaign.warned_at,
        )
        .order_by(func.min(PhishingReport.created_at), PhishingCampaign.id)
    )
    return [
        CampaignLine(str(subject), domain, int(count), warned_at is not None)
        for subject, domain, warned_at, count in rows
    ]


def month_weeks(figures: MonthlyFigures) -> list[tuple[date, int]]:
    """Questions per week of the month: (the week's first day in the month, number).

    The overview counts by UTC week; a question of the month's first or last hours may fall in
    a week that starts or ends outside it: it is counted in the month's first or last week.
    """
    first, last = figures.first_day, figures.last_day
    first_monday = first - timedelta(days=first.weekday())
    last_monday = last - timedelta(days=last.weekday())
    counts: dict[date, int] = {}
    monday = first_monday
    while monday <= last_monday:
        counts[monday] = 0
        monday += timedelta(days=7)
    for key, number in figures.overview.per_week:
        week = min(max(date.fromisoformat(key), first_monday), last_monday)
        counts[week] += number
    return [(max(monday, first), number) for monday, number in sorted(counts.items())]


# --- Advice ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    topic: str
    text: str
    applies: Callable[[MonthlyFigures], bool]


def _many_fallbacks(figures: MonthlyFigures) -> bool:
    o = figures.overview
    least, share = MANY_FALLBACKS
    return o.fallback >= least and o.fallback >= share * o.questions


#: In order of priority: the first three that apply, one per topic.
RULES = (
    _Rule(
        "password",
        txt.ADVICE_CREDENTIALS,
        lambda f: f.overview.reports_by_action.get("credentials", 0) > 0,
    ),
    _Rule(
        "incident",
        txt.ADVICE_INCIDENT,
        lambda f: f.overview.incidents_by_kind.get("incident", 0) > 0,
    ),
    _Rule(
        "incident",
        txt.ADVICE_LOST,
        lambda f: f.overview.incidents_by_kind.get("lost_device", 0) > 0,
    ),
    _Rule(
        "mail",
        txt.ADVICE_CLICKED,
        lambda f: any(f.overview.reports_by_action.get(a, 0) > 0 for a in CLICK_ACTIONS),
    ),
    _Rule("campaign", txt.ADVICE_CAMPAIGN, lambda f: bool(f.campaigns)),
    _Rule("vigie", txt.ADVICE_FALLBACKS, _many_fallbacks),
    _Rule("mail", txt.ADVICE_NO_REPORT, lambda f: f.overview.reports == 0),
    _Rule("vigie", txt.ADVICE_LITTLE_USE, lambda f: f.overview.questions < LITTLE_USE),
)
#: Then, to make three: general advice, on a topic not yet covered.
DEFAULTS = (
    ("password", txt.ADVICE_PASSWORDS),
    ("mail", txt.ADVICE_MAILS),
    ("updates", txt.ADVICE_UPDATES),
)


def choose_advice(figures: MonthlyFigures, provider: str) -> list[str]:
    """Exactly three pieces of advice: those the figures call for (:data:`RULES`, in order,
    one per topic), then general ones (:data:`DEFAULTS`)."""
    chosen: list[tuple[str, str]] = []
    for rule in RULES:
        if len(chosen) < 3 and rule.topic not in {t for t, _ in chosen} and rule.applies(figures):
            chosen.append((rule.topic, rule.text))
    for topic, text in DEFAULTS:
        if len(chosen) < 3 and topic not in {t for t, _ in chosen}:
            chosen.append((topic, text))
    return [txt.t(text, provider=provider, portal=PORTAL) for _, text in chosen]


# --- Numbers as the French read them ---------------------------------------------------------


def _percent(share: float) -> str:
    return f"{round(share * 100)}{NBSP}%"


def _hours(hours: float) -> str:
    return f"{hours:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def _day(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _times(count: int) -> str:
    return f"{count} fois"


# --- The document ----------------------------------------------------------------------------


def render(
    figures: MonthlyFigures, provider: str, titles: dict[str, str], today: datetime
) -> bytes:
    """The report as PDF bytes (``today``: the creation date, shown and in the metadata)."""
    o = figures.overview
    title = txt.t(txt.TITLE, facility=figures.facility_name, month=figures.month_name)
    doc = Document(
        font_files(),
        lambda page: txt.t(
            txt.FOOTER, provider=provider, month=figures.month_name, page=page, pages=PAGES_ALIAS
        ),
    )
    doc.set_title(title)
    doc.set_author(provider)
    doc.set_subject(txt.t(txt.SUBJECT, month=figures.month_name))
    doc.set_creator("Vigie")
    doc.set_lang("fr-FR")
    doc.set_creation_date(today)
    doc.add_page()
    local_today = today.astimezone(ZoneInfo(figures.timezone)).date()
    doc.title_block(
        title,
        [
            txt.t(txt.SUBTITLE, provider=provider, today=_day(local_today)),
            txt.t(
                txt.PERIOD,
                first=_day(figures.first_day),
                last=_day(figures.last_day),
                timezone=figures.timezone,
            ),
        ],
    )

    doc.heading(txt.IN_SHORT)
    for line in (
        txt.t(txt.QUESTIONS, n=o.questions),
        txt.t(txt.ANSWERED, share=_percent(o.answered_share), n=o.answered),
        txt.t(txt.FALLBACK, n=o.fallback),
        txt.t(txt.OUT_OF_SCOPE, n=o.out_of_scope),
        txt.t(txt.TICKETS, n=o.tickets_opened),
        txt.t(txt.REPORTS, n=o.reports),
        txt.t(txt.INCIDENTS, n=o.incidents),
    ):
        doc.item(line)

    _questions(doc, figures, titles)
    _tickets(doc, o)
    _reports(doc, o)
    _campaign_section(doc, figures, provider)
    _incidents(doc, o)
    _prevention(doc, figures, titles)
    _unanswered(doc, o)

    doc.heading(txt.ADVICE_SECTION)
    for number, advice in enumerate(choose_advice(figures, provider), start=1):
        doc.item(advice, marker=f"{number}.")
    return bytes(doc.output())


def _questions(doc: Document, figures: MonthlyFigures, titles: dict[str, str]) -> None:
    doc.heading(txt.WEEKS_CHART)
    doc.bar_chart([(day.strftime("%d/%m"), n) for day, n in month_weeks(figures)])
    doc.paragraph(txt.t(txt.WEEKS_NOTE), size=8.5, muted=True)
    doc.heading(txt.TOPICS_CHART)
    topics = figures.overview.topics[:TOPICS_MAX]
    if topics:
        doc.hbar_chart([(txt.topic_label(topic, titles), n) for topic, n in topics])
    else:
        doc.paragraph(txt.t(txt.NO_QUESTION))


def _tickets(doc: Document, o: Overview) -> None:
    doc.heading(txt.TICKETS_SECTION)
    by_urgency = [(u, o.tickets_by_urgency.get(u, 0)) for u in txt.URGENCY_LABELS]
    by_urgency += [
        (u, n) for u, n in sorted(o.tickets_by_urgency.items()) if u not in txt.URGENCY_LABELS
    ]
    lines = [
        txt.t(txt.TICKET_URGENCY, label=txt.URGENCY_LABELS.get(u, u), n=n)
        for u, n in by_urgency
        if n
    ]
    for line in lines or [txt.t(txt.NO_TICKET)]:
        doc.item(line)
    doc.item(txt.t(txt.TICKETS_OPEN_NOW, n=o.tickets_open_now))
    if o.resolution_hours_median is not None:
        doc.item(txt.t(txt.RESOLUTION_MEDIAN, hours=_hours(o.resolution_hours_median)))


def _reports(doc: Document, o: Overview) -> None:
    doc.heading(txt.REPORTS_SECTION)
    verdicts = _ordered(o.reports_by_verdict, txt.VERDICT_LABELS)
    if not verdicts:
        doc.item(txt.t(txt.NO_REPORT))
    for label, n in verdicts:
        doc.item(txt.t(txt.REPORT_VERDICT, label=label, n=n))
    actions = _ordered(o.reports_by_action, txt.ACTION_LABELS)
    if actions:
        doc.paragraph(txt.t(txt.ACTIONS_TITLE))
        for label, n in actions:
            doc.item(txt.t(txt.REPORT_ACTION, label=label[:1].upper() + label[1:], n=n))


def _ordered(counts: dict[str, int], labels: dict[str, str]) -> list[tuple[str, int]]:
    """(label, number) in the order of ``labels``, unknown codes last, zeros left out."""
    codes = [c for c in labels if counts.get(c)] + sorted(c for c in counts if c not in labels)
    return [(labels.get(c, c), counts[c]) for c in codes if counts[c]]


def _campaign_section(doc: Document, figures: MonthlyFigures, provider: str) -> None:
    doc.heading(txt.t(txt.CAMPAIGNS_SECTION, provider=provider))
    if not figures.campaigns:
        doc.paragraph(txt.t(txt.NO_CAMPAIGN))
        return
    for campaign in figures.campaigns:
        subject = defang_text(truncate(campaign.subject, SUBJECT_CHARS))
        doc.room(22)
        doc.item(
            txt.t(txt.CAMPAIGN_SUBJECT, subject=txt.quoted(subject) if subject else txt.NO_SUBJECT),
            bold=True,
        )
        sender = (
            txt.t(txt.CAMPAIGN_SENDER, domain=defang_domain(campaign.sender_domain))
            if campaign.sender_domain
            else ""
        )
        warned = txt.t(txt.CAMPAIGN_WARNED) if campaign.warned else ""
        doc.item(
            txt.t(
                txt.CAMPAIGN_DETAILS, times=_times(campaign.reports), sender=sender, warned=warned
            ),
            marker="",
        )
        doc.item(txt.t(txt.CAMPAIGN_TELL_STAFF), marker="")


def _incidents(doc: Document, o: Overview) -> None:
    doc.heading(txt.INCIDENTS_SECTION)
    kinds = _ordered(o.incidents_by_kind, txt.INCIDENT_KIND_LABELS)
    for label, n in kinds:
        doc.item(txt.t(txt.INCIDENT_KIND, label=label[:1].upper() + label[1:], n=n))
    if not kinds:
        doc.item(txt.t(txt.NO_INCIDENT))
    doc.item(txt.t(txt.INCIDENTS_OPEN_NOW, n=o.incidents_open_now))


def _prevention(doc: Document, figures: MonthlyFigures, titles: dict[str, str]) -> None:
    """Tips, quizzes (weakest topics) and the latest self-diagnostic; no name, ever."""
    p = figures.prevention
    if p is None:
        return
    doc.heading(txt.PREVENTION_SECTION)
    doc.item(txt.t(txt.TIPS_OPTED_IN, n=p.opted_in, staff=p.staff, share=p.opt_in_percent))
    doc.item(txt.t(txt.TIPS_SENT, n=p.tips_sent))
    if p.quizzes_finished:
        doc.item(
            txt.t(
                txt.QUIZZES,
                n=p.quizzes_finished,
                people=p.quiz_takers,
                share=p.score_percent or 0,
            )
        )
        weakest = [t for t in p.topics if t.percent < 100][:3]
        if weakest:
            names = ", ".join(
                f"{titles.get(t.topic, t.topic)} ({t.percent}{NBSP}%)" for t in weakest
            )
            doc.item(txt.t(txt.QUIZ_WEAKEST, topics=names))
    else:
        doc.item(txt.t(txt.NO_QUIZ))
    if p.diagnostic_score is not None and p.diagnostic_at is not None:
        day = p.diagnostic_at.astimezone(ZoneInfo(figures.timezone)).date()
        doc.item(txt.t(txt.DIAGNOSTIC_DONE, score=p.diagnostic_score, day=_day(day)))
    else:
        doc.item(txt.t(txt.DIAGNOSTIC_NEVER))


def _unanswered(doc: Document, o: Overview) -> None:
    doc.heading(txt.UNANSWERED_SECTION)
    doc.paragraph(txt.t(txt.UNANSWERED_NOTE, n=UNANSWERED_MAX), size=8.5, muted=True)
    questions = [defang_text(truncate(q, UNANSWERED_CHARS)) for q in o.unanswered[:UNANSWERED_MAX]]
    for question in questions:
        doc.item(txt.quoted(question))
    if not questions:
        doc.paragraph(txt.t(txt.NO_UNANSWERED))


async def monthly_report(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    facility_id: int,
    month: str,
    titles: dict[str, str],
) -> bytes:
    """The PDF report of ``facility_id`` for ``month`` (``"2026-11"``); ``titles`` are the
    knowledge base's article titles by id (the topics' names)."""
    year, number = parse_month(month)
    font_files()  # before any query: a missing font is said at once
    figures = await gather(sessionmaker, facility_id, year, number)
    return await asyncio.to_thread(render, figures, settings.provider_name, titles, utcnow())
