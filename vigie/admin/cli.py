"""``vigie``: the administration command line (facilities, invitations, technicians, tickets,
incidents, outbox, monthly reports).

Every command migrates the database first, then runs one async operation (except
``analyse-mail``, which reads one .eml file offline and never touches the database). Exit codes: 0 on
success, 1 on a failure (unknown facility, bad input, unreachable database…), 2 on a usage error.
Messages for the administrator are in French and go to stderr; results go to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from vigie.admin.awareness import add_commands as add_awareness_commands
from vigie.admin.common import (
    ADMIN_TIMEZONE,
    CliError,
    Command,
    Context,
    UsageError,
    export_views,
    facility_named,
    local_time,
    table,
)
from vigie.admin.incidents import add_commands as add_incident_commands
from vigie.console.access import AccessError, ConsoleAccess
from vigie.console.review import ReviewQueue
from vigie.conversation.inbox import Inbox
from vigie.conversation.trackers import TrackerEvents
from vigie.conversation.turns import TurnLog
from vigie.core.hours import parse_hours
from vigie.core.private import private_umask
from vigie.core.pseudonym import pseudonymize
from vigie.core.settings import ROOT, Settings
from vigie.core.typography import NBSP, truncate
from vigie.db.base import utcnow
from vigie.db.engine import create_engine, make_sessionmaker, upgrade
from vigie.housekeeping import Housekeeping
from vigie.knowledge.loader import KnowledgeBase, KnowledgeError
from vigie.outbox.store import FAILED, PENDING, Outbox
from vigie.people.directory import InvitationView, PersonView
from vigie.people.roles import DESK_ROLES, INVITATION_ROLES
from vigie.people.texts import JOB_LABELS, ROLE_LABELS
from vigie.phishing.service import PhishingService
from vigie.rights import Rights
from vigie.tickets import texts
from vigie.tickets.service import TicketError
from vigie.tickets.views import TicketView
from vigie.tickets.vocabulary import TICKET_STATUSES

__all__ = ["main"]

PROBLEM_COLUMN_CHARS = 60  # problem texts in tables
# Default (uses, days) of a new code. A technician's code opens every facility's tickets: one
# use, two days, unless the admin asks for more.
INVITATION_DEFAULTS = {"technician": (1, 2), "admin": (1, 2)}
STAFF_INVITATION_DEFAULTS = (50, 30)
EXPORT_FIELDS = (
    "reference",
    "created_at",
    "updated_at",
    "facility_name",
    "requester_job",
    "device",
    "scope",
    "care_impact",
    "urgency",
    "status",
    "assignee_name",
    "problem",
)
_BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")


# --- Facilities --------------------------------------------------------------------------


async def facilities_add(ctx: Context, args: argparse.Namespace) -> None:
    facility = await ctx.directory.create_facility(
        args.name,
        args.town,
        finess=args.finess,
        hours=args.hours if args.hours is not None else ctx.settings.provider_hours,
        timezone=args.timezone,
        referent_contact=args.referent,
    )
    print(
        f"Établissement créé{NBSP}: n° {facility.id} — {facility.name} ({facility.town})",
        file=ctx.out,
    )
    print(f"Horaires{NBSP}: {parse_hours(facility.hours).describe()}", file=ctx.out)


async def facilities_report_email(ctx: Context, args: argparse.Namespace) -> None:
    # A bad address or an unknown facility: DirectoryError, printed by main().
    facility = await ctx.directory.set_report_email(
        args.facility, None if args.none else args.address
    )
    if facility.report_email:
        print(
            f"Le rapport mensuel de {facility.name} sera aussi envoyé à {facility.report_email}"
            + ("" if ctx.settings.smtp_host else " (dès que SMTP_HOST sera défini)"),
            file=ctx.out,
        )
    else:
        print(
            f"Le rapport mensuel de {facility.name} ne sera plus envoyé par e-mail.", file=ctx.out
        )


async def facilities_list(ctx: Context, args: argparse.Namespace) -> None:
    facilities = await ctx.directory.list_facilities()
    if not facilities:
        print("Aucun établissement.", file=ctx.out)
        return
    table(
        ctx.out,
        ["ID", "NOM", "VILLE", "FINESS", "HORAIRES", "FUSEAU", "RÉFÉRENT"],
        [
            [f.id, f.name, f.town, f.finess, f.hours, f.timezone, f.referent_contact]
            for f in facilities
        ],
    )


# --- Invitations -------------------------------------------------------------------------


async def invitations_create(ctx: Context, args: argparse.Namespace) -> None:
    if args.role == "technician" and args.facility is not None:
        raise UsageError(
            f"un code technicien n’est lié à aucun établissement{NBSP}: retirez --facility"
        )
    if args.role != "technician" and args.facility is None:
        raise UsageError(f"--facility est obligatoire pour le rôle {args.role}")
    bot = args.bot_username.lstrip("@") if args.bot_username else None
    if bot is not None and not _BOT_USERNAME.fullmatch(bot):
        raise UsageError(f"nom de bot invalide{NBSP}: {args.bot_username!r}")
    facility_id = (
        (await facility_named(ctx, args.facility)).id if args.facility is not None else None
    )
    default_uses, default_days = INVITATION_DEFAULTS.get(args.role, STAFF_INVITATION_DEFAULTS)
    invitation = await ctx.directory.create_invitation(
        facility_id=facility_id,
        role=args.role,
        max_uses=args.uses if args.uses is not None else default_uses,
        valid_days=args.days if args.days is not None else default_days,
    )
    where = f" — {invitation.facility_name}" if invitation.facility_name else ""
    print(f"Code d’invitation{NBSP}: {invitation.code}", file=ctx.out)
    print(f"Rôle{NBSP}: {ROLE_LABELS.get(invitation.role, invitation.role)}{where}", file=ctx.out)
    print(
        f"Valable jusqu’au {local_time(invitation.expires_at)}, "
        f"{invitation.max_uses} utilisation(s) au plus",
        file=ctx.out,
    )
    print(f"Lien{NBSP}: https://t.me/{bot or '<nom_du_bot>'}?start={invitation.code}", file=ctx.out)
    if bot is None:
        print(
            "(remplacez <nom_du_bot> par le nom du bot, ou utilisez --bot-username)", file=ctx.out
        )


def _invitation_state(invitation: InvitationView, now: datetime) -> str:
    if invitation.revoked:
        return "révoqué"
    if invitation.expires_at <= now:
        return "expiré"
    if invitation.uses >= invitation.max_uses:
        return "épuisé"
    return "actif"


async def invitations_list(ctx: Context, args: argparse.Namespace) -> None:
    facility_id = (
        (await facility_named(ctx, args.facility)).id if args.facility is not None else None
    )
    invitations = await ctx.directory.list_invitations(facility_id)
    if not invitations:
        print("Aucune invitation.", file=ctx.out)
        return
    now = utcnow().astimezone(ZoneInfo(ADMIN_TIMEZONE))
    rows = [
        [
            inv.code,
            ROLE_LABELS.get(inv.role, inv.role),
            inv.facility_name or "—",
            f"{inv.uses}/{inv.max_uses}",
            local_time(inv.expires_at),
            _invitation_state(inv, now),
        ]
        for inv in invitations
    ]
    table(ctx.out, ["CODE", "RÔLE", "ÉTABLISSEMENT", "UTILISÉ", "EXPIRE LE", "ÉTAT"], rows)


async def invitations_revoke(ctx: Context, args: argparse.Namespace) -> None:
    await ctx.directory.revoke_invitation(args.code)
    print(f"Code révoqué{NBSP}: {args.code.strip().upper()}", file=ctx.out)


# --- Retention ---------------------------------------------------------------------------

PURGE_LABELS: dict[str, str] = {
    "tickets_autoclosed": "demandes résolues sans confirmation, clôturées",
    "tickets_abandoned": "demandes abandonnées, clôturées",
    "tickets_deleted": "demandes clôturées effacées (avec leur historique)",
    "incidents_abandoned": "incidents abandonnés, clôturés",
    "incidents_deleted": "incidents clôturés effacés (avec leur historique)",
    "outbox_rows": "notifications et e-mails envoyés effacés",
    "invitations": "codes d’invitation périmés effacés",
    "people": "personnes parties effacées (leurs demandes restent, sans lien)",
    "report_originals": "fichiers d’origine de signalements effacés",
    "reports": "signalements de mails suspects effacés",
    "turns": "échanges journalisés effacés",
    "inbox": "messages reçus effacés",
    "tracker_events": "événements de conversation de Rasa effacés",
}


async def purge_now(ctx: Context, args: argparse.Namespace) -> None:
    """Every record's end, applied now (or, with ``--dry-run``, counted)."""
    dry_run = bool(args.dry_run)
    settings = ctx.settings
    housekeeping = Housekeeping(
        outbox=Outbox(ctx.sessionmaker),
        tickets=ctx.tickets,
        phishing=PhishingService(ctx.sessionmaker, settings),
        settings=settings,
        directory=ctx.directory,
    )
    counts = await housekeeping.purge_expired(dry_run=dry_run)
    counts["report_originals"], counts["reports"] = await housekeeping.purge_reports(
        dry_run=dry_run
    )
    before = datetime.now(UTC) - timedelta(days=settings.retention_days)
    counts["turns"] = await TurnLog(ctx.sessionmaker).purge_older_than(before, dry_run=dry_run)
    counts["inbox"] = await Inbox(ctx.sessionmaker).purge_done_before(before, dry_run=dry_run)
    counts["tracker_events"] = await TrackerEvents(ctx.sessionmaker).purge_older_than(
        before, dry_run=dry_run
    )
    title = "Ce qui partirait maintenant" if dry_run else "Effacé maintenant"
    print(f"{title}{NBSP}:", file=ctx.out)
    for key, label in PURGE_LABELS.items():
        print(f"  {counts.get(key, 0):>7}  {label}", file=ctx.out)


