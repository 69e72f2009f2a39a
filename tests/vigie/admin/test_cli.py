"""The ``vigie`` admin command line, run in-process on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from vigie.admin.cli import main
from vigie.core.pseudonym import pseudonymize
from vigie.core.settings import Settings
from vigie.db.engine import create_engine, make_sessionmaker, upgrade
from vigie.people.directory import Directory
from vigie.tickets.service import TicketService
from vigie.tickets.views import TicketDraft

SECRET = "cli-test-secret-0123456789abcdefghij"


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def vigie(db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``vigie(*args)`` runs the command line on the test database and captures its output."""
    monkeypatch.setenv("PSEUDONYM_SECRET", SECRET)
    monkeypatch.setenv("PROVIDER_HOURS", "lun-ven 08:30-18:00")
    monkeypatch.delenv("TECHNICIANS_CHAT_ID", raising=False)
    monkeypatch.delenv("SMTP_HOST", raising=False)
    monkeypatch.delenv("HELPDESK_MAIL_TO", raising=False)

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main(["--database-url", db_url, *args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    run.url = db_url  # type: ignore[attr-defined]
    return run


def in_db(url: str, function):  # type: ignore[no-untyped-def]
    """Run ``function(directory, sessionmaker)`` on the database (outside the CLI)."""

    async def go():  # type: ignore[no-untyped-def]
        engine = create_engine(url)
        try:
            sessions = make_sessionmaker(engine)
            return await function(Directory(sessions), sessions)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for group in ("facilities", "invitations", "technicians", "tickets", "incidents"):
        assert group in out
    assert main(["invitations", "create", "--help"]) == 0
    assert "--bot-username" in capsys.readouterr().out


def test_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "COMMANDE" in capsys.readouterr().err
    assert main(["facilities"]) == 2
    assert main(["facilities", "add", "--name", "X"]) == 2
    assert "--town" in capsys.readouterr().err
    assert main(["invitations", "create", "--facility", "1", "--role", "boss"]) == 2
    assert main(["invitations", "create", "--facility", "1", "--role", "staff", "--uses", "0"]) == 2
    assert main(["technicians", "add", "--name", "Paul", "--telegram-id", "abc"]) == 2
    assert main(["tickets", "list", "--status", "open"]) == 2


def test_facilities(vigie) -> None:  # type: ignore[no-untyped-def]
    assert vigie("facilities", "list").out == "Aucun établissement.\n"
    result = vigie(
        "facilities",
        "add",
        "--name",
        "EHPAD Les Tilleuls",
        "--town",
        "Limoges",
        "--finess",
        "870000015",
        "--referent",
        "Mme Martin, 05 55 00 00 00",
    )
    assert result.code == 0, result.err
    assert "EHPAD Les Tilleuls (Limoges)" in result.out
    assert "du lundi au vendredi de 8 h 30 à 18 h" in result.out
    result = vigie(
        "facilities", "add", "--name", "Foyer Soleil", "--town", "Tulle",
        "--hours", "lun-ven 08:00-12:00,14:00-17:00; sam 09:00-12:00",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "le samedi de 9 h à 12 h" in result.out

    listing = vigie("facilities", "list")
    assert listing.code == 0
    lines = listing.out.splitlines()
    assert lines[0].split()[:3] == ["ID", "NOM", "VILLE"]
    assert "EHPAD Les Tilleuls" in lines[1] and "870000015" in lines[1]
    assert "Mme Martin" in lines[1]
    assert "Foyer Soleil" in lines[2] and "sam 09:00-12:00" in lines[2]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--finess", "12345"], "FINESS"),
        (["--hours", "lun-ven 18:00-08:00"], "horaires"),
        (["--hours", "tous les jours"], "horaires"),
        (["--timezone", "Europe/Nowhere"], "fuseau horaire"),
        (["--name", "  "], "nom"),
    ],
)
def test_facility_bad_input(vigie, options: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = vigie("facilities", "add", "--name", "EHPAD", "--town", "Brive", *options)
    assert result.code == 1
    assert result.out == ""
    assert message in result.err
    assert "Traceback" not in result.err
    assert vigie("facilities", "list").out == "Aucun établissement.\n"


def test_duplicate_facility(vigie) -> None:  # type: ignore[no-untyped-def]
    assert vigie("facilities", "add", "--name", "EHPAD", "--town", "Brive").code == 0
    result = vigie("facilities", "add", "--name", "ehpad", "--town", "Tulle")
    assert result.code == 1
    assert "existe déjà" in result.err


def test_invitations(vigie) -> None:  # type: ignore[no-untyped-def]
    assert vigie("facilities", "add", "--name", "EHPAD Les Tilleuls", "--town", "Limoges").code == 0
    result = vigie(
        "invitations", "create", "--facility", "ehpad les tilleuls", "--role", "staff",
        "--uses", "3", "--days", "7", "--bot-username", "@VigieBot",
    )  # fmt: skip
    assert result.code == 0, result.err
    code = re.search(r"Code d’invitation\s*: ([A-Z2-9]{10})", result.out)
    assert code is not None
    staff_code = code.group(1)
    assert f"https://t.me/VigieBot?start={staff_code}" in result.out
    assert "EHPAD Les Tilleuls" in result.out
    assert "3 utilisation(s)" in result.out

    result = vigie("invitations", "create", "--role", "technician")
    assert result.code == 0, result.err
    code = re.search(r"Code d’invitation\s*: ([A-Z2-9]{10})", result.out)
    assert code is not None
    tech_code = code.group(1)
    assert f"https://t.me/<nom_du_bot>?start={tech_code}" in result.out

    # The code works: someone redeems the staff code.
    person = in_db(
        vigie.url,
        lambda d, _s: d.redeem_invitation(
            staff_code.lower(), channel="telegram", chat_id=5, sender="u5"
        ),
    )
    assert person.facility_name == "EHPAD Les Tilleuls"

    listing = vigie("invitations", "list")
    assert listing.code == 0
    assert staff_code in listing.out and tech_code in listing.out
    staff_line = next(line for line in listing.out.splitlines() if staff_code in line)
    assert "1/3" in staff_line and "actif" in staff_line

    result = vigie("invitations", "revoke", staff_code.lower())
    assert result.code == 0, result.err
    assert staff_code in result.out
    staff_line = next(
        line for line in vigie("invitations", "list").out.splitlines() if staff_code in line
    )
    assert "révoqué" in staff_line

    only = vigie("invitations", "list", "--facility", "1")
    assert staff_code in only.out and tech_code not in only.out


def test_invitation_errors(vigie) -> None:  # type: ignore[no-untyped-def]
    result = vigie("invitations", "create", "--facility", "Nulle Part", "--role", "staff")
    assert result.code == 1
    assert "établissement inconnu" in result.err and "Nulle Part" in result.err
    result = vigie("invitations", "create", "--role", "referent")
    assert result.code == 2
    assert "--facility" in result.err
    assert vigie("facilities", "add", "--name", "EHPAD", "--town", "Brive").code == 0
    result = vigie("invitations", "create", "--role", "technician", "--facility", "EHPAD")
    assert result.code == 2
    result = vigie("invitations", "create", "--role", "staff", "--facility", "EHPAD",
                   "--bot-username", "https://t.me/x")  # fmt: skip
    assert result.code == 2
    result = vigie("invitations", "revoke", "NOPE234567")
    assert result.code == 1
    assert "code d’invitation inconnu" in result.err
    assert vigie("invitations", "list").out == "Aucune invitation.\n"


def test_technicians(vigie) -> None:  # type: ignore[no-untyped-def]
    assert vigie("technicians", "list").out == "Aucun technicien.\n"
    result = vigie("technicians", "add", "--name", "Paul", "--telegram-id", "424242")
    assert result.code == 0, result.err
    assert "Paul" in result.out
    assert vigie("technicians", "add", "--name", "Zoé", "--telegram-id", "515151").code == 0

    person = in_db(
        vigie.url,
        lambda d, _s: d.person_by_sender(pseudonymize(424242, SECRET.encode())),
    )
    assert person is not None
    assert (person.role, person.chat_id, person.name, person.active) == (
        "technician", 424242, "Paul", True,
    )  # fmt: skip

    listing = vigie("technicians", "list").out.splitlines()
    assert len(listing) == 3
    assert "Paul" in listing[1] and "424242" in listing[1]
    assert "Zoé" in listing[2]

    result = vigie("technicians", "remove", "paul")
    assert result.code == 0, result.err
    assert "Paul" in result.out
    listing = vigie("technicians", "list").out
    assert "Paul" not in listing and "Zoé" in listing
    everyone = vigie("technicians", "list", "--all").out
    assert "Paul" in everyone and "non" in everyone

    result = vigie("technicians", "remove", str(person.id + 1000))
    assert result.code == 1
    assert "aucun technicien" in result.err
    result = vigie("technicians", "remove", "Jacques")
    assert result.code == 1
    assert "Jacques" in result.err

    # Adding again re-activates.
    assert vigie("technicians", "add", "--name", "Paul", "--telegram-id", "424242").code == 0
    assert "Paul" in vigie("technicians", "list").out


def test_technician_needs_the_pseudonym_secret(vigie, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PSEUDONYM_SECRET", "")
    result = vigie("technicians", "add", "--name", "Paul", "--telegram-id", "424242")
    assert result.code == 1
    assert "PSEUDONYM_SECRET" in result.err
    monkeypatch.setenv("PSEUDONYM_SECRET", SECRET)
    assert vigie("technicians", "list").out == "Aucun technicien.\n"


def test_unreachable_database(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    url = "postgresql+asyncpg://nobody@127.0.0.1:1/none"
    assert main(["--database-url", url, "facilities", "list"]) == 1
    err = capsys.readouterr().err
    assert "base de données" in err
    assert "Traceback" not in err
    assert main(["--database-url", "not a url", "facilities", "list"]) == 1
    assert "base de données" in capsys.readouterr().err


def test_invalid_configuration(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMTP_PORT", "twenty-five")
    assert main(["facilities", "list"]) == 1
    err = capsys.readouterr().err
    assert "configuration invalide" in err and "SMTP_PORT" in err


def seed_tickets(url: str) -> tuple[str, str]:
    """Two facilities, a staff member in each, a technician; a ticket in each facility (the
    first taken and answered). Returns both references."""

    async def seed(directory: Directory, sessions):  # type: ignore[no-untyped-def]
        settings = Settings(_env_file=None, pseudonym_secret=SECRET)  # type: ignore[call-arg]
        service = TicketService(sessions, settings)
        tilleuls = await directory.create_facility("EHPAD Les Tilleuls", "Limoges")
        soleil = await directory.create_facility("Foyer Soleil", "Tulle")
        for facility, sender, chat in ((tilleuls, "u-a", 11), (soleil, "u-b", 12)):
            code = await directory.create_invitation(facility_id=facility.id, role="staff")
            await directory.redeem_invitation(
                code.code, channel="telegram", chat_id=chat, sender=sender
            )
            await directory.set_job(sender, "care")
        await directory.add_technician(name="Paul", chat_id=99, sender="u-tech")
        first, _ = await service.create(
            "u-a",
            TicketDraft(
                "L’imprimante du 2e étage n’imprime plus; « bourrage »", "printer", "service", "yes"
            ),
            idempotency_key="k1",
        )
        await service.take("u-tech", first.id)
        await service.technician_message("u-tech", first.id, "J’arrive à 14 h.")
        second, _ = await service.create(
            "u-b",
            TicketDraft("Le logiciel de soins ne démarre pas", "care_software", "facility", "no"),
            idempotency_key="k2",
        )
        return first.reference, second.reference

    upgrade(url)
    result: tuple[str, str] = in_db(url, seed)
    return result


def test_tickets_list_and_show(vigie) -> None:  # type: ignore[no-untyped-def]
    assert vigie("tickets", "list").out == "Aucune demande.\n"
    first, second = seed_tickets(vigie.url)

    listing = vigie("tickets", "list")
    assert listing.code == 0, listing.err
    lines = listing.out.splitlines()
    assert len(lines) == 3
    assert second in lines[1] and "critical" in lines[1] and "new" in lines[1]
    assert first in lines[2] and "in_progress" in lines[2] and "Paul" in lines[2]

    only = vigie("tickets", "list", "--facility", "foyer soleil").out
    assert second in only and first not in only
    only = vigie("tickets", "list", "--status", "in_progress").out
    assert first in only and second not in only
    assert vigie("tickets", "list", "--status", "closed").out == "Aucune demande.\n"
    unknown = vigie("tickets", "list", "--facility", "Nulle Part")
    assert unknown.code == 1 and "établissement inconnu" in unknown.err

    show = vigie("tickets", "show", first.lower())
    assert show.code == 0, show.err
    assert show.out.startswith(f"{first} — EHPAD Les Tilleuls")
    assert "prise en charge" in show.out
    assert "imprimante" in show.out
    assert "L’imprimante du 2e étage n’imprime plus; « bourrage »" in show.out
    assert "Technicien\u00a0: Paul" in show.out
    history = show.out.split("Historique")[1].splitlines()[1:]
    assert len(history) == 3
    assert "a ouvert la demande" in history[0]
    assert "a pris en charge" in history[1]
    assert "a répondu" in history[2] and "J’arrive à 14 h." in history[2]

    missing = vigie("tickets", "show", "VIG-1999-00001")
    assert missing.code == 1
    assert "demande inconnue" in missing.err


def test_tickets_export(vigie, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first, second = seed_tickets(vigie.url)

    result = vigie("tickets", "export")
    assert result.code == 0, result.err
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert [row["reference"] for row in rows] == [second, first]
    assert rows[1]["problem"] == "L’imprimante du 2e étage n’imprime plus; « bourrage »"
    assert rows[1]["assignee_name"] == "Paul"
    assert rows[1]["facility_name"] == "EHPAD Les Tilleuls"
    assert rows[0]["urgency"] == "critical"
    assert rows[0]["created_at"].endswith("+00:00")

    result = vigie("tickets", "export", "--format", "json", "--status", "new")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert [item["reference"] for item in data] == [second]
    assert data[0]["requester_job"] == "care"

    target = tmp_path / "export.csv"
    result = vigie("tickets", "export", "--output", str(target), "--facility", "EHPAD Les Tilleuls")
    assert result.code == 0, result.err
    assert result.out == ""
    assert "1 demande(s)" in result.err
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert [row["reference"] for row in rows] == [first]

    result = vigie("tickets", "export", "--output", str(tmp_path / "missing" / "x.csv"))
    assert result.code == 1
    assert "impossible d’écrire" in result.err


# --- Technician codes, removal, CSV formulas (appended) ------------------------------------


def _code_of(output: str) -> str:
    found = re.search(r"Code d’invitation\s*: ([A-Z2-9]{10})", output)
    assert found is not None, output
    return found.group(1)


def test_technician_codes_are_short_lived_and_removal_lists_them(vigie) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    from vigie.people.directory import InvitationError

    tech = vigie("invitations", "create", "--role", "technician")
    assert tech.code == 0, tech.err
    assert "1 utilisation(s) au plus" in tech.out
    tech_code = _code_of(tech.out)
    longer = vigie("invitations", "create", "--role", "technician", "--uses", "3", "--days", "5")
    assert "3 utilisation(s) au plus" in longer.out
    longer_code = _code_of(longer.out)
    assert vigie("facilities", "add", "--name", "EHPAD", "--town", "Brive").code == 0
    staff = vigie("invitations", "create", "--facility", "EHPAD", "--role", "staff")
    assert "50 utilisation(s) au plus" in staff.out
    staff_code = _code_of(staff.out)
    now = datetime.now(UTC)
    validity = {
        i.code: (i.max_uses, i.expires_at - now)
        for i in in_db(vigie.url, lambda d, _s: d.list_invitations())
    }
    assert validity[tech_code][0] == 1
    assert timedelta(days=1, hours=23) < validity[tech_code][1] <= timedelta(days=2)
    assert validity[longer_code][0] == 3
    assert timedelta(days=4, hours=23) < validity[longer_code][1] <= timedelta(days=5)
    assert validity[staff_code][0] == 50
    assert timedelta(days=29, hours=23) < validity[staff_code][1] <= timedelta(days=30)

    assert vigie("technicians", "add", "--name", "Paul", "--telegram-id", "424242").code == 0
    removed = vigie("technicians", "remove", "Paul")
    assert removed.code == 0, removed.err
    assert "2 code(s) technicien encore valable(s)" in removed.out
    assert tech_code in removed.out and longer_code in removed.out
    assert staff_code not in removed.out
    assert "vigie invitations revoke CODE" in removed.out
    # Nothing was revoked automatically; the removed technician cannot use them anyway.
    assert "révoqué" not in vigie("invitations", "list").out
    paul = pseudonymize(424242, SECRET.encode())
    with pytest.raises(InvitationError, match="removed"):
        in_db(
            vigie.url,
            lambda d, _s: d.redeem_invitation(
                tech_code, channel="telegram", chat_id=424242, sender=paul
            ),
        )

    for code in (tech_code, longer_code):
        assert vigie("invitations", "revoke", code).code == 0
    again = vigie("technicians", "remove", "Paul")
    assert again.code == 0 and "Attention" not in again.out
    # The admin re-activates explicitly.
    assert vigie("technicians", "add", "--name", "Paul", "--telegram-id", "424242").code == 0
    assert "Paul" in vigie("technicians", "list").out


def test_csv_export_neutralises_formulas(vigie) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from vigie.tickets.models import Ticket

    problems = ['=HYPERLINK("http://x";"clic")', "+33 est un indicatif", "-2+3", "@SOMME(A1)"]
    problems += ["tab", "cr", "Imprimante en panne = rien ne sort"]

    async def seed(directory: Directory, sessions):  # type: ignore[no-untyped-def]
        settings = Settings(_env_file=None, pseudonym_secret=SECRET)  # type: ignore[call-arg]
        service = TicketService(sessions, settings)
        facility = await directory.create_facility("EHPAD", "Brive")
        code = await directory.create_invitation(facility_id=facility.id, role="staff")
        await directory.redeem_invitation(code.code, channel="telegram", chat_id=7, sender="u-7")
        references = []
        for number, problem in enumerate(problems):
            draft = TicketDraft(problem, "printer", "me", "yes")
            view, _ = await service.create("u-7", draft, idempotency_key=f"k{number}")
            references.append(view.reference)
        async with sessions() as session:  # older rows could start with a tab or a CR
            for reference, start in ((references[4], "\t"), (references[5], "\r")):
                await session.execute(
                    update(Ticket)
                    .where(Ticket.reference == reference)
                    .values(problem=start + "=1+1")
                )
            await session.commit()
        return references

    upgrade(vigie.url)
    references = in_db(vigie.url, seed)
    stored = [*problems[:4], "\t=1+1", "\r=1+1", problems[6]]

    result = vigie("tickets", "export")
    assert result.code == 0, result.err
    cells = {row["reference"]: row["problem"] for row in csv.DictReader(io.StringIO(result.out))}
    for reference, problem in zip(references[:6], stored[:6], strict=True):
        assert cells[reference] == "'" + problem
    assert cells[references[6]] == problems[6]
    for row in csv.DictReader(io.StringIO(result.out)):
        assert row["reference"].startswith("VIG-") and row["facility_name"] == "EHPAD"
    # JSON is not opened by a spreadsheet: the texts stay as they are.
    data = json.loads(vigie("tickets", "export", "--format", "json").out)
    assert {item["reference"]: item["problem"] for item in data} == dict(
        zip(references, stored, strict=True)
    )


def test_outbox_list_and_retry(vigie) -> None:  # type: ignore[no-untyped-def]
    assert vigie("outbox", "list").out == "Aucun message en attente ni en échec.\n"
    first, second = seed_tickets(vigie.url)

    async def fail_some(directory: Directory, sessions):  # type: ignore[no-untyped-def]
        from vigie.outbox.store import Outbox

        outbox = Outbox(sessions)
        entries = await outbox.entries()
        await outbox.mark_failed(entries[0].id, "forbidden")
        await outbox.mark_failed(entries[1].id, "bad_request")
        await outbox.mark_retry(entries[2].id, "TimedOut", 60)
        return [e.id for e in entries]

    ids = in_db(vigie.url, fail_some)
    assert len(ids) == 4  # first: new ticket, taken, answer; second: new ticket

    listing = vigie("outbox", "list")
    assert listing.code == 0, listing.err
    assert listing.err == ""  # Paul is an active technician: no warning
    lines = listing.out.splitlines()
    assert lines[0].split()[:4] == ["ID", "CRÉÉ", "LE", "CANAL"]
    assert len(lines) == 5
    by_id = {int(line.split()[0]): line for line in lines[1:]}
    assert set(by_id) == set(ids)
    assert "telegram" in by_id[ids[0]] and first in by_id[ids[0]]
    assert "en échec" in by_id[ids[0]] and "forbidden" in by_id[ids[0]]
    assert "en attente" in by_id[ids[2]] and "TimedOut" in by_id[ids[2]]
    assert second in by_id[ids[3]]
    # Never the texts of the notifications.
    for text in ("J’arrive", "imprime", "logiciel", "Paul"):
        assert text not in listing.out

    failed = vigie("outbox", "list", "--status", "failed").out.splitlines()[1:]
    assert sorted(int(line.split()[0]) for line in failed) == sorted(ids[:2])

    retried = vigie("outbox", "retry", str(ids[0]))
    assert retried.code == 0, retried.err
    assert "1 message(s) remis en attente" in retried.out
    failed = vigie("outbox", "list", "--status", "failed").out.splitlines()[1:]
    assert [int(line.split()[0]) for line in failed] == [ids[1]]
    pending = vigie("outbox", "list", "--status", "pending").out.splitlines()[1:]
    assert ids[0] in [int(line.split()[0]) for line in pending]

    not_failed = vigie("outbox", "retry", str(ids[2]))
    assert not_failed.code == 1 and "aucun message en échec" in not_failed.err
    assert vigie("outbox", "retry").code == 2
    assert vigie("outbox", "retry", "1", "--all-failed").code == 2
    assert vigie("outbox", "list", "--status", "sent").code == 2

    assert "1 message(s)" in vigie("outbox", "retry", "--all-failed").out
    assert vigie("outbox", "list", "--status", "failed").out == "Aucun message en échec.\n"


def test_outbox_list_warns_when_nobody_is_notified(vigie, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    seed_tickets(vigie.url)
    assert vigie("technicians", "remove", "Paul").code == 0
    listing = vigie("outbox", "list")
    assert listing.code == 0
    assert "aucun technicien actif" in listing.err and "TECHNICIANS_CHAT_ID" in listing.err
    monkeypatch.setenv("TECHNICIANS_CHAT_ID", "-1001234567890")
    assert vigie("outbox", "list").err == ""


def test_people_are_listed_shown_exported_and_forgotten(vigie, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert vigie("facilities", "add", "--name", "EHPAD Droits", "--town", "Rodez").code == 0
    assert vigie("technicians", "add", "--name", "Paul", "--telegram-id", "4242").code == 0
    listed = vigie("people", "list")
    assert listed.code == 0 and "Paul" in listed.out and "technicien" in listed.out
    shown = vigie("people", "show", "1")
    assert shown.code == 0 and json.loads(shown.out)["role"] == "technician"
    export = tmp_path / "paul.json"
    assert vigie("export-person", "1", "--output", str(export)).code == 0
    assert json.loads(export.read_text())["registered"] is True
    refused = vigie("people", "forget", "1")
    assert refused.code == 2 and "--yes" in refused.err
    assert vigie("people", "forget", "1", "--yes").code == 0
    assert "Aucune personne" in vigie("people", "list").out
    assert vigie("people", "show", "1").code == 1
    planned = vigie("purge", "--dry-run")
    assert planned.code == 0 and "Ce qui partirait maintenant" in planned.out


# --- Incidents -------------------------------------------------------------------------------


def seed_incidents(url: str) -> tuple[str, str]:
    """A ransom screen at the EHPAD (taken by Paul, the director's answer given) and a lost
    CPS card at the foyer (nobody on it yet): (reference of the first, of the second)."""
    from vigie.incidents.service import IncidentService
    from vigie.incidents.views import IncidentDraft

    async def seed(directory: Directory, sessions):  # type: ignore[no-untyped-def]
        settings = Settings(_env_file=None, pseudonym_secret=SECRET)  # type: ignore[call-arg]
        service = IncidentService(sessions, settings)
        tilleuls = await directory.create_facility(
            "EHPAD Les Tilleuls", "Brive", finess="190000123"
        )
        soleil = await directory.create_facility("Foyer Soleil", "Tulle")
        for facility, sender, chat, role in (
            (tilleuls, "u-a", 11, "staff"),
            (tilleuls, "u-dir", 13, "referent"),
            (soleil, "u-b", 12, "staff"),
        ):
            code = await directory.create_invitation(facility_id=facility.id, role=role)
            await directory.redeem_invitation(
                code.code, channel="telegram", chat_id=chat, sender=sender
            )
            await directory.set_job(sender, "care")
        await directory.add_technician(name="Paul", chat_id=99, sender="u-tech")
        ransom, _ = await service.declare(
            "u-a",
            IncidentDraft(
                what="=écran de rançon sur le poste infirmier",
                since="ce matin",
                extent="1 poste",
                care_continues="degraded",
                data_affected="yes",
                actions_taken="câble débranché",
            ),
            idempotency_key="i1",
        )
        await service.acknowledge(ransom.id, "u-tech")
        await service.answer_breach(ransom.id, "u-dir", "dpo")
        card, _ = await service.declare(
            "u-b",
            IncidentDraft(
                kind="lost_device", lost_device="cps_card", since="hier", data_affected="no"
            ),
            idempotency_key="i2",
        )
        return ransom.reference, card.reference

    upgrade(url)
    result: tuple[str, str] = in_db(url, seed)
    return result


def test_incidents_list_show_declaration_and_export(vigie, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert vigie("incidents", "list").out == "Aucun incident.\n"
    ransom, card = seed_incidents(vigie.url)

    listing = vigie("incidents", "list")
    assert listing.code == 0, listing.err
    lines = listing.out.splitlines()
    assert len(lines) == 3
    assert card in lines[1] and "à prendre" in lines[1] and "Foyer Soleil" in lines[1]
    assert ransom in lines[2] and "pris" in lines[2] and "Paul" in lines[2]
    only = vigie("incidents", "list", "--facility", "foyer soleil").out
    assert card in only and ransom not in only
    only = vigie("incidents", "list", "--status", "taken").out
    assert ransom in only and card not in only
    assert vigie("incidents", "list", "--status", "closed").out == "Aucun incident.\n"

    show = vigie("incidents", "show", ransom.lower())
    assert show.code == 0, show.err
    assert ransom in show.out and "EHPAD Les Tilleuls, Brive" in show.out
    assert "écran de rançon sur le poste infirmier" in show.out
    assert "Les soins peuvent continuer\u00a0: avec difficulté" in show.out
    assert "Fin des 72 heures (CNIL)" in show.out
    assert "Réponse de la direction\u00a0: " in show.out and "pas encore" not in show.out
    history = show.out.split("Historique")[1].splitlines()[1:]
    kinds = " | ".join(history)
    assert history[0].split("  ")[-1].startswith("déclaré")
    assert "pris en charge (Paul)" in kinds
    assert "réponse de la direction sur la CNIL" in kinds
    # A lost card with no residents' data: no 72-hour clock.
    assert "72 heures" not in vigie("incidents", "show", card).out

    declaration = vigie("incidents", "declaration", ransom)
    assert declaration.code == 0, declaration.err
    assert ransom in declaration.out and "FINESS 190000123" in declaration.out
    assert "<" not in declaration.out

    for command in ("show", "declaration"):
        missing = vigie("incidents", command, "INC-1999-00001")
        assert missing.code == 1 and "incident inconnu" in missing.err

    exported = vigie("incidents", "export")
    assert exported.code == 0, exported.err
    rows = list(csv.DictReader(io.StringIO(exported.out)))
    assert [row["reference"] for row in rows] == [card, ransom]
    assert rows[1]["what"] == "'=écran de rançon sur le poste infirmier"  # no formula
    assert rows[1]["taken_by_name"] == "Paul (technicien)" and rows[1]["breach_answer"] == "dpo"
    assert rows[0]["lost_device"] == "cps_card" and rows[0]["kind"] == "lost_device"
    data = json.loads(vigie("incidents", "export", "--format", "json", "--status", "open").out)
    assert [item["reference"] for item in data] == [card]
    target = tmp_path / "incidents.csv"
    written = vigie("incidents", "export", "--output", str(target))
    assert written.code == 0 and "2 incident(s)" in written.err
    assert ransom in target.read_text(encoding="utf-8-sig")


def test_console_link_for_a_referent_not_for_staff(vigie) -> None:  # type: ignore[no-untyped-def]
    async def seed(directory: Directory, _sessions):  # type: ignore[no-untyped-def]
        facility = await directory.create_facility("EHPAD Les Tilleuls", "Brive")
        ids = []
        for role, chat in (("referent", 21), ("staff", 22)):
            code = await directory.create_invitation(facility_id=facility.id, role=role)
            person = await directory.redeem_invitation(
                code.code, channel="telegram", chat_id=chat, sender=f"u-{chat}"
            )
            ids.append(person.id)
        return ids

    upgrade(vigie.url)
    referent, staff = in_db(vigie.url, seed)
    made = vigie("console-link", str(referent))
    assert made.code == 0, made.err
    assert re.fullmatch(r"http://127\.0\.0\.1:8090/entrer/[A-Za-z0-9_-]{40,}\n", made.out)
    assert "une seule fois" in made.err
    refused = vigie("console-link", str(staff))
    assert refused.code == 1 and "n’a pas accès à la console" in refused.err
    assert vigie("console-link", "999").code == 1


def test_review_export_writes_the_labelled_examples(vigie, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from vigie.console.review import ReviewQueue
    from vigie.conversation.turns import TurnLog

    async def seed(directory: Directory, sessions):  # type: ignore[no-untyped-def]
        turn = await TurnLog(sessions).record(
            channel="telegram",
            sender="u-1",
            text_in="le bidule clignote",
            text_out="…",
            intent="nlu_fallback",
            confidence=0.1,
            article_id=None,
        )
        tech = await directory.add_technician(name="Paul", chat_id=9, sender="u-9")
        await ReviewQueue(sessions, ("open_ticket",)).decide(
            turn.id, "labelled", "open_ticket", tech.id
        )

    upgrade(vigie.url)
    in_db(vigie.url, seed)
    target = tmp_path / "review.yml"
    done = vigie("review", "export", "--output", str(target))
    assert done.code == 0, done.err
    assert "1 exemple(s)" in done.out
    assert "- intent: open_ticket\n  examples: |\n    - le bidule clignote\n" in target.read_text()


def test_facility_report_email(vigie) -> None:  # type: ignore[no-untyped-def]
    assert vigie("facilities", "add", "--name", "IME Albi", "--town", "Albi").code == 0
    done = vigie("facilities", "report-email", "IME Albi", "direction@ime.example")
    assert done.code == 0, done.err
    assert "direction@ime.example" in done.out and "SMTP_HOST" in done.out
    bad = vigie("facilities", "report-email", "IME Albi", "pas-une-adresse")
    assert bad.code == 1 and "adresse e-mail invalide" in bad.err
    off = vigie("facilities", "report-email", "IME Albi", "--none")
    assert off.code == 0 and "ne sera plus envoyé" in off.out
    assert vigie("facilities", "report-email", "Nulle Part", "a@b.fr").code == 1
