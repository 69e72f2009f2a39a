"""``vigie awareness stats`` (participation in prevention, per facility) and ``vigie diagnostic
list|show`` (every facility's latest self-diagnostic and its trend; one run in detail, with its
PDF on request)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from vigie.admin.common import CliError, Command, Context, facility_named, local_time, table
from vigie.awareness import texts
from vigie.awareness.diagnostic import owner_label
from vigie.awareness.diagnostics import Diagnostics
from vigie.awareness.stats import participation
from vigie.core.typography import NBSP
from vigie.db.base import utcnow

TOPICS_SHOWN = 3


def _trend(latest: int | None, previous: int | None) -> str:
    if latest is None or previous is None:
        return ""
    delta = latest - previous
    return f"{delta:+d}" if delta else "="


async def awareness_stats(ctx: Context, args: argparse.Namespace) -> None:
    until = utcnow()
    since = until - timedelta(days=args.days)
    facility_id = (await facility_named(ctx, args.facility)).id if args.facility else None
    rows = await participation(ctx.sessionmaker, since, until, facility_id)
    if not rows:
        print("Aucun établissement.", file=ctx.out)
        return
    print(f"Prévention, {args.days} derniers jours (inscriptions{NBSP}: à ce jour)", file=ctx.out)
    table(
        ctx.out,
        [
            "ÉTABLISSEMENT",
            "PERSONNEL",
            "ASTUCES (INSCRITS)",
            "ASTUCES ENVOYÉES",
            "QUIZ FINIS",
            "PERSONNES",
            "BONNES RÉPONSES",
            "SUJETS LES PLUS FAIBLES",
            "AUTODIAGNOSTIC",
        ],
        [
            [
                r.facility,
                r.staff,
                f"{r.opted_in} ({r.opt_in_percent}{NBSP}%)",
                r.tips_sent,
                r.quizzes_finished,
                r.quiz_takers,
                "" if r.score_percent is None else f"{r.score_percent}{NBSP}%",
                ", ".join(f"{t.topic} {t.percent}{NBSP}%" for t in r.topics[:TOPICS_SHOWN]),
                ""
                if r.diagnostic_score is None
                else f"{r.diagnostic_score}/100 ({local_time(r.diagnostic_at)[:10]})",
            ]
            for r in rows
        ],
    )


async def diagnostic_list(ctx: Context, args: argparse.Namespace) -> None:
    rows = await Diagnostics(ctx.sessionmaker, ctx.settings).facilities()
    if not rows:
        print("Aucun établissement.", file=ctx.out)
        return
    table(
        ctx.out,
        ["ÉTABLISSEMENT", "DERNIER SCORE", "LE", "AVANT", "ÉVOLUTION", "DIAGNOSTICS"],
        [
            [
                r.facility,
                "jamais fait" if r.latest is None else f"{r.latest.percent}/100",
                "" if r.latest is None else local_time(r.latest.finished_at, r.latest.timezone),
                "" if r.previous is None else f"{r.previous.percent}/100",
                _trend(
                    r.latest.percent if r.latest else None,
                    r.previous.percent if r.previous else None,
                ),
                r.runs,
            ]
            for r in rows
        ],
    )


async def diagnostic_show(ctx: Context, args: argparse.Namespace) -> None:
    facility = await facility_named(ctx, args.facility)
    diagnostics = Diagnostics(ctx.sessionmaker, ctx.settings)
    history = await diagnostics.history(facility.id)
    if not history:
        print(f"{facility.name}{NBSP}: aucun autodiagnostic terminé.", file=ctx.out)
        return
    latest = history[-1]
    summary, result, answers = await diagnostics.result(latest.run_id)
    bank = await diagnostics.bank()
    provider = ctx.settings.provider_name
    out = ctx.out
    print(f"{facility.name} — autodiagnostic du {local_time(summary.finished_at)}", file=out)
    print(f"Score{NBSP}: {result.percent}/100", file=out)
    trend = " → ".join(f"{r.percent} ({local_time(r.finished_at)[:10]})" for r in history)
    print(f"Historique{NBSP}: {trend}", file=out)
    print("\nPar domaine", file=out)
    table(
        out,
        ["DOMAINE", "SCORE", "OUI"],
        [
            [d.domain.title, f"{d.percent}{NBSP}%", f"{d.answered_yes}/{d.questions}"]
            for d in result.domains
        ],
    )
    print("\nÀ faire d’abord", file=out)
    for rank, p in enumerate(result.priorities, start=1):
        who = owner_label(p.question.owner, provider)
        label = texts.ANSWER_LABELS[p.answer]
        print(f"{rank}. {p.question.action} ({who}) — réponse{NBSP}: {label}", file=out)
    print("\nRéponses", file=out)
    for question in bank.questions:
        label = texts.ANSWER_LABELS.get(answers.get(question.id, ""), "—")
        print(f"- [{label}] {question.question}", file=out)
    if args.pdf is not None:
        data = await diagnostics.pdf(latest.run_id)
        try:
            await asyncio.to_thread(Path(args.pdf).write_bytes, data)
        except OSError as exc:
            raise CliError(f"impossible d’écrire {args.pdf}{NBSP}: {exc.strerror}") from exc
        print(f"\nPDF écrit{NBSP}: {args.pdf} ({len(data) // 1024} Ko)", file=out)


def add_commands(group: Any, command: Any) -> None:
    """``vigie awareness`` and ``vigie diagnostic``: ``group(name, help)`` makes a command
    group, ``command(group, name, help, handler)`` registers an action."""
    awareness = group("awareness", "prévention : astuces, quiz, autodiagnostics")
    stats: argparse.ArgumentParser = command(
        awareness, "stats", "participation par établissement", awareness_stats
    )
    stats.add_argument("--facility", help="établissement (id ou nom)")
    stats.add_argument("--days", type=int, default=30, help="période en jours (30)")
    diagnostic = group("diagnostic", "autodiagnostics de sécurité des établissements")
    handlers: tuple[tuple[str, str, Command], ...] = (
        ("list", "le dernier score de chaque établissement et son évolution", diagnostic_list),
    )
    for name, help_text, handler in handlers:
        command(diagnostic, name, help_text, handler)
    show = command(
        diagnostic, "show", "le dernier autodiagnostic d’un établissement", diagnostic_show
    )
    show.add_argument("facility", metavar="ÉTABLISSEMENT", help="id ou nom")
    show.add_argument("--pdf", type=Path, help="écrire aussi le rapport PDF dans ce fichier")