# --- Technicians -------------------------------------------------------------------------


async def technicians_add(ctx: Context, args: argparse.Namespace) -> None:
    secret = ctx.settings.pseudonym_secret.get_secret_value()
    if not secret:
        raise CliError(
            f"PSEUDONYM_SECRET est vide{NBSP}: renseignez-le dans .env (le même que celui du bot)"
        )
    if args.telegram_id <= 0:
        raise UsageError("--telegram-id doit être l’identifiant Telegram (un nombre positif)")
    person = await ctx.directory.add_technician(
        name=args.name,
        chat_id=args.telegram_id,
        sender=pseudonymize(args.telegram_id, secret.encode()),
    )
    print(f"Technicien ajouté{NBSP}: n° {person.id} — {person.name}", file=ctx.out)


async def technicians_remove(ctx: Context, args: argparse.Namespace) -> None:
    person = await ctx.directory.remove_technician(args.technician)
    print(
        f"Technicien retiré{NBSP}: n° {person.id} — {person.name} "
        "(il ne recevra plus les demandes et aucun code ne le réactivera)",
        file=ctx.out,
    )
    # Nothing revoked automatically (colleagues may be joining with them): say what is left.
    now = utcnow().astimezone(ZoneInfo(ADMIN_TIMEZONE))
    codes = [
        inv.code
        for inv in await ctx.directory.list_invitations()
        if inv.role in DESK_ROLES and _invitation_state(inv, now) == "actif"
    ]
    if codes:
        print(
            f"Attention{NBSP}: {len(codes)} code(s) technicien encore valable(s) "
            f"({', '.join(codes)}){NBSP}: qui en reçoit un devient technicien. Pour révoquer un "
            f"code{NBSP}: vigie invitations revoke CODE",
            file=ctx.out,
        )


