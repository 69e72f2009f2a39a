"""The console's aiohttp application: routes, sign-in, sessions, CSRF and security headers.

Every page is rendered on the server (aiohttp-jinja2, autoescaped); the charts are SVG drawn
by ``vigie.console.charts``. The Content-Security-Policy allows no script at all and styles
only from ``/static``. Every POST carries the session's CSRF token; cookies are ``HttpOnly``
and ``SameSite=Strict``, ``Secure`` when the console is reached over HTTPS.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from console import texts
from vigie.awareness.diagnostics import Diagnostics
from vigie.awareness.stats import Participation, participation
from vigie.console.access import AccessError, ConsoleAccess, Viewer
from vigie.console.charts import bar_chart, hbar_chart
from vigie.console.review import ReviewError, ReviewQueue
from vigie.console.stats import ConsoleStats, Overview, last_weeks
from vigie.core.clock import Clock, default_clock
from vigie.core.settings import ROOT, Settings
from vigie.core.typography import french_typography
from vigie.incidents import texts as incident_texts
from vigie.incidents.service import IncidentService
from vigie.phishing.service import PhishingService
from vigie.tickets import texts as ticket_texts
from vigie.tickets.service import TicketService
from vigie.tickets.vocabulary import TICKET_STATUSES

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
COOKIE = "vigie_console"
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
REVIEW_EXPORT = ROOT / "nlu_data" / "nlu" / "review.yml"
OVERVIEW_WEEKS = 8

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

ACCESS = web.AppKey("access", ConsoleAccess)
STATS = web.AppKey("stats", ConsoleStats)
REVIEW = web.AppKey("review", ReviewQueue)
TICKETS = web.AppKey("tickets", TicketService)
INCIDENTS = web.AppKey("incidents", IncidentService)
PHISHING = web.AppKey("phishing", PhishingService)
SETTINGS = web.AppKey("settings", Settings)
TITLES = web.AppKey("titles", dict[str, str])
CLOCK = web.AppKey("clock", Clock)
EXPORT_PATH = web.AppKey("export_path", Path)
DIAGNOSTICS = web.AppKey("diagnostics", Diagnostics)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
VIEWER = web.RequestKey("viewer", Viewer)
PUBLIC = ("/health", "/entrer/", "/static/", "/sortie/ok")


def _page(
    request: web.Request, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    viewer = request.get(VIEWER)
    return aiohttp_jinja2.render_template(
        template,
        request,
        {"viewer": viewer, "t": texts, **context},
        status=status,
    )


def _message(request: web.Request, title: str, text: str, status: int) -> web.Response:
    return _page(request, "message.html", {"title": title, "text": text}, status=status)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    if isinstance(response, web.HTTPException):
        raise response
    return response


@web.middleware
async def signed_in(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every page but the public ones needs a live session; every POST its CSRF token."""
    if request.path.startswith(PUBLIC):
        return await handler(request)
    viewer = await request.app[ACCESS].viewer(request.cookies.get(COOKIE))
    if viewer is None:
        return _message(request, "Connexion", texts.SIGN_IN_FIRST, 401)
    request[VIEWER] = viewer
    if request.method == "POST":
        form = await request.post()
        token = form.get("csrf")
        if not isinstance(token, str) or not ConsoleAccess.csrf_ok(viewer, token):
            return _message(request, "Formulaire refusé", texts.CSRF_REFUSED, 403)
    return await handler(request)


# --- Sign-in and sign-out ---------------------------------------------------------------------


