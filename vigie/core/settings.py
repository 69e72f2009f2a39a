"""Typed settings, read once from the environment (and an optional ``.env`` file)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from vigie.core import reflexes
from vigie.core.hours import parse_hours

ROOT = Path(__file__).resolve().parents[2]
# PSEUDONYM_SECRET: at least this many characters, with this many different ones (a random
# draw, not a word or a repeated pattern).
MIN_SECRET_CHARS = 32
MIN_SECRET_DISTINCT = 10
#: The time zone of the provider's hours when the facility is unknown.
DEFAULT_TIMEZONE = "Europe/Paris"


class Settings(BaseSettings):
    """Everything that varies by deployment. Secrets are ``SecretStr`` and never logged."""

    model_config = SettingsConfigDict(
        env_file=ROOT / ".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Telegram
    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    telegram_mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_secret_token: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443

    # Internal services (loopback only)
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_port: int = 5005
    rasa_enable_api: bool = False
    # Required with RASA_ENABLE_API (Rasa's HTTP API can load models): every call carries it.
    rasa_api_token: SecretStr | None = None
    actions_port: int = 5055
    rasa_timeout_seconds: float = Field(default=10.0, gt=0)
    rasa_retries: int = Field(default=2, ge=0, le=5)
    retry_interval_seconds: float = Field(default=5.0, gt=0)
    # How long a bot process holds an inbox item it handles (renewed at a third of it): after
    # a crash, another process takes the chat over once it has run out.
    inbox_lease_seconds: float = Field(default=60.0, ge=5)
    # This bot process's name among several (bot-1, bot-2…: unique per process, the same after
    # a restart, so that it takes its own leases back at once; docs/deployment.md).
    bot_instance: str = Field(default="bot-1", pattern=r"^[A-Za-z0-9_.-]{1,32}$")

    # Several Rasa servers (docs/architecture.md « Several Rasa servers »): the supervisor
    # starts RASA_REPLICAS servers on consecutive ports from RASA_PORT, the bot spreads the
    # conversations over as many consecutive ports from RASA_URL's. From two on they need
    # PostgreSQL (the shared tracker store) and Redis for Rasa's lock store: REDIS_URL,
    # redis://[user:password@]host[:port][/db] (rediss:// for TLS), also used with one server.
    rasa_replicas: int = Field(default=1, ge=1, le=16)
    redis_url: SecretStr | None = None

    # The follow-up console (console/): 127.0.0.1 only; in production behind the provider's
    # HTTPS reverse proxy, whose address is CONSOLE_PUBLIC_URL (the links sent by /console).
    console_port: int = Field(default=8090, ge=1, le=65535)
    console_public_url: str | None = None
    console_link_minutes: int = Field(default=10, ge=1, le=60)
    console_idle_minutes: int = Field(default=30, ge=5, le=480)
    console_session_hours: int = Field(default=12, ge=1, le=24)
    # Each facility's referents receive last month's report (PDF) in Telegram on the 1st.
    monthly_reports: bool = True
    # The tips of the week (vigie/awareness): on working days between these local hours, and
    # never on a holiday of these calendars ("fr": France's public holidays; empty: none).
    tips_from_hour: int = Field(default=10, ge=7, le=20)
    tips_until_hour: int = Field(default=17, ge=8, le=21)
    tips_calendars: str = "fr"

    # Data
    database_url: str = f"sqlite+aiosqlite:///{ROOT / 'var' / 'vigie.db'}"
    knowledge_dir: Path = ROOT / "knowledge"
    models_dir: Path = ROOT / "models"
    # The sent journal (vigie/conversation/journal.py): one small file per database, by
    # default next to the SQLite file, or in var/ for PostgreSQL.
    journal_dir: Path | None = None
    retention_days: int = Field(default=365, ge=1)
    # Every record has an end (docs/privacy.md): a resolved ticket the requester never confirmed
    # closes itself after TICKET_AUTOCLOSE_DAYS, an open ticket nobody touched after
    # TICKET_ABANDON_DAYS; closed tickets and their timelines go after TICKET_RETENTION_DAYS;
    # expired, revoked or used-up invitations after INVITATION_RETENTION_DAYS; people deactivated
    # or removed after PEOPLE_RETENTION_DAYS (their tickets stay, unlinked).
    ticket_autoclose_days: int = Field(default=14, ge=1)
    ticket_abandon_days: int = Field(default=180, ge=1)
    ticket_retention_days: int = Field(default=730, ge=1)
    invitation_retention_days: int = Field(default=90, ge=1)
    people_retention_days: int = Field(default=365, ge=1)
    pseudonym_secret: SecretStr = SecretStr("")
    max_message_chars: int = Field(default=2000, ge=100, le=4096)

    # The provider and the facility (filled into the knowledge base and the texts)
    provider_name: str = "votre prestataire informatique"
    provider_hotline: str = "le numéro de l’assistance affiché au poste de soins"
    provider_oncall: str = "le numéro d’astreinte affiché au poste de soins"
    helpdesk_email: str = "l’adresse de l’assistance de votre prestataire"
    dpo_contact: str = "le délégué à la protection des données (DPO) de l’établissement"
    referent_contact: str = "la direction ou le référent cyber de l’établissement"

    # Tickets: technicians, the provider's hours, the outbox
    provider_hours: str = "lun-ven 08:30-18:00"
    technicians_chat_id: int | None = None
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    # A row still failing temporarily this long after it was written is marked failed.
    outbox_give_up_hours: float = Field(default=48.0, gt=0)
    # Chat messages of the outbox sent per second at most, evenly (Telegram allows a bot about
    # 30 a second in all): what is left over is for the live replies, which never wait behind
    # a batch such as the tips of the week (vigie/outbox/dispatcher.py).
    outbox_chat_rate: float = Field(default=25.0, gt=0)

    # Incidents (vigie/incidents/, docs/incidents.md): without a « Je m'en occupe » within
    # INCIDENT_ACK_MINUTES the incident is paged again and escalated one step (the on-call
    # backups of ONCALL_ROSTER, then the facility's referents). ONCALL_ROSTER names who is on
    # call, slot by slot, in the facility's time zone: « <hours>=<chat id>,<backup chat id>… »
    # separated by « | », the first slot that matches wins, « * » matches any time:
    # « lun-ven 08:00-18:00=111,222 | *=333,111 ». Empty: no on-call technician.
    incident_ack_minutes: float = Field(default=10.0, gt=0)
    # An incident is declared as its form starts; a reporter who leaves the form: the
    # director's part goes with what is known after this many minutes.
    incident_form_minutes: float = Field(default=15.0, gt=0)
    oncall_roster: str = ""

    # E-mail to the provider's helpdesk (enabled when SMTP_HOST and HELPDESK_MAIL_TO are set)
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    mail_from: str = "vigie@localhost"
    helpdesk_mail_to: str | None = None
    helpdesk_reply_to: str | None = None

    # Suspicious e-mails: the facilities' and the provider's own domains, added to the default
    # trusted list (lookalikes of them are flagged). Comma-separated in the environment.
    mail_trusted_domains: Annotated[list[str], NoDecode] = []
    # The facility's receiving mail servers, as they name themselves in Authentication-Results
    # (« mx.ehpad-les-tilleuls.fr »): when set, such headers written by anyone else are ignored.
    mail_authserv_ids: Annotated[list[str], NoDecode] = []
    # Reports of suspicious e-mails: reports sharing a sender domain, a link host, a subject
    # or an attachment within this window form one campaign; the original files are kept this
    # many days (the reports themselves RETENTION_DAYS); technicians get a report once the
    # person said what they did, or after this many minutes; a person asked for an e-mail has
    # this many minutes to send it.
    phishing_campaign_window_hours: float = Field(default=72.0, gt=0)
    phishing_keep_days: int = Field(default=30, ge=1)
    phishing_notify_after_minutes: float = Field(default=10.0, gt=0)
    phishing_expect_minutes: float = Field(default=30.0, gt=0)

    # The reporting mailbox (vigie/phishing/mailbox.py): staff forward suspicious mail to
    # REPORT_MAILBOX_ADDRESS; Vigie reads it over IMAP, answers each reporter by e-mail (SMTP_*)
    # and shows the reports to the technicians. Enabled when host, user and password are set.
    report_mailbox_host: str | None = None
    report_mailbox_port: int = Field(default=993, ge=1, le=65535)
    report_mailbox_security: Literal["ssl", "none"] = "ssl"
    report_mailbox_user: str | None = None
    report_mailbox_password: SecretStr | None = None
    report_mailbox_folder: str = "INBOX"
    # A CA bundle for a server whose certificate is signed by the provider's own authority.
    report_mailbox_ca_file: Path | None = None
    report_mailbox_address: str | None = None
    report_mailbox_poll_seconds: float = Field(default=60.0, gt=0)
    report_mailbox_timeout_seconds: float = Field(default=30.0, gt=0)
    # A person links their work address in the chat (/adresse) with a code sent to it.
    address_code_minutes: float = Field(default=30.0, gt=0)

    @field_validator("mail_trusted_domains", "mail_authserv_ids", mode="before")
    @classmethod
    def _split_domains(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list | tuple):
            return [str(item).strip().lower() for item in value if str(item).strip()]
        return value

    @property
    def mail_enabled(self) -> bool:
        """Whether tickets are also sent by e-mail to the provider's helpdesk."""
        return bool(self.smtp_host and self.helpdesk_mail_to)

    def secret_problem(self) -> str | None:
        """Why ``PSEUDONYM_SECRET`` cannot protect the pseudonyms (None when it can): it must be
        at least :data:`MIN_SECRET_CHARS` characters of a random draw (``make run`` writes
        ``secrets.token_hex(32)``, 64 characters)."""
        secret = self.pseudonym_secret.get_secret_value()
        if not secret:
            return "PSEUDONYM_SECRET is empty: set it in the environment or in .env (make run creates one)."
        if len(secret) < MIN_SECRET_CHARS or len(set(secret)) < MIN_SECRET_DISTINCT:
            return (
                f"PSEUDONYM_SECRET is too weak: it must be at least {MIN_SECRET_CHARS} random "
                "characters (generate one: python -c 'import secrets; print(secrets.token_hex(32))'). "
                "Changing it changes every pseudonym: people must register again."
            )
        return None

    def api_problem(self) -> str | None:
        """Why Rasa's HTTP API cannot be opened as configured (None when it can)."""
        token = self.rasa_api_token.get_secret_value() if self.rasa_api_token else ""
        if self.rasa_enable_api and len(token) < MIN_SECRET_CHARS:
            return (
                f"RASA_ENABLE_API=true needs RASA_API_TOKEN (at least {MIN_SECRET_CHARS} random "
                "characters): Rasa's HTTP API can replace the model."
            )
        return None

    @property
    def report_mailbox_enabled(self) -> bool:
        """Whether Vigie reads the reporting mailbox over IMAP."""
        return bool(
            self.report_mailbox_host and self.report_mailbox_user and self.report_mailbox_password
        )

    def console_url(self) -> str:
        """The console's address as people reach it (no trailing slash)."""
        if self.console_public_url:
            return self.console_public_url.rstrip("/")
        return f"http://127.0.0.1:{self.console_port}"

    def sent_journal_dir(self) -> Path:
        """Where the sent journal of this database lives (``JOURNAL_DIR`` when set)."""
        if self.journal_dir is not None:
            return self.journal_dir
        prefix, _, path = self.database_url.partition(":///")
        if prefix.startswith("sqlite") and path and not path.startswith(":memory:"):
            return Path(path.split("?", 1)[0]).parent
        return ROOT / "var"

    def privacy_durations(self) -> dict[str, int]:
        """The durations the privacy notice states (``PRIVACY``), from these settings."""
        return {
            "retention_days": self.retention_days,
            "ticket_retention_days": self.ticket_retention_days,
            "people_retention_days": self.people_retention_days,
            "phishing_keep_days": self.phishing_keep_days,
        }

    def contacts(self, *, night: bool = False) -> dict[str, str]:
        """Deployment-specific contacts, as placeholders for articles and texts.

        ``{call}`` is the sentence of whom to call (:data:`vigie.core.reflexes.CALL`): the
        hotline first, or the on-call number first when ``night`` (outside the provider's
        hours, :meth:`contacts_at`).
        """
        known = {
            "provider_name": self.provider_name,
            "provider_hotline": self.provider_hotline,
            "provider_oncall": self.provider_oncall,
            "helpdesk_email": self.helpdesk_email,
            "dpo_contact": self.dpo_contact,
            "referent_contact": self.referent_contact,
        }
        known["call"] = reflexes.call(known, night=night)
        return known

    def off_hours(
        self, now: datetime, hours: str | None = None, timezone: str | None = None
    ) -> bool:
        """Whether ``now`` (aware) is outside the provider's hours for a facility (its
        ``hours`` and ``timezone``; the settings' ``PROVIDER_HOURS`` in Paris time when the
        facility is unknown). Unreadable hours count as open: the hotline comes first, and
        the on-call number is still given."""
        try:
            schedule = parse_hours(hours or self.provider_hours)
            return not schedule.is_open(now, timezone or DEFAULT_TIMEZONE)
        except ValueError:
            return False

    def contacts_at(
        self, now: datetime, hours: str | None = None, timezone: str | None = None
    ) -> dict[str, str]:
        """:meth:`contacts` for a person of a facility at ``now``: outside the provider's
        hours, the on-call number comes first in every urgent text."""
        return self.contacts(night=self.off_hours(now, hours, timezone))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, loaded on first use (never at import time)."""
    return Settings()