async def technicians_list(ctx: Context, args: argparse.Namespace) -> None:
    people = await ctx.directory.list_technicians(active_only=not args.all)
    if not people:
        print("Aucun technicien.", file=ctx.out)
        return
    table(
        ctx.out,
        ["ID", "NOM", "ID TELEGRAM", "ACTIF"],
        [[p.id, p.name, p.chat_id, "oui" if p.active else "non"] for p in people],
    )


# --- People's rights ---------------------------------------------------------------------


async def _person(ctx: Context, person_id: int) -> PersonView:
    person = await ctx.directory.person(person_id)
    if person is None:
        raise CliError(f"aucune personne n°{NBSP}{person_id} (vigie people list)")
    return person


async def people_list(ctx: Context, args: argparse.Namespace) -> None:
    people = await ctx.directory.list_people()
    if not people:
        print("Aucune personne inscrite.", file=ctx.out)
        return
    table(
        ctx.out,
        ["ID", "RÔLE", "ÉTABLISSEMENT", "MÉTIER", "NOM", "ACTIF"],
        [
            [
                p.id,
                ROLE_LABELS.get(p.role, p.role),
                p.facility_name or "",
                JOB_LABELS.get(p.job or "", ""),
                p.name or "",
                "oui" if p.active else "non",
            ]
            for p in people
        ],
    )