async def health(request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def enter_page(request: web.Request) -> web.Response:
    """The link opened: a button to enter (a link previewer's GET does not use the link)."""
    return _page(request, "enter.html", {"token": request.match_info["token"]})


async def enter(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    try:
        session_token, viewer = await request.app[ACCESS].redeem(token)
    except AccessError as exc:
        text = f"{texts.REFUSALS.get(exc.code, texts.REFUSALS['unknown'])} {texts.ASK_AGAIN}"
        return _message(request, "Connexion refusée", text, 403)
    response = web.HTTPSeeOther("/")
    settings = request.app[SETTINGS]
    response.set_cookie(
        COOKIE,
        session_token,
        httponly=True,
        samesite="Strict",
        secure=settings.console_url().startswith("https://"),
        path="/",
        max_age=settings.console_session_hours * 3600,
    )
    logger.info("Console sign-in of person %s", viewer.person_id)
    raise response


async def sign_out(request: web.Request) -> web.StreamResponse:
    viewer: Viewer = request[VIEWER]
    await request.app[ACCESS].sign_out(request.cookies.get(COOKIE, ""), viewer)
    response = web.HTTPSeeOther("/sortie/ok")
    response.del_cookie(COOKIE, path="/")
    raise response


async def signed_out(request: web.Request) -> web.Response:
    return _message(request, "Déconnexion", texts.SIGNED_OUT, 200)


# --- Overview ---------------------------------------------------------------------------------


def _charts(overview: Overview, titles: dict[str, str]) -> dict[str, str]:
    weeks = [(week[8:10] + "/" + week[5:7], n) for week, n in overview.per_week]
    topics = [(texts.topic_label(t, titles), n) for t, n in overview.topics[:10]]
    return {
        "weeks": bar_chart(weeks, title="Questions par semaine"),
        "topics": hbar_chart(topics, title="Sujets les plus demandés"),
    }


async def _overview(request: web.Request, facility_id: int | None, name: str) -> web.Response:
    app = request.app
    since, until = last_weeks(app[CLOCK].now(), OVERVIEW_WEEKS)
    overview = await app[STATS].overview(facility_id=facility_id, since=since, until=until)
    viewer: Viewer = request[VIEWER]
    facilities = await app[STATS].facilities() if viewer.provider else []
    prevention = await participation(app[SESSIONS], since, until, facility_id)
    diagnostics = [
        row
        for row in await app[DIAGNOSTICS].facilities()
        if facility_id is None or row.facility_id == facility_id
    ]
    history = await app[DIAGNOSTICS].history(facility_id) if facility_id is not None else []
    await app[ACCESS].audit(viewer, "overview", str(facility_id) if facility_id else "all")
    return _page(
        request,
        "overview.html",
        {
            "name": name,
            "o": overview,
            "charts": _charts(overview, app[TITLES]),
            "titles": app[TITLES],
            "facilities": facilities,
            "weeks": OVERVIEW_WEEKS,
            "prevention": prevention,
            "prevention_total": _prevention_total(prevention),
            "diagnostics": diagnostics,
            "history": history,
            "facility_id": facility_id,
        },
    )


def _prevention_total(rows: list[Participation]) -> dict[str, int | None]:
    """The period's prevention figures summed over ``rows``."""
    staff = sum(r.staff for r in rows)
    answers = sum(r.answers for r in rows)
    return {
        "staff": staff,
        "opted_in": sum(r.opted_in for r in rows),
        "opt_in_percent": round(100 * sum(r.opted_in for r in rows) / staff) if staff else 0,
        "tips_sent": sum(r.tips_sent for r in rows),
        "quizzes": sum(r.quizzes_finished for r in rows),
        "score_percent": (
            round(100 * sum(r.right_answers for r in rows) / answers) if answers else None
        ),
    }


async def diagnostic_pdf(request: web.Request) -> web.StreamResponse:
    """A facility's self-diagnostic as its PDF (the provider, or the facility's referent)."""
    viewer: Viewer = request[VIEWER]
    try:
        facility_id = int(request.match_info["facility_id"])
        run_id = int(request.match_info["run_id"])
    except ValueError:
        return _message(request, "Introuvable", texts.NOT_FOUND, 404)
    if not viewer.may_see(facility_id):
        await request.app[ACCESS].audit(viewer, "refused", f"diagnostic:{run_id}")
        return _message(request, "Accès refusé", texts.FORBIDDEN, 403)
    runs = await request.app[DIAGNOSTICS].history(facility_id)
    run = next((r for r in runs if r.run_id == run_id), None)
    if run is None:
        return _message(request, "Introuvable", texts.NOT_FOUND, 404)
    data = await request.app[DIAGNOSTICS].pdf(run_id)
    await request.app[ACCESS].audit(viewer, "diagnostic_pdf", str(run_id))
    name = f"autodiagnostic-{run.local_day().isoformat()}.pdf"
    return web.Response(
        body=data,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def home(request: web.Request) -> web.Response:
    viewer: Viewer = request[VIEWER]
    if viewer.provider:
        return await _overview(request, None, "Tous les établissements")
    assert viewer.facility_id is not None
    return await _overview(request, viewer.facility_id, viewer.facility_name or "")


async def facility(request: web.Request) -> web.Response:
    viewer: Viewer = request[VIEWER]
    try:
        facility_id = int(request.match_info["facility_id"])
    except ValueError:
        return _message(request, "Introuvable", texts.NOT_FOUND, 404)
    if not viewer.may_see(facility_id):
        await request.app[ACCESS].audit(viewer, "refused", f"facility:{facility_id}")
        return _message(request, "Accès refusé", texts.FORBIDDEN, 403)
    names = {i: n for i, n, _ in await request.app[STATS].facilities()}
    if facility_id not in names:
        return _message(request, "Introuvable", texts.NOT_FOUND, 404)
    return await _overview(request, facility_id, names[facility_id])


# --- Review queue -----------------------------------------------------------------------------


def provider_only(handler: Handler) -> Handler:
    """A page for the provider's technicians and administrators only (403 for a referent)."""

    @functools.wraps(handler)
    async def checked(request: web.Request) -> web.StreamResponse:
        if not request[VIEWER].provider:
            return _message(request, "Accès refusé", texts.FORBIDDEN, 403)
        return await handler(request)

    return checked


@provider_only
async def review(request: web.Request) -> web.Response:
    queue = request.app[REVIEW]
    titles: dict[str, str] = request.app[TITLES]
    items = await queue.pending()
    await request.app[ACCESS].audit(request[VIEWER], "review", None)
    return _page(
        request,
        "review.html",
        {
            "items": items,
            "labels": ReviewQueue.labels_for(tuple(titles)),
            "titles": titles,
            "counts": await queue.counts(),
            "notice": request.query.get("fait", ""),
        },
    )


@provider_only
async def review_decide(request: web.Request) -> web.StreamResponse:
    viewer: Viewer = request[VIEWER]
    form = await request.post()
    try:
        turn_id = int(request.match_info["turn_id"])
        decision = str(form.get("decision", ""))
        label = str(form.get("label", "")) or None
        await request.app[REVIEW].decide(turn_id, decision, label, viewer.person_id)
    except (ValueError, ReviewError):
        return _message(request, "Décision refusée", texts.BAD_LABEL, 400)
    await request.app[ACCESS].audit(viewer, "review_decision", f"turn:{turn_id}:{decision}")
    raise web.HTTPSeeOther("/revue")


@provider_only
async def review_export(request: web.Request) -> web.StreamResponse:
    total = await request.app[REVIEW].export_to(request.app[EXPORT_PATH])
    await request.app[ACCESS].audit(request[VIEWER], "review_export", str(total))
    raise web.HTTPSeeOther(f"/revue?fait={total}")


# --- Tickets, incidents, campaigns (read-only: Telegram is where they are handled) -------------

LIST_LIMIT = 200


def _matches(query: str, *values: str | None) -> bool:
    """A case-insensitive search over a row's texts."""
    needle = query.casefold()
    return any(needle in (value or "").casefold() for value in values)


async def _facility_filter(request: web.Request) -> tuple[int | None, list[tuple[int, str, str]]]:
    facilities = await request.app[STATS].facilities()
    chosen = request.query.get("etablissement", "")
    ids = {i for i, _, _ in facilities}
    return (int(chosen) if chosen.isdigit() and int(chosen) in ids else None), facilities


@provider_only
async def tickets(request: web.Request) -> web.Response:
    facility_id, facilities = await _facility_filter(request)
    status = request.query.get("statut", "")
    query = request.query.get("q", "").strip()[:100]
    rows = await request.app[TICKETS].list_tickets(
        facility_id=facility_id, status=status if status in TICKET_STATUSES else None
    )
    if query:
        rows = [t for t in rows if _matches(query, t.reference, t.problem, t.facility_name)]
    await request.app[ACCESS].audit(request[VIEWER], "tickets", query[:40] or None)
    return _page(
        request,
        "tickets.html",
        {
            "rows": rows[:LIST_LIMIT],
            "total": len(rows),
            "facilities": facilities,
            "facility_id": facility_id,
            "status": status,
            "statuses": TICKET_STATUSES,
            "query": query,
            "status_labels": ticket_texts.TECHNICIAN_STATUS_LABELS,
        },
    )


@provider_only
async def ticket(request: web.Request) -> web.Response:
    found = await request.app[TICKETS].get(request.match_info["reference"])
    if found is None:
        return _message(request, "Introuvable", texts.NOT_FOUND, 404)
    events = await request.app[TICKETS].timeline(found.id)
    await request.app[ACCESS].audit(request[VIEWER], "ticket", found.reference)
    return _page(
        request,
        "ticket.html",
        {
            "ticket": found,
            "events": events,
            "status_labels": ticket_texts.TECHNICIAN_STATUS_LABELS,
            "event_labels": ticket_texts.EVENT_LABELS,
        },
    )


@provider_only
async def incidents(request: web.Request) -> web.Response:
    facility_id, facilities = await _facility_filter(request)
    query = request.query.get("q", "").strip()[:100]
    rows = await request.app[INCIDENTS].list_incidents(facility_id=facility_id)
    if query:
        rows = [i for i in rows if _matches(query, i.reference, i.what, i.facility_name)]
    await request.app[ACCESS].audit(request[VIEWER], "incidents", query[:40] or None)
    return _page(
        request,
        "incidents.html",
        {
            "rows": rows[:LIST_LIMIT],
            "total": len(rows),
            "facilities": facilities,
            "facility_id": facility_id,
            "query": query,
            "kinds": incident_texts.KIND_LABELS,
            "statuses": incident_texts.STATUS_LABELS,
        },
    )


@provider_only
async def incident(request: web.Request) -> web.Response:
    reference = request.match_info["reference"].strip().upper()
    found = await request.app[INCIDENTS].by_reference(reference)
    if found is None:
        return _message(request, "Introuvable", texts.NOT_FOUND, 404)
    events = await request.app[INCIDENTS].timeline(found.id)
    await request.app[ACCESS].audit(request[VIEWER], "incident", found.reference)
    return _page(
        request,
        "incident.html",
        {
            "incident": found,
            "card": incident_texts.card_text(found),
            "events": events,
            "statuses": incident_texts.STATUS_LABELS,
            "event_labels": incident_texts.EVENT_LABELS,
        },
    )


@provider_only
async def campaigns(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()[:100]
    rows = await request.app[PHISHING].recent_campaigns(LIST_LIMIT)
    if query:
        rows = [c for c in rows if _matches(query, c.subject, c.sender_domain)]
    await request.app[ACCESS].audit(request[VIEWER], "campaigns", query[:40] or None)
    return _page(request, "campaigns.html", {"rows": rows, "query": query})


@provider_only
async def campaign(request: web.Request) -> web.Response:
    try:
        campaign_id = int(request.match_info["campaign_id"])
    except ValueError:
        return _message(request, "Introuvable", texts.NOT_FOUND, 404)
    found = await request.app[PHISHING].campaign(campaign_id)
    if found is None:
        return _message(request, "Introuvable", texts.NOT_FOUND, 404)
    reports = await request.app[PHISHING].campaign_reports(campaign_id)
    await request.app[ACCESS].audit(request[VIEWER], "campaign", str(campaign_id))
    return _page(request, "campaign.html", {"campaign": found, "reports": reports})


# --- The application --------------------------------------------------------------------------


def make_app(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    titles: dict[str, str],
    *,
    clock: Clock | None = None,
    export_path: Path = REVIEW_EXPORT,
) -> web.Application:
    """The console; ``titles``: the knowledge base's article titles by id."""
    clock = clock or default_clock()
    app = web.Application(middlewares=[security_headers, signed_in], client_max_size=64 * 1024)
    app[SETTINGS] = settings
    app[ACCESS] = ConsoleAccess(sessionmaker, settings, clock)
    app[STATS] = ConsoleStats(sessionmaker)
    app[REVIEW] = ReviewQueue(sessionmaker, ReviewQueue.labels_for(tuple(titles)), clock)
    app[TICKETS] = TicketService(sessionmaker, settings)
    app[INCIDENTS] = IncidentService(sessionmaker, settings)
    app[PHISHING] = PhishingService(sessionmaker, settings)
    app[TITLES] = titles
    app[CLOCK] = clock
    app[EXPORT_PATH] = export_path
    app[DIAGNOSTICS] = Diagnostics(sessionmaker, settings, clock)
    app[SESSIONS] = sessionmaker
    environment = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    )
    environment.filters["typo"] = french_typography
    environment.filters["percent"] = lambda value: f"{value * 100:.0f}\u00a0%"
    app.router.add_get("/health", health)
    app.router.add_get("/entrer/{token}", enter_page)
    app.router.add_post("/entrer/{token}", enter)
    app.router.add_post("/sortie", sign_out)
    app.router.add_get("/sortie/ok", signed_out)
    app.router.add_get("/", home)
    app.router.add_get("/etablissements/{facility_id}", facility)
    app.router.add_get("/etablissements/{facility_id}/autodiagnostic/{run_id}.pdf", diagnostic_pdf)
    app.router.add_get("/revue", review)
    app.router.add_post("/revue/export", review_export)
    app.router.add_post("/revue/{turn_id}", review_decide)
    app.router.add_get("/demandes", tickets)
    app.router.add_get("/demandes/{reference}", ticket)
    app.router.add_get("/incidents", incidents)
    app.router.add_get("/incidents/{reference}", incident)
    app.router.add_get("/campagnes", campaigns)
    app.router.add_get("/campagnes/{campaign_id}", campaign)
    app.router.add_static("/static/", HERE / "static", show_index=False)
    return app
