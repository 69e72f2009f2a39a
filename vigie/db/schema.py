"""Every feature's tables on one metadata, for Alembic and the migration tests."""

from __future__ import annotations

from sqlalchemy import MetaData

from vigie.awareness import models as awareness_models
from vigie.console import models as console_models
from vigie.conversation import models as conversation_models
from vigie.conversation.trackers import RASA_TABLES
from vigie.db import leases as lease_models
from vigie.db.base import Base
from vigie.incidents import models as incident_models
from vigie.outbox import models as outbox_models
from vigie.people import models as people_models
from vigie.phishing import models as phishing_models
from vigie.tickets import models as ticket_models

FEATURE_MODELS = (
    conversation_models,
    people_models,
    ticket_models,
    outbox_models,
    phishing_models,
    incident_models,
    console_models,
    awareness_models,
    lease_models,
)


def metadata() -> MetaData:
    """The metadata holding every table (the feature modules above are imported)."""
    return Base.metadata


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's filter of the names it reflects from a database: Rasa's tables (its tracker
    store's, ``vigie/conversation/trackers.py``) are never compared, created or dropped."""
    return not (type_ == "table" and name in RASA_TABLES)