async def people_show(ctx: Context, args: argparse.Namespace) -> None:
    person = await _person(ctx, args.person_id)
    data = await Rights(ctx.sessionmaker).data(person.sender)
    print(json.dumps(data.to_json(with_messages=False), ensure_ascii=False, indent=2), file=ctx.out)


async def people_forget(ctx: Context, args: argparse.Namespace) -> None:
    person = await _person(ctx, args.person_id)
    if not args.yes:
        raise UsageError(
            "effacer une personne est définitif : ajoutez --yes pour confirmer "
            "(ses demandes restent, sans lien)"
        )
    forgotten = await Rights(ctx.sessionmaker).forget(person.sender)
    print(
        f"Personne n°{NBSP}{person.id} effacée{NBSP}: {forgotten.turns} échange(s), "
        f"{forgotten.inbox_items} message(s) reçu(s), {forgotten.rasa_events} événement(s) de "
        f"Rasa{NBSP}; {forgotten.tickets_unlinked} demande(s) et {forgotten.reports_unlinked} "
        "signalement(s) conservés sans lien.",
        file=ctx.out,
    )


async def export_person(ctx: Context, args: argparse.Namespace) -> None:
    person = await _person(ctx, args.person_id)
    data = await Rights(ctx.sessionmaker).data(person.sender)
    text = json.dumps(data.to_json(), ensure_ascii=False, indent=2) + "\n"
    if args.output is None:
        ctx.out.write(text)
        return
    args.output.write_text(text, encoding="utf-8")
    print(f"Données de la personne n°{NBSP}{person.id} écrites dans {args.output}", file=ctx.out)


async def console_link(ctx: Context, args: argparse.Namespace) -> None:
    """A one-time link to the console for a technician, an administrator or a referent."""
    person = await _person(ctx, args.person_id)
    try:
        url = await ConsoleAccess(ctx.sessionmaker, ctx.settings).create_link(person.id)
    except AccessError as exc:
        raise CliError(
            f"la personne n°{NBSP}{person.id} n’a pas accès à la console "
            "(techniciens, administrateurs et référents seulement)"
        ) from exc
    print(url, file=ctx.out)
    print(
        f"Lien valable {ctx.settings.console_link_minutes} minutes, une seule fois.",
        file=sys.stderr,
    )


# --- Review queue ------------------------------------------------------------------------


async def review_export(ctx: Context, args: argparse.Namespace) -> None:
    """The examples labelled in the console's review queue, as Rasa NLU YAML."""
    queue = ReviewQueue(ctx.sessionmaker, ())
    output = args.output or ROOT / "nlu_data" / "nlu" / "review.yml"
    try:
        total = await queue.export_to(output)
    except OSError as exc:
        raise CliError(f"impossible d’écrire {output}{NBSP}: {exc.strerror}") from exc
    print(
        f"{total} exemple(s) étiqueté(s) écrit(s) dans {output} (puis{NBSP}: make train)",
        file=ctx.out,
    )


# --- Monthly report ----------------------------------------------------------------------


def _knowledge_titles(settings: Settings) -> dict[str, str]:
    """The articles' titles by id (the topics' names); ids only if the base is unreadable."""
    try:
        return {article.id: article.title for article in KnowledgeBase.load(settings.knowledge_dir)}
    except KnowledgeError as exc:
        print(
            f"Attention{NBSP}: base de connaissances illisible ({exc}){NBSP}: les sujets seront "
            "nommés par leur identifiant.",
            file=sys.stderr,
        )
        return {}


async def report(ctx: Context, args: argparse.Namespace) -> None:
    """The monthly report of a facility, as a PDF (vigie/console/report.py)."""
    from vigie.console.report import monthly_report  # fpdf2: only for this command

    facility = await facility_named(ctx, args.facility)
    titles = await asyncio.to_thread(_knowledge_titles, ctx.settings)
    pdf = await monthly_report(ctx.sessionmaker, ctx.settings, facility.id, args.month, titles)
    try:
        await asyncio.to_thread(args.out.write_bytes, pdf)
    except OSError as exc:
        raise CliError(f"impossible d’écrire {args.out}{NBSP}: {exc.strerror}") from exc
    print(f"Rapport mensuel ({facility.name}, {args.month}) écrit dans {args.out}", file=ctx.out)


