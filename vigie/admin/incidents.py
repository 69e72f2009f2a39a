"""``vigie incidents``: the administrator's view of the incidents (list, show with the
timeline, the director's declaration text, export), as ``vigie tickets`` is for tickets."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vigie.admin.common import (
    CliError,
    Command,
    Context,
    export_views,
    facility_named,
    local_time,
    table,
)
from vigie.core.typography import NBSP, truncate
from vigie.incidents import texts
from vigie.incidents.views import IncidentView
from vigie.incidents.vocabulary import INCIDENT_STATUSES

WHAT_COLUMN_CHARS = 60
EXPORT_FIELDS = (
    "reference",
    "kind",
    "urgency",
    "status",
    "created_at",
    "discovered_at",
    "facility_name",
    "facility_finess",
    "reporter_job",
    "what",
    "since",
    "extent",
    "care_continues",
    "data_affected",
    "lost_device",
    "device_locked",
    "actions_taken",
    "taken_by_name",
    "taken_at",
    "breach_answer",
    "reminders_sent",
)


async def _incidents(ctx: Context, args: argparse.Namespace) -> list[IncidentView]:
    facility_id = (await facility_named(ctx, args.facility)).id if args.facility else None
    return await ctx.incidents.list_incidents(facility_id=facility_id, status=args.status)


async def _incident(ctx: Context, reference: str) -> IncidentView:
    view = await ctx.incidents.by_reference(reference.strip().upper())
    if view is None:
        raise CliError(f"incident inconnu{NBSP}: {reference!r} (voir « vigie incidents list »)")
    return view


async def incidents_list(ctx: Context, args: argparse.Namespace) -> None:
    views = await _incidents(ctx, args)
    if not views:
        print("Aucun incident.", file=ctx.out)
        return
    table(
        ctx.out,
        [
            "RÉFÉRENCE",
            "DÉCLARÉ LE",
            "ÉTABLISSEMENT",
            "TYPE",
            "STATUT",
            "PRIS PAR",
            "CE QUI SE PASSE",
        ],
        [
            [
                v.reference,
                local_time(v.created_at, v.facility_timezone),
                v.facility_name,
                texts.KIND_LABELS.get(v.kind, v.kind),
                texts.STATUS_LABELS.get(v.status, v.status),
                v.taken_by_name or "—",
                truncate(v.what or "", WHAT_COLUMN_CHARS),
            ]
            for v in views
        ],
    )


async def incidents_show(ctx: Context, args: argparse.Namespace) -> None:
    view = await _incident(ctx, args.reference)
    tz = view.facility_timezone
    lines = [
        texts.card_text(view),
        "",
        f"Statut{NBSP}: {texts.STATUS_LABELS.get(view.status, view.status)}",
        f"Pris par{NBSP}: {view.taken_by_name or '—'}",
        f"Découvert le{NBSP}: {local_time(view.discovered_at, tz)}",
    ]
    if view.data_at_risk:
        answer = texts.BREACH_LABELS.get(view.breach_answer or "", "pas encore")
        lines += [
            f"Fin des 72 heures (CNIL){NBSP}: {local_time(texts.breach_deadline(view), tz)}",
            f"Réponse de la direction{NBSP}: {answer}",
        ]
    lines += ["", f"Historique{NBSP}:"]
    for event in await ctx.incidents.timeline(view.id):
        who = f" ({event.actor_name})" if event.actor_name else ""
        what = texts.EVENT_LABELS.get(event.kind, event.kind)
        detail = f"{NBSP}: {event.text}" if event.text else ""
        lines.append(f"  {local_time(event.at, tz)}  {what}{who}{detail}")
    print("\n".join(lines), file=ctx.out)


async def incidents_declaration(ctx: Context, args: argparse.Namespace) -> None:
    """The text the director copies into the declaration portal, as Vigie sent it."""
    view = await _incident(ctx, args.reference)
    _, body = await ctx.incidents.declaration(view.id)
    ctx.out.write(body)


async def incidents_export(ctx: Context, args: argparse.Namespace) -> None:
    export_views(
        ctx,
        await _incidents(ctx, args),
        EXPORT_FIELDS,
        args,
        lambda count: f"{count} incident(s) exporté(s) dans {args.output}",
    )


def add_commands(
    incidents: argparse._SubParsersAction[argparse.ArgumentParser],
    command: Any,
) -> None:
    """The ``vigie incidents`` actions, on the group's subparsers (``command`` is the
    command line's helper that registers one action and its handler)."""
    handlers: tuple[tuple[str, str, Command], ...] = (
        ("list", "lister les incidents", incidents_list),
        ("export", "exporter les incidents (CSV ou JSON)", incidents_export),
    )
    for name, help_text, handler in handlers:
        sub = command(incidents, name, help_text, handler)
        sub.add_argument("--facility", help="établissement (id ou nom)")
        sub.add_argument("--status", choices=INCIDENT_STATUSES, help="statut")
        if name == "export":
            sub.add_argument("--format", choices=("csv", "json"), default="csv")
            sub.add_argument("--output", type=Path, help="fichier (par défaut\u00a0: la sortie)")
    show = command(incidents, "show", "afficher un incident et son historique", incidents_show)
    show.add_argument("reference", metavar="REFERENCE")
    declaration = command(
        incidents,
        "declaration",
        "le texte de déclaration préparé pour la direction",
        incidents_declaration,
    )
    declaration.add_argument("reference", metavar="REFERENCE")
