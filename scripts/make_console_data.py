"""Fill a database with a year of realistic follow-up data, for the console's scale benchmark.

``make_console_data.py DATABASE_URL [--facilities 50] [--turns 500000] [--tickets 10000]
[--reports 5000] [--seed 1]`` migrates the database (``vigie.db.engine.upgrade``), then adds,
spread over the last 365 days (more on weekdays and in the daytime, more towards the end of
the year as the facilities adopt Vigie):

- facilities (EHPAD, foyers, MAS, FAM, SSIAD…) of different sizes, each with its staff, a
  referent, and a few technicians and an administrator for the provider;
- turns from those people (and a few from people since deleted): a realistic mix of intents
  (``faq/<article>`` for the articles of ``knowledge/*.md``, tickets, suspicious e-mails,
  incidents, ``nlu_fallback`` about 8 %, ``out_of_scope`` about 3 %, greetings, thanks, yes and
  no…), confidences, and short French texts taken from the NLU training examples; a 👍 or a
  👎 under some answers (when the schema has ``answer_feedback``);
- tickets with their urgencies, statuses and resolution times (older ones closed);
- suspicious e-mail campaigns and their reports, with verdicts and what people did;
- a few incidents and lost devices.

The database must hold no facility yet. Rows go in bulk: ``COPY`` on PostgreSQL (500,000
turns in a few seconds), multi-row ``INSERT`` on SQLite. The same seed gives the same rows
(the times move with the current date). PostgreSQL's statistics are refreshed at the end
(``VACUUM ANALYZE``), as autovacuum would have done on a year-old database.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import json
import math
import re
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any

import yaml
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vigie.conversation.models import Turn  # noqa: E402
from vigie.core.pseudonym import pseudonymize  # noqa: E402
from vigie.db.base import Base  # noqa: E402
from vigie.db.engine import create_engine, upgrade  # noqa: E402
from vigie.incidents.models import Incident  # noqa: E402
from vigie.incidents.vocabulary import LOST_DEVICES  # noqa: E402
from vigie.knowledge.loader import KnowledgeBase  # noqa: E402
from vigie.people.models import Facility, Person  # noqa: E402
from vigie.phishing.models import PhishingCampaign, PhishingReport  # noqa: E402
from vigie.tickets.models import Ticket  # noqa: E402
from vigie.tickets.vocabulary import CARE_IMPACTS, DEVICES, SCOPES  # noqa: E402

DAYS = 365
#: Pseudonyms are computed as the bot does; the secret only has to be the same for every row.
SECRET = b"console-data-secret"
FIRST_CHAT_ID = 700_000_000
CHUNK = 20_000
#: Share of the knowledge base's answers that get a 👍 or a 👎.
FEEDBACK_SHARE = 0.12
#: Share of turns from people no longer in ``people`` (deleted after leaving).
GONE_SHARE = 0.03
NLU_DIR = ROOT / "nlu_data" / "nlu"
KNOWLEDGE_DIR = ROOT / "knowledge"

#: Intents besides the articles, and their weight among all turns (the articles share
#: FAQ_WEIGHT). ``nlu_fallback`` ~8 %, ``out_of_scope`` ~3 %.
FAQ_WEIGHT = 50.0
INTENT_WEIGHTS: dict[str, float] = {
    "nlu_fallback": 8.0,
    "out_of_scope": 3.0,
    "greet": 7.0,
    "thank": 5.0,
    "goodbye": 2.0,
    "affirm": 4.0,
    "deny": 1.5,
    "inform": 3.0,
    "add_info": 0.5,
    "cancel": 0.5,
    "bot_challenge": 0.5,
    "help": 1.5,
    "open_ticket": 4.5,
    "ticket_status": 2.0,
    "report_phishing": 4.0,
    "declare_incident": 0.6,
    "lost_device": 0.4,
}
#: Texts of the turns Vigie did not understand (the training data has none).
FALLBACK_TEXTS = (
    "le truc du bidule marche pas",
    "c est quoi le code du portail",
    "jarrive pas a me co sur le machin",
    "ya un bug sur le planning",
    "la borne fait un bruit bizarre",
    "comment on fait pour le badge de la cantine",
    "ma collègue dit que c est bloqué",
    "le logiciel rouge il veut pas",
    "pk ça clignote",
    "on peut imprimer en couleur les menus",
    "mon téléphone pro redémarre tout seul la nuit",
    "ça marche pas depuis la mise à jour de lundi",
    "c est normal le message en anglais",
    "qui gère les clés du local serveur",
    "est ce que vous pouvez rappeler l infirmière de nuit",
)
OUT_OF_SCOPE_TEXTS = (
    "quel temps fera t il demain",
    "tu connais une bonne recette de gâteau",
    "c est quand les congés d été",
    "combien coûte une place en ehpad",
)
FACILITY_KINDS = (
    ("EHPAD", 40, (25, 60)),
    ("Foyer de vie", 12, (12, 30)),
    ("MAS", 10, (20, 45)),
    ("FAM", 10, (15, 35)),
    ("SSIAD", 10, (8, 20)),
    ("IME", 8, (15, 30)),
    ("Résidence autonomie", 10, (6, 15)),
)
FACILITY_NAMES = (
    "Les Tilleuls",
    "Le Soleil",
    "Les Glycines",
    "La Roseraie",
    "Les Charmilles",
    "Le Bois Joli",
    "Les Jardins d’Automne",
    "La Source",
    "Les Peupliers",
    "Le Val Fleuri",
    "Les Hortensias",
    "La Colline",
    "Saint-Joseph",
    "Les Mimosas",
    "Le Clos des Vignes",
    "Les Lilas",
    "La Providence",
    "Le Petit Prince",
    "Les Marronniers",
    "L’Oustal",
)
TOWNS = (
    "Rodez",
    "Brive",
    "Tulle",
    "Aurillac",
    "Figeac",
    "Millau",
    "Cahors",
    "Albi",
    "Ussel",
    "Villefranche-de-Rouergue",
    "Decazeville",
    "Saint-Flour",
    "Mende",
    "Espalion",
    "Gourdon",
)
HOURS = ("lun-ven 08:30-18:00", "lun-sam 08:00-19:00", "24h/24")
TECHNICIANS = ("Paul", "Nadia", "Karim", "Sophie")
REFERENT_NAMES = ("Mme Martin", "M. Bernard", "Mme Dubois", "M. Thomas", "Mme Robert")
PROBLEMS = (
    "l imprimante du poste de soins n imprime plus les plans de soins",
    "le logiciel de soins ne s ouvre plus sur la tablette",
    "plus de wifi au premier étage depuis ce matin",
    "je n arrive plus à ouvrir ma session sur le poste de l infirmerie",
    "la messagerie n envoie plus les mails depuis hier",
    "le téléphone de garde ne sonne plus quand on l appelle",
    "l écran du poste de l accueil reste noir au démarrage",
    "le scanner ne transmet plus les ordonnances",
    "internet est très lent dans tout le bâtiment",
    "le clavier du poste de soins ne répond plus",
)
SUBJECTS = (
    "Votre colis est en attente de livraison",
    "Action requise : votre mot de passe expire aujourd’hui",
    "Facture impayée n° {n}",
    "Ameli : remboursement en attente",
    "Votre boîte mail est pleine",
    "Document partagé avec vous",
    "Urgent : virement fournisseur à valider",
    "Mise à jour de vos coordonnées bancaires",
    "Invitation à la réunion de service",
    "Votre compte sera suspendu",
)
DOMAINS = (
    "colis-suivi.example",
    "ameli-remboursement.example",
    "secure-mail.example",
    "docs-partage.example",
    "factures-en-ligne.example",
    "gmail.com",
    "outlook.fr",
)
FILENAMES = {
    "eml": "message.eml",
    "msg": "message.msg",
    "photo": "capture.jpg",
    "text": "message.txt",
    "mailbox": "signalement.eml",
}
INCIDENT_TEXTS = (
    "un message de rançon s affiche sur le poste de l accueil",
    "des fichiers ont des noms bizarres sur le partage",
    "la collègue a tapé son mot de passe sur un faux site",
    "le poste de soins envoie des mails tout seul",
)


@dataclass(frozen=True)
class Sizes:
    facilities: int = 50
    turns: int = 500_000
    tickets: int = 10_000
    reports: int = 5_000


@dataclass
class Counts:
    """What was added, by table."""

    facilities: int = 0
    people: int = 0
    turns: int = 0
    tickets: int = 0
    campaigns: int = 0
    reports: int = 0
    incidents: int = 0
    #: 👍 / 👎 under the answers (when the schema has ``answer_feedback``).
    feedback: int = 0
    #: Turns whose sender is in no facility (people deleted since).
    turns_without_facility: int = 0


@dataclass
class _Person:
    id: int
    chat_id: int
    sender: str
    facility_id: int | None
    role: str


@dataclass
class _Facility:
    id: int
    size: int
    activity: float
    staff: list[_Person] = field(default_factory=list)
    #: Cumulative weights of ``staff``: a few people ask most of the questions.
    staff_weights: list[float] = field(default_factory=list)
    referent: _Person | None = None


class _Clock:
    """Random moments of the last year, more on weekdays, in the daytime and recently."""

    def __init__(self, now: datetime, rng: Random) -> None:
        self.now = now.replace(microsecond=0)
        self.start = self.now - timedelta(days=DAYS)
        self._rng = rng
        weights: list[float] = []
        hour = self.start.replace(minute=0, second=0)
        self._hours: list[datetime] = []
        while hour < self.now:
            local = hour + timedelta(hours=1)  # about Paris time
            day = 1.0 if local.weekday() < 5 else 0.45
            if 7 <= local.hour < 21:
                daytime = 1.0 if local.hour not in (12, 13) else 0.6
            elif local.hour in (6, 21, 22):
                daytime = 0.3
            else:
                daytime = 0.08  # night shifts
            adoption = 0.6 + 0.6 * (hour - self.start) / (self.now - self.start)
            weights.append(day * daytime * adoption)
            self._hours.append(hour)
            hour += timedelta(hours=1)
        self._cumulative = list(itertools.accumulate(weights))

    def moment(self) -> datetime:
        index = bisect.bisect_left(self._cumulative, self._rng.random() * self._cumulative[-1])
        moment = self._hours[min(index, len(self._hours) - 1)]
        moment += timedelta(seconds=self._rng.randrange(3600))
        return min(moment, self.now - timedelta(seconds=1))

    def moments(self, n: int) -> list[datetime]:
        return sorted(self.moment() for _ in range(n))


def _examples() -> dict[str, list[str]]:
    """The NLU training examples, by intent (entity annotations removed)."""
    found: dict[str, list[str]] = {}
    for path in sorted(NLU_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if "intent" not in block:
                continue
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip().removeprefix("- ").strip()
                line = re.sub(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}", r"\1\2", line)
                if line:
                    found.setdefault(str(block["intent"]), []).append(line)
    return found


class _Texts:
    """A short French text for an intent."""

    def __init__(self, articles: dict[str, tuple[str, tuple[str, ...]]], rng: Random) -> None:
        self._rng = rng
        self._examples = _examples()
        self._examples["nlu_fallback"] = list(FALLBACK_TEXTS)
        self._examples.setdefault("out_of_scope", []).extend(OUT_OF_SCOPE_TEXTS)
        for article, (_, keywords) in articles.items():
            intent = f"faq/{article}"
            if intent not in self._examples:
                self._examples[intent] = [f"c est quoi {k}" for k in keywords] or [article]
        self._titles = {f"faq/{a}": title for a, (title, _) in articles.items()}

    def question(self, intent: str) -> str:
        return self._rng.choice(self._examples.get(intent) or [intent.replace("_", " ")])

    def answer(self, intent: str) -> str:
        if intent in self._titles:
            return f"{self._titles[intent]} : les bons réflexes…"
        if intent == "nlu_fallback":
            return "Je n’ai pas bien compris. Vouliez-vous parler de… ?"
        return "…"


def _zipf(n: int, exponent: float = 0.9) -> list[float]:
    return [1.0 / (rank + 1) ** exponent for rank in range(n)]


def _hex(rng: Random, digits: int) -> str:
    return f"{rng.getrandbits(digits * 4):0{digits}x}"


# --- Writing --------------------------------------------------------------------------------


def _copy_value(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, dict | list) else value


async def _write(connection: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (every column given): COPY on PostgreSQL, multi-row INSERT elsewhere."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        columns = list(rows[0])
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        await driver.copy_records_to_table(
            table.name,
            records=[tuple(_copy_value(row[c]) for c in columns) for row in rows],
            columns=columns,
        )
        return
    for start in range(0, len(rows), 2_000):
        await connection.execute(insert(table), list(rows[start : start + 2_000]))


async def _next_ids(connection: AsyncConnection, tables: Iterable[Table]) -> dict[str, int]:
    found = {}
    for table in tables:
        highest = await connection.scalar(select(func.max(table.c.id)))
        found[table.name] = int(highest or 0) + 1
    return found


async def _reset_sequences(connection: AsyncConnection, tables: Iterable[Table]) -> None:
    """Explicit ids skip PostgreSQL's sequences: move them past the rows (SQLite's
    AUTOINCREMENT follows by itself)."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        await connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}), false)"
            )
        )