# --- Tickets -----------------------------------------------------------------------------


async def _tickets(ctx: Context, args: argparse.Namespace) -> list[TicketView]:
    facility_id = (
        (await facility_named(ctx, args.facility)).id if args.facility is not None else None
    )
    return await ctx.tickets.list_tickets(facility_id=facility_id, status=args.status)


async def tickets_list(ctx: Context, args: argparse.Namespace) -> None:
    tickets = await _tickets(ctx, args)
    if not tickets:
        print("Aucune demande.", file=ctx.out)
        return
    table(
        ctx.out,
        ["RÉFÉRENCE", "CRÉÉE LE", "ÉTABLISSEMENT", "URGENCE", "STATUT", "TECHNICIEN", "PROBLÈME"],
        [
            [
                t.reference,
                local_time(t.created_at, t.facility_timezone),
                t.facility_name,
                t.urgency,
                t.status,
                t.assignee_name or "—",
                truncate(t.problem, PROBLEM_COLUMN_CHARS),
            ]
            for t in tickets
        ],
    )


async def tickets_show(ctx: Context, args: argparse.Namespace) -> None:
    service = ctx.tickets
    ticket = await service.get(args.reference.strip().upper())
    if ticket is None:
        raise CliError(f"demande inconnue{NBSP}: {args.reference!r}")
    tz = ticket.facility_timezone
    lines = [
        f"{ticket.reference} — {ticket.facility_name}",
        f"Statut{NBSP}: {texts.label(texts.TECHNICIAN_STATUS_LABELS, ticket.status)}"
        f" ({ticket.status})",
        f"Urgence{NBSP}: {texts.label(texts.URGENCY_LABELS, ticket.urgency)}",
        f"Matériel{NBSP}: {texts.label(texts.DEVICE_LABELS, ticket.device)}",
        f"Personnes touchées{NBSP}: {texts.label(texts.SCOPE_LABELS_THIRD_PERSON, ticket.scope)}",
        f"Les soins peuvent continuer{NBSP}: "
        f"{texts.label(texts.CARE_IMPACT_LABELS, ticket.care_impact)}",
        f"Métier du demandeur{NBSP}: {texts.label(JOB_LABELS, ticket.requester_job)}",
        f"Technicien{NBSP}: {ticket.assignee_name or '—'}",
        f"Créée le {local_time(ticket.created_at, tz)}, mise à jour le {local_time(ticket.updated_at, tz)}",
        "",
        f"Problème{NBSP}:",
        ticket.problem,
        "",
        f"Historique{NBSP}:",
    ]
    for line in lines:
        print(line, file=ctx.out)
    for event in await service.timeline(ticket.id):
        action = texts.label(texts.EVENT_LABELS, event.kind)
        text = f"{NBSP}: {event.text}" if event.text else ""
        print(f"  {local_time(event.at, tz)}  {event.actor_label} {action}{text}", file=ctx.out)


async def tickets_export(ctx: Context, args: argparse.Namespace) -> None:
    export_views(
        ctx,
        await _tickets(ctx, args),
        EXPORT_FIELDS,
        args,
        lambda count: f"{count} demande(s) exportée(s) dans {args.output}",
    )


# --- Outbox (notifications and e-mails waiting or failed) ---------------------------------

OUTBOX_STATUS_LABELS = {PENDING: "en attente", FAILED: "en échec"}


async def _warn_if_nobody_is_notified(ctx: Context) -> None:
    """Without an active technician on Telegram nor a technicians' group, new tickets reach
    nobody in Telegram (only the helpdesk e-mail, if enabled)."""
    if ctx.settings.technicians_chat_id is not None:
        return
    technicians = await ctx.directory.list_technicians(active_only=True)
    if not any(person.channel == "telegram" for person in technicians):
        print(
            f"Attention{NBSP}: aucun technicien actif et TECHNICIANS_CHAT_ID vide{NBSP}: "
            "les nouvelles demandes ne sont notifiées à personne dans Telegram "
            f"(voir «{NBSP}vigie technicians add{NBSP}»).",
            file=sys.stderr,
        )


