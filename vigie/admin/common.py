"""What every ``vigie`` command shares: its context, its errors and its formatting."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.core.settings import Settings
from vigie.core.typography import NBSP
from vigie.incidents.service import IncidentService
from vigie.people.directory import Directory, FacilityView
from vigie.tickets.service import TicketService

ADMIN_TIMEZONE = "Europe/Paris"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class CliError(Exception):
    """An expected failure: printed without a traceback, exit code 1."""


class UsageError(Exception):
    """A wrong combination of options: printed with the usage, exit code 2."""


@dataclass
class Context:
    """What a command needs: the settings, the repositories and where to write."""

    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    out: TextIO

    @property
    def directory(self) -> Directory:
        return Directory(self.sessionmaker)

    @property
    def tickets(self) -> TicketService:
        return TicketService(self.sessionmaker, self.settings)

    @property
    def incidents(self) -> IncidentService:
        return IncidentService(self.sessionmaker, self.settings)


Command = Callable[[Context, argparse.Namespace], Awaitable[None]]


def local_time(dt: datetime | None, tz_name: str = ADMIN_TIMEZONE) -> str:
    """A moment as the facility (or the administrator, in Paris) reads it."""
    if dt is None:
        return ""
    return dt.astimezone(ZoneInfo(tz_name)).strftime("%d/%m/%Y %H:%M")


def table(out: TextIO, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Columns aligned on their widest cell."""
    cells = [[("" if value is None else str(value)) for value in row] for row in rows]
    widths = [max([len(h), *(len(row[i]) for row in cells)]) for i, h in enumerate(headers)]
    for row in [list(headers), *cells]:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip(), file=out)


async def facility_named(ctx: Context, id_or_name: str) -> FacilityView:
    """The facility with this id or name, else a French error."""
    facility = await ctx.directory.get_facility(id_or_name)
    if facility is None:
        raise CliError(
            f"établissement inconnu{NBSP}: {id_or_name!r} (voir « vigie facilities list »)"
        )
    return facility


def _plain(value: Any) -> Any:
    """A value as an export writes it: dates in ISO 8601, the rest as it is."""
    return value.isoformat() if isinstance(value, datetime) else value


def csv_cell(value: Any) -> Any:
    """A cell a spreadsheet will not take for a formula: ``'`` before = + - @ tab CR."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def export_views(
    ctx: Context,
    views: Sequence[Any],
    fields: Sequence[str],
    args: argparse.Namespace,
    done: Callable[[int], str],
) -> None:
    """Views as CSV (formulas neutralised: the texts are written by staff) or JSON, with their
    ``fields`` (dates in ISO 8601), to ``args.output`` or the standard output;
    ``done(count)`` says it on stderr."""
    rows = [{field: _plain(getattr(view, field)) for field in fields} for view in views]
    buffer = io.StringIO()
    if args.format == "json":
        json.dump(rows, buffer, ensure_ascii=False, indent=2)
        buffer.write("\n")
    else:
        writer = csv.DictWriter(buffer, fieldnames=list(fields), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows({key: csv_cell(value) for key, value in row.items()} for row in rows)
    write_export(ctx, buffer, args.output, args.format, done(len(rows)))


def write_export(
    ctx: Context, buffer: io.StringIO, output: Path | None, fmt: str, done: str
) -> None:
    """An export to the standard output, or to a file (CSV in utf-8-sig, so that a
    spreadsheet opens the accents correctly), then ``done`` on stderr."""
    if output is None:
        ctx.out.write(buffer.getvalue())
        return
    try:
        encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
        output.write_text(buffer.getvalue(), encoding=encoding, newline="")
    except OSError as exc:
        raise CliError(f"impossible d’écrire {output}{NBSP}: {exc.strerror}") from exc
    print(done, file=sys.stderr)