async def _analyze(engine: AsyncEngine, tables: Iterable[Table]) -> None:
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        for table in tables:
            if connection.dialect.name == "postgresql":
                await autocommit.execute(text(f"VACUUM ANALYZE {table.name}"))
            else:
                await autocommit.execute(text(f"ANALYZE {table.name}"))


# --- The generator --------------------------------------------------------------------------


class _Generator:
    def __init__(
        self, sizes: Sizes, seed: int, now: datetime, ids: dict[str, int], knowledge: Path
    ) -> None:
        self.sizes = sizes
        self.rng = Random(seed)
        self.clock = _Clock(now, self.rng)
        self.now = self.clock.now
        self.ids = dict(ids)
        base = KnowledgeBase.load(knowledge)
        articles = {a.id: (a.title, a.keywords) for a in base}
        self.texts = _Texts(articles, self.rng)
        self.articles = list(articles)
        self.rng.shuffle(self.articles)  # which topics are popular
        self.facilities: list[_Facility] = []
        self.technicians: list[_Person] = []
        self._facility_weights: list[float] = []
        self.counts = Counts()

    def _id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def _staff_pick(self) -> tuple[_Facility, _Person]:
        """Someone of a facility, the busier facilities and people more often."""
        if not self._facility_weights:
            self._facility_weights = list(
                itertools.accumulate(f.size * f.activity for f in self.facilities)
            )
        facility = self.rng.choices(self.facilities, cum_weights=self._facility_weights)[0]
        return facility, self.rng.choices(facility.staff, cum_weights=facility.staff_weights)[0]

    # Facilities and people.

    def people_rows(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        rng = self.rng
        kinds = [k for k, _, _ in FACILITY_KINDS]
        kind_weights = [w for _, w, _ in FACILITY_KINDS]
        facility_rows: list[dict[str, Any]] = []
        person_rows: list[dict[str, Any]] = []
        names: set[str] = set()
        chat_ids = itertools.count(FIRST_CHAT_ID + rng.randrange(10_000) * 1_000)

        def person(
            facility_id: int | None, role: str, job: str | None, name: str | None
        ) -> _Person:
            chat_id = next(chat_ids)
            row = _Person(
                self._id("people"), chat_id, pseudonymize(chat_id, SECRET), facility_id, role
            )
            removed = role == "staff" and rng.random() < 0.03
            person_rows.append(
                {
                    "id": row.id,
                    "channel": "telegram",
                    "chat_id": chat_id,
                    "sender": row.sender,
                    "facility_id": facility_id,
                    "role": role,
                    "job": job,
                    "name": name,
                    "active": not removed,
                    "created_at": self.clock.start - timedelta(days=rng.randrange(1, 60)),
                    "removed_at": self.now - timedelta(days=rng.randrange(1, 200))
                    if removed
                    else None,
                    "address_key": None,
                }
            )
            return row

        for _ in range(self.sizes.facilities):
            kind = rng.choices(kinds, weights=kind_weights)[0]
            low, high = next(s for k, _, s in FACILITY_KINDS if k == kind)
            town = rng.choice(TOWNS)
            name = f"{kind} {rng.choice(FACILITY_NAMES)}"
            if name in names:
                name = f"{name} ({town})"
            suffix = 2
            while name in names:
                name, suffix = f"{kind} {rng.choice(FACILITY_NAMES)} {suffix}", suffix + 1
            names.add(name)
            facility = _Facility(
                self._id("facilities"), rng.randint(low, high), rng.uniform(0.3, 1.6)
            )
            facility_rows.append(
                {
                    "id": facility.id,
                    "name": name,
                    "town": town,
                    "finess": f"{rng.randrange(10**9):09d}",
                    "hours": rng.choice(HOURS),
                    "timezone": "Europe/Paris",
                    "referent_contact": None,
                    "created_at": self.clock.start - timedelta(days=rng.randrange(60, 120)),
                }
            )
            facility.referent = person(
                facility.id, "referent", "management", rng.choice(REFERENT_NAMES)
            )
            for _ in range(facility.size):
                job = rng.choices(("care", "admin", "management", "other"), (75, 12, 5, 8))[0]
                facility.staff.append(person(facility.id, "staff", job, None))
            facility.staff.append(facility.referent)  # referents ask questions too
            rng.shuffle(facility.staff)
            facility.staff_weights = list(itertools.accumulate(_zipf(len(facility.staff), 0.7)))
            self.facilities.append(facility)
        for name in TECHNICIANS:
            self.technicians.append(person(None, "technician", None, name))
        person(None, "admin", None, "Administrateur")
        self.counts.facilities = len(facility_rows)
        self.counts.people = len(person_rows)
        return facility_rows, person_rows

    # Turns.

    def turn_chunks(self) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
        """Turns, oldest first, by chunks; with the 👍 / 👎 given under some answers."""
        rng = self.rng
        intents = [f"faq/{a}" for a in self.articles] + list(INTENT_WEIGHTS)
        faq = _zipf(len(self.articles), 0.8)
        weights = [FAQ_WEIGHT * w / sum(faq) for w in faq] + list(INTENT_WEIGHTS.values())
        cumulative = list(itertools.accumulate(weights))
        gone = [pseudonymize(FIRST_CHAT_ID - 1 - i, SECRET) for i in range(40)]
        moments = self.clock.moments(self.sizes.turns)
        for start in range(0, len(moments), CHUNK):
            rows: list[dict[str, Any]] = []
            feedback: list[dict[str, Any]] = []
            for moment in moments[start : start + CHUNK]:
                intent = rng.choices(intents, cum_weights=cumulative)[0]
                if rng.random() < GONE_SHARE:
                    sender = rng.choice(gone)
                    self.counts.turns_without_facility += 1
                else:
                    sender = self._staff_pick()[1].sender
                if intent == "nlu_fallback":
                    confidence = rng.uniform(0.05, 0.45)
                else:
                    draw = rng.random()
                    confidence = (
                        rng.uniform(0.7, 0.995)
                        if draw < 0.86
                        else rng.uniform(0.5, 0.7)
                        if draw < 0.97
                        else rng.uniform(0.3, 0.5)  # answered, but for the review queue
                    )
                rows.append(
                    {
                        "id": self._id("turns"),
                        "created_at": moment,
                        "channel": "telegram",
                        "sender": sender,
                        "text_in": self.texts.question(intent),
                        "text_out": self.texts.answer(intent),
                        "intent": intent,
                        "confidence": round(confidence, 4),
                        "article_id": intent[4:] if intent.startswith("faq/") else None,
                        "inbox_id": None,
                        "latency_ms": int(rng.lognormvariate(6.5, 0.4)),
                    }
                )
                if intent.startswith("faq/") and rng.random() < FEEDBACK_SHARE:
                    feedback.append(
                        {
                            "turn_id": rows[-1]["id"],
                            "useful": rng.random() < (0.85 if confidence >= 0.5 else 0.4),
                            "at": min(moment + timedelta(seconds=rng.randrange(10, 600)), self.now),
                        }
                    )
            self.counts.turns += len(rows)
            self.counts.feedback += len(feedback)
            yield rows, feedback

    # Tickets.

    def ticket_rows(self) -> list[dict[str, Any]]:
        rng = self.rng
        rows: list[dict[str, Any]] = []
        numbers: dict[int, int] = {}
        median_hours = {"critical": 3.0, "high": 8.0, "normal": 24.0, "low": 60.0}
        for created in self.clock.moments(self.sizes.tickets):
            facility, requester = self._staff_pick()
            urgency = rng.choices(("low", "normal", "high", "critical"), (25, 50, 20, 5))[0]
            derived = urgency if rng.random() < 0.85 else rng.choice(("low", "normal", "high"))
            age = self.now - created
            if age > timedelta(days=30):
                status = rng.choices(("closed", "resolved", "waiting", "reopened"), (82, 16, 1, 1))[
                    0
                ]
            else:
                status = rng.choices(
                    ("new", "in_progress", "waiting", "resolved", "closed", "reopened"),
                    (12, 22, 10, 34, 20, 2),
                )[0]
            resolved = closed = None
            if status in ("resolved", "closed"):
                hours = rng.lognormvariate(math.log(median_hours[urgency]), 0.9)
                resolved = min(created + timedelta(hours=hours), self.now)
                if status == "closed":
                    closed = min(resolved + timedelta(days=rng.uniform(0.5, 14)), self.now)
            updated = (
                closed or resolved or min(created + timedelta(hours=rng.uniform(0, 48)), self.now)
            )
            year = created.year
            numbers[year] = numbers.get(year, 0) + 1
            rows.append(
                {
                    "id": self._id("tickets"),
                    "reference": f"VIG-{year}-{numbers[year]:05d}",
                    "year": year,
                    "number": numbers[year],
                    "idempotency_key": _hex(rng, 32),
                    "facility_id": facility.id,
                    "requester_id": requester.id,
                    "problem": rng.choice(PROBLEMS),
                    "device": rng.choice(DEVICES),
                    "scope": rng.choice(SCOPES),
                    "care_impact": rng.choices(CARE_IMPACTS, (15, 35, 50))[0],
                    "urgency": urgency,
                    "urgency_derived": derived,
                    "status": status,
                    "assignee_id": None if status == "new" else rng.choice(self.technicians).id,
                    "created_at": created,
                    "updated_at": updated,
                    "resolved_at": resolved,
                    "closed_at": closed,
                }
            )
        self.counts.tickets = len(rows)
        return rows

    # Suspicious e-mails.

    def phishing_rows(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        rng = self.rng
        total = self.sizes.reports
        n_campaigns = max(1, total // 4) if total else 0
        campaign_rows: list[dict[str, Any]] = []
        report_rows: list[dict[str, Any]] = []
        sizes = _zipf(n_campaigns, 1.1)
        chosen = sorted(rng.choices(range(n_campaigns), weights=sizes, k=total)) if total else []
        update_ids = itertools.count(rng.randrange(10**6, 10**7))
        for index, group in itertools.groupby(chosen):
            count = len(list(group))
            first = self.clock.moment()
            verdict = rng.choices(("phishing", "spam", "legit", None), (60, 25, 8, 7))[0]
            subject = rng.choice(SUBJECTS).format(n=rng.randrange(1000, 99999))
            moments = sorted(
                min(first + timedelta(hours=rng.expovariate(1 / 20)), self.now)
                for _ in range(count)
            )
            campaign_id = self._id("phishing_campaigns")
            technician = rng.choice(self.technicians)
            verdict_at = moments[0] + timedelta(minutes=rng.uniform(5, 240)) if verdict else None
            warned = verdict == "phishing" and count >= 3 and rng.random() < 0.6
            campaign_rows.append(
                {
                    "id": campaign_id,
                    "created_at": moments[0],
                    "last_seen_at": moments[-1],
                    "subject": subject,
                    "sender_domain": rng.choice(DOMAINS),
                    "verdict": verdict,
                    "verdict_by_id": technician.id if verdict else None,
                    "verdict_at": min(verdict_at, self.now) if verdict_at else None,
                    "warned_at": min(verdict_at, self.now) if warned and verdict_at else None,
                    "warned_scope": rng.choice(("facilities", "all")) if warned else None,
                    "warned_by_id": technician.id if warned else None,
                    "warn_batch": f"warn-{index}" if warned else None,
                    "warn_total": rng.randrange(20, 400) if warned else 0,
                    "warn_reported_at": None,
                }
            )
            for moment in moments:
                facility, person = self._staff_pick()
                source = rng.choices(
                    ("eml", "text", "photo", "msg", "mailbox"), (40, 25, 15, 5, 15)
                )[0]
                if verdict == "phishing":
                    mail_verdict = rng.choices(("dangereux", "douteux"), (75, 25))[0]
                elif verdict == "legit":
                    mail_verdict = rng.choices(("sans_danger", "douteux"), (80, 20))[0]
                else:
                    mail_verdict = rng.choices(
                        ("dangereux", "douteux", "sans_danger"), (25, 50, 25)
                    )[0]
                action = rng.choices(
                    (
                        None,
                        "none",
                        "clicked",
                        "clicked_asked",
                        "credentials",
                        "attachment",
                        "replied",
                    ),
                    (25, 55, 8, 3, 2, 4, 3),
                )[0]
                score = {"dangereux": 80, "douteux": 45, "sans_danger": 10}[mail_verdict]
                report_rows.append(
                    {
                        "id": self._id("phishing_reports"),
                        "created_at": moment,
                        "campaign_id": campaign_id,
                        "person_id": person.id,
                        "facility_id": facility.id,
                        "sender": person.sender,
                        "channel": "mailbox" if source == "mailbox" else "telegram",
                        "chat_id": person.chat_id,
                        "source": source,
                        "filename": FILENAMES[source],
                        "size": rng.randrange(2_000, 400_000),
                        "sha256": _hex(rng, 64),
                        "original": None,  # purged after a while
                        "verdict": mail_verdict,
                        "score": score + rng.randrange(-10, 11),
                        "analysis": {
                            "reasons": ["sender_domain", "link_host"][: rng.randint(1, 2)]
                        },
                        "subject": subject,
                        "mail_action": action,
                        "action_at": moment + timedelta(minutes=2) if action else None,
                        "ticket_reference": None,
                        "notified_at": moment + timedelta(seconds=5),
                        "verdict_told_at": moment + timedelta(seconds=3),
                        "update_key": f"mailbox:{_hex(rng, 32)}"
                        if source == "mailbox"
                        else f"telegram:{next(update_ids)}",
                    }
                )
        self.counts.campaigns = len(campaign_rows)
        self.counts.reports = len(report_rows)
        return campaign_rows, report_rows

    # Incidents.

    def incident_rows(self) -> list[dict[str, Any]]:
        rng = self.rng
        rows: list[dict[str, Any]] = []
        numbers: dict[int, int] = {}
        total = self.sizes.facilities + self.sizes.facilities // 5
        for created in self.clock.moments(total):
            facility, reporter = self._staff_pick()
            kind = rng.choices(("incident", "lost_device"), (65, 35))[0]
            recent = self.now - created < timedelta(days=7)
            status = rng.choice(("open", "taken", "closed")) if recent else "closed"
            taken_at = created + timedelta(minutes=rng.uniform(2, 40)) if status != "open" else None
            year = created.year
            numbers[year] = numbers.get(year, 0) + 1
            technician = rng.choice(self.technicians)
            rows.append(
                {
                    "id": self._id("incidents"),
                    "reference": f"INC-{year}-{numbers[year]:05d}",
                    "year": year,
                    "number": numbers[year],
                    "idempotency_key": _hex(rng, 32),
                    "facility_id": facility.id,
                    "reporter_id": reporter.id,
                    "kind": kind,
                    "urgency": rng.choice(("high", "critical")),
                    "what": rng.choice(INCIDENT_TEXTS) if kind == "incident" else None,
                    "since": "ce matin",
                    "extent": "un poste" if kind == "incident" else None,
                    "care_continues": rng.choice(("yes", "degraded", "no")),
                    "data_affected": rng.choice(("yes", "no", "unknown")),
                    "actions_taken": "poste débranché du réseau" if kind == "incident" else None,
                    "lost_device": rng.choice(LOST_DEVICES) if kind == "lost_device" else None,
                    "device_locked": rng.choice(("yes", "no", "unknown"))
                    if kind == "lost_device"
                    else None,
                    "status": status,
                    "taken_by_id": technician.id if taken_at else None,
                    "taken_at": min(taken_at, self.now) if taken_at else None,
                    "escalation_chain": {"levels": [[]]},
                    "escalation_level": 0,
                    "last_paged_at": created,
                    "discovered_at": created - timedelta(minutes=rng.uniform(0, 120)),
                    "breach_answer": None,
                    "breach_answered_at": None,
                    "reminders_sent": 0,
                    "details_complete": True,
                    "director_told": True,
                    "created_at": created,
                    "updated_at": min(created + timedelta(hours=rng.uniform(1, 72)), self.now),
                    "closed_at": min(created + timedelta(hours=rng.uniform(2, 96)), self.now)
                    if status == "closed"
                    else None,
                }
            )
        self.counts.incidents = len(rows)
        return rows


def _feedback_table() -> Table | None:
    """The table of the 👍 / 👎 under the answers, if the schema has one."""
    table = Base.metadata.tables.get("answer_feedback")
    if table is None or not {"turn_id", "useful", "at"} <= set(table.c.keys()):
        return None
    return table


TABLES: tuple[Table, ...] = tuple(
    model.__table__  # type: ignore[misc]
    for model in (Facility, Person, Turn, Ticket, PhishingCampaign, PhishingReport, Incident)
)


async def generate(
    url: str,
    sizes: Sizes = Sizes(),
    *,
    seed: int = 1,
    now: datetime | None = None,
    knowledge_dir: Path = KNOWLEDGE_DIR,
) -> Counts:
    """Migrate ``url``'s database and fill it (see the module's docstring); what was added."""
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            existing = await connection.scalar(select(func.count()).select_from(Facility))
            if existing:
                raise SystemExit(
                    f"{make_url(url).database}: already has facilities; use an empty database"
                )
            ids = await _next_ids(connection, TABLES)
            generator = _Generator(sizes, seed, now or datetime.now(UTC), ids, knowledge_dir)
            facilities, people = generator.people_rows()
            await _write(connection, Facility.__table__, facilities)  # type: ignore[arg-type]
            await _write(connection, Person.__table__, people)  # type: ignore[arg-type]
            feedback_table = _feedback_table()
            for turns, feedback in generator.turn_chunks():
                await _write(connection, Turn.__table__, turns)  # type: ignore[arg-type]
                if feedback_table is not None:
                    await _write(connection, feedback_table, feedback)
            if feedback_table is None:
                generator.counts.feedback = 0
            await _write(connection, Ticket.__table__, generator.ticket_rows())  # type: ignore[arg-type]
            campaigns, reports = generator.phishing_rows()
            await _write(connection, PhishingCampaign.__table__, campaigns)  # type: ignore[arg-type]
            await _write(connection, PhishingReport.__table__, reports)  # type: ignore[arg-type]
            await _write(connection, Incident.__table__, generator.incident_rows())  # type: ignore[arg-type]
            await _reset_sequences(connection, TABLES)
        await _analyze(engine, [*TABLES, *([feedback_table] if feedback_table is not None else [])])
    finally:
        await engine.dispose()
    return generator.counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "database_url", help="e.g. postgresql+asyncpg://postgres@127.0.0.1/vigie_bench"
    )
    parser.add_argument("--facilities", type=int, default=Sizes.facilities)
    parser.add_argument("--turns", type=int, default=Sizes.turns)
    parser.add_argument("--tickets", type=int, default=Sizes.tickets)
    parser.add_argument("--reports", type=int, default=Sizes.reports)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.facilities < 1:
        parser.error("--facilities: at least 1")
    sizes = Sizes(args.facilities, args.turns, args.tickets, args.reports)
    started = time.perf_counter()
    counts = asyncio.run(generate(args.database_url, sizes, seed=args.seed))
    elapsed = time.perf_counter() - started
    print(
        f"{counts.facilities} facilities, {counts.people} people, {counts.turns} turns "
        f"({counts.turns_without_facility} from people since deleted), {counts.tickets} tickets, "
        f"{counts.campaigns} campaigns, {counts.reports} reports, {counts.incidents} incidents, "
        f"{counts.feedback} 👍/👎 "
        f"in {elapsed:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