async def outbox_list(ctx: Context, args: argparse.Namespace) -> None:
    await _warn_if_nobody_is_notified(ctx)
    statuses = (args.status,) if args.status else (PENDING, FAILED)
    entries = await Outbox(ctx.sessionmaker).entries(statuses)
    if not entries:
        what = OUTBOX_STATUS_LABELS[args.status] if args.status else "en attente ni en échec"
        print(f"Aucun message {what}.", file=ctx.out)
        return
    table(
        ctx.out,
        ["ID", "CRÉÉ LE", "CANAL", "DEMANDE", "STATUT", "ESSAIS", "ERREUR", "PROCHAIN ESSAI"],
        [
            [
                e.id,
                local_time(e.created_at),
                e.channel,
                e.ticket_reference or "—",
                OUTBOX_STATUS_LABELS.get(e.status, e.status),
                e.attempts,
                e.last_error or "—",
                local_time(e.next_attempt_at) if e.status == PENDING else "—",
            ]
            for e in entries
        ],
    )


async def outbox_retry(ctx: Context, args: argparse.Namespace) -> None:
    outbox = Outbox(ctx.sessionmaker)
    if args.all_failed:
        count = await outbox.retry_failed()
    else:
        count = await outbox.retry_failed([args.id])
        if count == 0:
            raise CliError(
                f"aucun message en échec n° {args.id} "
                f"(voir «{NBSP}vigie outbox list --status failed{NBSP}»)"
            )
    print(
        f"{count} message(s) remis en attente{NBSP}: le bot les envoie à son prochain passage.",
        file=ctx.out,
    )


# --- Parser ------------------------------------------------------------------------------


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"nombre entier attendu{NBSP}: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"doit être au moins 1{NBSP}: {text!r}")
    return value


def _telegram_id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"identifiant Telegram numérique attendu{NBSP}: {text!r}"
        ) from None


