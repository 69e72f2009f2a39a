"""The helpdesk mailer against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import logging
import socket
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.auxil.smtp import SmtpSink
from tests.auxil.toggle_proxy import free_port
from vigie.core.settings import Settings
from vigie.outbox.mailer import MailError, build_email, send_email

PAYLOAD: dict[str, Any] = {
    "subject": "[VIG-2026-00042] Imprimante bloquée — EHPAD Les Tilleuls",
    "body": "Problème : l’imprimante du 2e étage n’imprime plus.\nÉtablissement : Les Tilleuls\n",
    "message_id": "vig-2026-00042.1@vigie.local",
    "in_reply_to": None,
    "references": [],
}


def settings_for(port: int, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_timeout_seconds": 2.0,
        "mail_from": "vigie@ehpad.example",
        "helpdesk_mail_to": "support@prestataire.example",
        "helpdesk_reply_to": "noreply@prestataire.example",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_build_email_headers_and_body() -> None:
    payload = dict(
        PAYLOAD,
        in_reply_to="vig-2026-00042.0@vigie.local",
        references=["vig-2026-00042.0@vigie.local"],
    )
    message = build_email(payload, settings_for(25))
    assert message["From"] == "vigie@ehpad.example"
    assert message["To"] == "support@prestataire.example"
    assert message["Reply-To"] == "noreply@prestataire.example"
    assert message["Subject"] == PAYLOAD["subject"]
    assert message["Message-ID"] == "<vig-2026-00042.1@vigie.local>"
    assert message["In-Reply-To"] == "<vig-2026-00042.0@vigie.local>"
    assert message["References"] == "<vig-2026-00042.0@vigie.local>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Vigie-Reference"] == "VIG-2026-00042"
    assert message["Date"]
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content() == PAYLOAD["body"]


def test_build_email_minimal() -> None:
    payload = {"subject": "Bonjour\r\nBcc: evil@example.com", "body": "x", "message_id": "<a@b>"}
    message = build_email(payload, settings_for(25, helpdesk_reply_to=None), to="other@example.com")
    assert message["To"] == "other@example.com"
    assert message["Reply-To"] is None
    assert message["In-Reply-To"] is None
    assert message["References"] is None
    assert message["X-Vigie-Reference"] is None
    assert message["Bcc"] is None
    assert message["Subject"] == "Bonjour Bcc: evil@example.com"
    assert message["Message-ID"] == "<a@b>"


@pytest.mark.parametrize("missing", ["subject", "body", "message_id"])
def test_build_email_bad_payload(missing: str) -> None:
    payload = {key: value for key, value in PAYLOAD.items() if key != missing}
    with pytest.raises(MailError) as caught:
        build_email(payload, settings_for(25))
    assert caught.value.code == "bad_payload"
    assert caught.value.permanent


def test_build_email_without_recipient_is_a_configuration_error() -> None:
    with pytest.raises(MailError) as caught:
        build_email(PAYLOAD, settings_for(25, helpdesk_mail_to=None))
    assert caught.value.code == "no_recipient"
    assert not caught.value.permanent  # retried: it goes once HELPDESK_MAIL_TO is set


async def test_send_email(smtp_sink: SmtpSink) -> None:
    settings = settings_for(smtp_sink.port)
    await send_email(build_email(PAYLOAD, settings), settings)
    [received] = smtp_sink.received()
    assert received.mail_from == "vigie@ehpad.example"
    assert received.rcpt_tos == ["support@prestataire.example"]
    message = received.message
    assert message["Subject"] == PAYLOAD["subject"]
    assert message["From"] == "vigie@ehpad.example"
    assert message["Reply-To"] == "noreply@prestataire.example"
    assert message["Message-ID"] == "<vig-2026-00042.1@vigie.local>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Vigie-Reference"] == "VIG-2026-00042"
    assert message.get_content().replace("\r\n", "\n") == PAYLOAD["body"]
    assert "n’imprime" in message.get_content()


async def test_send_email_with_login(caplog: pytest.LogCaptureFixture) -> None:
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        ok = auth_data.password == "s3cret-pâss".encode()
        return AuthResult(success=ok, handled=False)

    with SmtpSink(authenticator=authenticator, auth_require_tls=False) as sink:
        settings = settings_for(sink.port, smtp_username="vigie", smtp_password="s3cret-pâss")
        caplog.set_level(logging.DEBUG)
        await send_email(build_email(PAYLOAD, settings), settings)
        assert logins == [(b"vigie", "s3cret-pâss".encode())]
        assert len(sink.received()) == 1

        bad = settings_for(sink.port, smtp_username="vigie", smtp_password="wrong")
        with pytest.raises(MailError) as caught:
            await send_email(build_email(PAYLOAD, bad), bad)
        assert caught.value.code == "smtp_535"
        assert not caught.value.permanent  # retried: it goes once the password is fixed
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("vigie"))
    assert "e-mail sent" in ours
    assert "s3cret" not in ours
    assert "imprime" not in ours


async def test_refused_recipient_is_permanent() -> None:
    with SmtpSink(rcpt_answer="550 5.1.1 No such user") as sink:
        settings = settings_for(sink.port)
        with pytest.raises(MailError) as caught:
            await send_email(build_email(PAYLOAD, settings), settings)
    assert caught.value.code == "smtp_550"
    assert caught.value.permanent
    assert sink.received() == []


async def test_greylisted_recipient_is_temporary() -> None:
    with SmtpSink(rcpt_answer="451 4.7.1 Greylisted, try again later") as sink:
        settings = settings_for(sink.port)
        with pytest.raises(MailError) as caught:
            await send_email(build_email(PAYLOAD, settings), settings)
    assert caught.value.code == "smtp_451"
    assert not caught.value.permanent


async def test_starttls_unsupported_is_a_temporary_configuration_error(
    smtp_sink: SmtpSink,
) -> None:
    settings = settings_for(smtp_sink.port, smtp_security="starttls")
    with pytest.raises(MailError) as caught:
        await send_email(build_email(PAYLOAD, settings), settings)
    assert caught.value.code == "smtp_not_supported"
    assert not caught.value.permanent
    assert smtp_sink.received() == []


async def test_nothing_listening_is_temporary() -> None:
    settings = settings_for(free_port())
    with pytest.raises(MailError) as caught:
        await send_email(build_email(PAYLOAD, settings), settings)
    assert caught.value.code == "connection_error"
    assert not caught.value.permanent


async def test_silent_server_times_out() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)  # accepts the connection (backlog) but never greets
        settings = settings_for(server.getsockname()[1], smtp_timeout_seconds=0.3)
        with pytest.raises(MailError) as caught:
            await send_email(build_email(PAYLOAD, settings), settings)
    assert caught.value.code == "timeout"
    assert not caught.value.permanent


async def test_no_smtp_host_is_a_temporary_configuration_error() -> None:
    settings = settings_for(25, smtp_host=None)
    with pytest.raises(MailError) as caught:
        await send_email(build_email(PAYLOAD, settings), settings)
    assert caught.value.code == "smtp_not_configured"
    assert not caught.value.permanent


class RefusingSink(SmtpSink):
    """Accepts the envelope, then answers DATA with ``data_answer``."""

    def __init__(self, data_answer: str) -> None:
        super().__init__()
        self.data_answer = data_answer

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return self.data_answer


@pytest.mark.parametrize(
    ("answer", "code", "permanent"),
    [
        ("554 5.7.1 Message refused as spam", "smtp_554", True),
        ("451 4.3.0 Try again later", "smtp_451", False),
    ],
)
async def test_refused_message(answer: str, code: str, permanent: bool) -> None:
    with RefusingSink(answer) as sink:
        settings = settings_for(sink.port)
        with pytest.raises(MailError) as caught:
            await send_email(build_email(PAYLOAD, settings), settings)
    assert caught.value.code == code
    assert caught.value.permanent is permanent


async def test_refused_sender_is_a_temporary_configuration_error() -> None:
    class SenderRefused(SmtpSink):
        async def handle_MAIL(
            self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
        ) -> str:
            return "553 5.7.1 Sender address rejected: not owned by user"

    with SenderRefused() as sink:
        settings = settings_for(sink.port)
        with pytest.raises(MailError) as caught:
            await send_email(build_email(PAYLOAD, settings), settings)
    assert caught.value.code == "smtp_553"
    assert not caught.value.permanent  # MAIL_FROM is wrong: fixed by the administrator
    assert sink.received() == []