def _month(text: str) -> str:
    from vigie.console.report import ReportError, parse_month

    try:
        year, month = parse_month(text)
    except ReportError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return f"{year:04d}-{month:02d}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vigie",
        description="Administration de Vigie\u00a0: établissements, invitations, techniciens, demandes, file d’envoi.",
    )
    parser.add_argument(
        "--database-url", help="base de données à utiliser (par défaut\u00a0: DATABASE_URL)"
    )
    groups = parser.add_subparsers(dest="group", required=True, metavar="COMMANDE")
    mail_help = "analyser un e-mail suspect (.eml), sans réseau ni base de données"
    mail = groups.add_parser("analyse-mail", help=mail_help, description=mail_help)
    mail.add_argument("mail_file", type=Path, metavar="FICHIER.eml")
    mail.add_argument("--json", action="store_true", help="résultat en JSON")

    def group(name: str, help_text: str) -> argparse._SubParsersAction[argparse.ArgumentParser]:
        sub = groups.add_parser(name, help=help_text, description=help_text)
        return sub.add_subparsers(dest="action", required=True, metavar="ACTION")

    def command(
        actions: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        help_text: str,
        handler: Command,
    ) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler, command_parser=sub)
        return sub

    purge_help = "appliquer les durées de conservation maintenant (sinon : chaque heure par le bot)"
    purge = groups.add_parser("purge", help=purge_help, description=purge_help)
    purge.set_defaults(handler=purge_now, command_parser=purge)
    purge.add_argument(
        "--dry-run", action="store_true", help="montrer ce qui partirait, sans rien effacer"
    )

    people = group("people", "personnes inscrites (droits : consulter, effacer)")
    command(people, "list", "lister les personnes inscrites", people_list)
    show = command(people, "show", "ce que Vigie conserve sur une personne", people_show)
    show.add_argument("person_id", type=_positive, metavar="ID")
    forget = command(people, "forget", "effacer une personne (définitif)", people_forget)
    forget.add_argument("person_id", type=_positive, metavar="ID")
    forget.add_argument("--yes", action="store_true", help="confirmer l’effacement")
    export_help = "exporter en JSON tout ce que Vigie conserve sur une personne"
    export = groups.add_parser("export-person", help=export_help, description=export_help)
    export.set_defaults(handler=export_person, command_parser=export)
    export.add_argument("person_id", type=_positive, metavar="ID")
    export.add_argument("--output", type=Path, help="fichier (par défaut : la sortie)")

    link_help = "un lien de connexion à la console de suivi (une fois, quelques minutes)"
    link = groups.add_parser("console-link", help=link_help, description=link_help)
    link.set_defaults(handler=console_link, command_parser=link)
    link.add_argument("person_id", type=_positive, metavar="ID")

    review = group("review", "questions revues dans la console")
    exporting = command(
        review, "export", "écrire les exemples étiquetés (nlu_data/nlu/review.yml)", review_export
    )
    exporting.add_argument(
        "--output", type=Path, help="fichier (par défaut\u00a0: nlu_data/nlu/review.yml)"
    )

    report_help = "le rapport mensuel d’un établissement, en PDF"
    monthly = groups.add_parser("report", help=report_help, description=report_help)
    monthly.set_defaults(handler=report, command_parser=monthly)
    monthly.add_argument("--facility", required=True, help="établissement (id ou nom)")
    monthly.add_argument(
        "--month", required=True, type=_month, help="mois, au format AAAA-MM (ex.\u00a02026-11)"
    )
    monthly.add_argument("--out", required=True, type=Path, help="fichier PDF écrit")

    facilities = group("facilities", "établissements clients")
    add = command(facilities, "add", "ajouter un établissement", facilities_add)
    add.add_argument("--name", required=True, help="nom (unique)")
    add.add_argument("--town", required=True, help="ville")
    add.add_argument("--finess", help="numéro FINESS (9 chiffres)")
    add.add_argument(
        "--hours",
        help='horaires du contrat, ex. "lun-ven 08:30-18:00" (défaut\u00a0: PROVIDER_HOURS)',
    )
    add.add_argument("--timezone", default="Europe/Paris", help="fuseau horaire (Europe/Paris)")
    add.add_argument("--referent", help="contact du référent (nom, téléphone…)")
    command(facilities, "list", "lister les établissements", facilities_list)
    mail = command(
        facilities,
        "report-email",
        "l’adresse où envoyer aussi le rapport mensuel (le 1er du mois)",
        facilities_report_email,
    )
    mail.add_argument("facility", metavar="ÉTABLISSEMENT", help="id ou nom")
    which_mail = mail.add_mutually_exclusive_group(required=True)
    which_mail.add_argument("address", nargs="?", metavar="ADRESSE")
    which_mail.add_argument("--none", action="store_true", help="ne plus l’envoyer par e-mail")

    invitations = group("invitations", "codes d’invitation")
    create = command(invitations, "create", "créer un code d’invitation", invitations_create)
    create.add_argument("--facility", help="établissement (id ou nom)")
    create.add_argument("--role", required=True, choices=INVITATION_ROLES, help="rôle donné")
    create.add_argument("--uses", type=_positive, help="utilisations (50, technicien\u00a0: 1)")
    create.add_argument(
        "--days", type=_positive, help="validité en jours (30, technicien\u00a0: 2)"
    )
    create.add_argument("--bot-username", help="nom du bot Telegram, pour le lien complet")
    listing = command(invitations, "list", "lister les codes", invitations_list)
    listing.add_argument("--facility", help="établissement (id ou nom)")
    revoke = command(invitations, "revoke", "révoquer un code", invitations_revoke)
    revoke.add_argument("code", metavar="CODE")

    technicians = group("technicians", "techniciens du prestataire")
    add = command(technicians, "add", "ajouter (ou réactiver) un technicien", technicians_add)
    add.add_argument("--name", required=True, help="prénom affiché au personnel")
    add.add_argument("--telegram-id", required=True, type=_telegram_id, help="id Telegram")
    remove = command(technicians, "remove", "retirer un technicien", technicians_remove)
    remove.add_argument("technician", metavar="ID_OU_NOM")
    listing = command(technicians, "list", "lister les techniciens", technicians_list)
    listing.add_argument("--all", action="store_true", help="inclure les techniciens retirés")

    tickets = group("tickets", "demandes d’assistance")
    for name, help_text, handler in (
        ("list", "lister les demandes", tickets_list),
        ("export", "exporter les demandes (CSV ou JSON)", tickets_export),
    ):
        sub = command(tickets, name, help_text, handler)
        sub.add_argument("--facility", help="établissement (id ou nom)")
        sub.add_argument("--status", choices=TICKET_STATUSES, help="statut")
        if name == "export":
            sub.add_argument("--format", choices=("csv", "json"), default="csv")
            sub.add_argument("--output", type=Path, help="fichier (par défaut\u00a0: la sortie)")
    show = command(tickets, "show", "afficher une demande et son historique", tickets_show)
    show.add_argument("reference", metavar="REFERENCE")

    add_incident_commands(
        group("incidents", "incidents de sécurité et pertes d’appareils"), command
    )
    add_awareness_commands(group, command)

    outbox = group("outbox", "notifications et e-mails en attente ou en échec")
    listing = command(outbox, "list", "lister les messages en attente ou en échec", outbox_list)
    listing.add_argument("--status", choices=(PENDING, FAILED), help="statut")
    retry = command(outbox, "retry", "remettre en attente des messages en échec", outbox_retry)
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", type=_positive, metavar="ID", help="n° du message")
    which.add_argument("--all-failed", action="store_true", help="tous les messages en échec")
    return parser


# --- Entry point -------------------------------------------------------------------------


async def _run(handler: Command, args: argparse.Namespace, url: str, settings: Settings) -> None:
    engine = create_engine(url)
    try:
        await handler(Context(settings, make_sessionmaker(engine), sys.stdout), args)
    finally:
        await engine.dispose()


def _error(message: str) -> None:
    print(f"vigie{NBSP}: erreur{NBSP}: {message}", file=sys.stderr)


def analyse_mail(path: Path, settings: Settings, *, as_json: bool = False) -> int:
    """``vigie analyse-mail``: the verdict on one file (``.eml``, or Outlook's ``.msg``),
    offline; no database involved."""
    from vigie.phishing.mailcheck import analyse, trusted_domains

    try:
        with path.open("rb") as handle:
            data = handle.read()
    except OSError as exc:
        _error(f"fichier illisible{NBSP}: {path} ({exc.strerror or type(exc).__name__})")
        return 1
    if path.suffix.lower() == ".msg":
        from vigie.phishing.mailcheck.msg import MsgUnreadable, msg_to_eml

        try:
            data = msg_to_eml(data)
        except MsgUnreadable:
            _error(f"fichier Outlook (.msg) illisible{NBSP}: {path}")
            return 1
    result = analyse(
        data,
        trusted=trusted_domains(settings.mail_trusted_domains),
        reporters=settings.mail_trusted_domains,
        authserv_ids=settings.mail_authserv_ids,
    )
    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return 0
    lines = [f"Verdict{NBSP}: {result.label_fr} (score {result.score})", result.summary_fr]
    if result.truncated:
        lines.append(f"Attention{NBSP}: analyse partielle (message trop gros ou trop complexe).")
    lines += ["", f"Raisons{NBSP}:", *(f"  – {reason}" for reason in result.reasons)]
    if result.indicators:
        lines += ["", f"Indicateurs{NBSP}:", *(f"  – {item}" for item in result.indicators)]
    print("\n".join(lines))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    private_umask()  # an export, a database it creates: this account's only
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return exc.code if isinstance(exc.code, int) else 2
    try:
        settings = Settings()
    except ValidationError as exc:
        fields = ", ".join(str(error["loc"][0]).upper() for error in exc.errors() if error["loc"])
        _error(f"configuration invalide (.env ou environnement){NBSP}: {fields}")
        return 1
    if args.group == "analyse-mail":
        return analyse_mail(args.mail_file, settings, as_json=args.json)
    url = args.database_url or settings.database_url
    try:
        upgrade(url)
        asyncio.run(_run(args.handler, args, url, settings))
    except UsageError as exc:
        getattr(args, "command_parser", parser).print_usage(sys.stderr)
        _error(str(exc))
        return 2
    except CliError as exc:
        _error(str(exc))
        return 1
    except (ValueError, TicketError) as exc:  # DirectoryError and other bad input
        _error(str(exc))
        return 1
    except SQLAlchemyError as exc:
        _error(f"base de données inaccessible ou invalide ({type(exc).__name__})")
        return 1
    except OSError as exc:
        _error(f"base de données inaccessible ({type(exc).__name__}: {exc.strerror or exc})")
        return 1
    except KeyboardInterrupt:
        return 130
    return 0
