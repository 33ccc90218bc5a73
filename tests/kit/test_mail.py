"""Email kit: rendering, message building, the file outbox and real SMTP delivery."""

from __future__ import annotations

import email.policy
import email.utils
import re
import smtplib
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from syllabus.config import Settings
from syllabus.kit.mail import (
    FileMailBackend,
    OutgoingMail,
    SmtpMailBackend,
    build_mail_backend,
    build_message,
    message_text,
    read_outbox,
    render_mail,
    send_mail,
)
from tests.support.smtp_server import (
    SmtpServer,
    password_authenticator,
    running_smtp_server,
)

SENDER = "Syllabus <no-reply@syllabus.local>"
BASE_URL = "https://courses.example.org"
SMTP_USER = "mailer"
SMTP_PASSWORD = "correct horse battery staple"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        base_url=BASE_URL + "/",
        data_dir=tmp_path,
        mail_backend="file",
        mail_from=SENDER,
    )


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def smtp_auth_server() -> Iterator[SmtpServer]:
    with running_smtp_server(password_authenticator(SMTP_USER, SMTP_PASSWORD)) as server:
        yield server


def _welcome(settings: Settings, name: str = "<b>Ann</b>") -> OutgoingMail:
    return render_mail("welcome", "ann@example.com", {"name": name}, settings)


def _html(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("html",))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


def _parse(data: bytes) -> EmailMessage:
    msg = message_from_bytes(data, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


# --- rendering -----------------------------------------------------------------


def test_render_produces_text_and_html_with_name_escaped_only_in_html(
    settings: Settings,
) -> None:
    mail = _welcome(settings)

    assert mail.to == "ann@example.com"
    assert mail.subject == "Welcome to Syllabus, <b>Ann</b>"
    assert "Hi <b>Ann</b>," in mail.text
    assert f"{BASE_URL}/" in mail.text
    assert "Hi &lt;b&gt;Ann&lt;/b&gt;," in mail.html
    assert "<b>Ann</b>" not in mail.html
    assert f'href="{BASE_URL}/"' in mail.html
    assert "Syllabus" in mail.html
    assert mail.headers == {}


def test_render_keeps_subject_on_one_line_whatever_the_context(
    settings: Settings,
) -> None:
    mail = _welcome(settings, name="Ann\r\nBcc: victim@example.com")

    assert "\n" not in mail.subject
    assert "\r" not in mail.subject
    assert mail.subject == "Welcome to Syllabus, Ann Bcc: victim@example.com"


# --- building ------------------------------------------------------------------


def test_build_message_is_multipart_alternative_text_then_html(
    settings: Settings,
) -> None:
    mail = _welcome(settings)
    msg = build_message(mail, SENDER)

    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    assert msg["From"] == SENDER
    assert msg["To"] == "ann@example.com"
    assert msg["Subject"] == mail.subject
    assert msg["MIME-Version"] == "1.0"


@pytest.mark.parametrize(
    ("to", "subject", "headers"),
    [
        ("ann@example.com\r\nBcc: victim@example.com", "Hello", {}),
        ("ann@example.com\nBcc: victim@example.com", "Hello", {}),
        ("ann@example.com", "Hello\r\nBcc: victim@example.com", {}),
        ("ann@example.com", "Hello\rX-Evil: 1", {}),
        ("ann@example.com", "Hello", {"List-Unsubscribe": "<x>\r\nBcc: v@e.com"}),
        ("ann@example.com", "Hello", {"X-Evil\r\nBcc": "v@example.com"}),
        ("ann@example.com", "Hello", {"Bcc: v@example.com\nX": "1"}),
        ("ann@example.com", "Hello", {"From": "attacker@example.com"}),
    ],
)
def test_header_injection_is_refused_and_nothing_is_sent(
    tmp_path: Path, to: str, subject: str, headers: dict[str, str]
) -> None:
    mail = OutgoingMail(to=to, subject=subject, text="t", html="<p>h</p>", headers=headers)
    outbox = tmp_path / "mail"

    with pytest.raises(ValueError, match="header"):
        send_mail(FileMailBackend(outbox), mail, SENDER)

    assert read_outbox(outbox) == []


def test_sender_with_line_break_is_refused(settings: Settings) -> None:
    with pytest.raises(ValueError, match="line break"):
        build_message(_welcome(settings), "a@example.com\r\nBcc: victim@example.com")


# --- file backend ------------------------------------------------------------------


def test_file_backend_writes_a_parseable_eml_with_both_parts(
    settings: Settings,
) -> None:
    backend = build_mail_backend(settings)
    assert isinstance(backend, FileMailBackend)
    mail = _welcome(settings)
    mail.headers["List-Unsubscribe"] = f"<{BASE_URL}/unsubscribe/abc>"

    send_mail(backend, mail, settings.mail_from)

    files = sorted(settings.mail_dir.iterdir())
    assert len(files) == 1
    assert re.fullmatch(r"\d{8}T\d{12}-[0-9a-f]{12}\.eml", files[0].name)
    msg = _parse(files[0].read_bytes())
    assert msg["From"] == SENDER
    assert msg["To"] == "ann@example.com"
    assert msg["Subject"] == "Welcome to Syllabus, <b>Ann</b>"
    assert msg["List-Unsubscribe"] == f"<{BASE_URL}/unsubscribe/abc>"
    assert msg["Message-ID"].endswith("@syllabus.local>")
    sent_at = email.utils.parsedate_to_datetime(msg["Date"])
    assert sent_at.utcoffset() == timedelta(0)
    text = message_text(msg)
    assert "Hi <b>Ann</b>," in text
    assert f"{BASE_URL}/" in text
    html = _html(msg)
    assert "Hi &lt;b&gt;Ann&lt;/b&gt;," in html
    assert f'href="{BASE_URL}/"' in html


def test_file_backend_leaves_no_temp_files_and_reads_oldest_first(
    tmp_path: Path,
) -> None:
    outbox = tmp_path / "nested" / "outbox"
    backend = FileMailBackend(outbox)
    for n in range(3):
        send_mail(backend, OutgoingMail("a@example.com", f"n{n}", "t", "h"), SENDER)

    assert [p.suffix for p in outbox.iterdir()] == [".eml"] * 3
    assert [m["Subject"] for m in read_outbox(outbox)] == ["n0", "n1", "n2"]


def test_read_outbox_of_missing_directory_is_empty(tmp_path: Path) -> None:
    assert read_outbox(tmp_path / "never-created") == []


def test_file_backend_logs_recipient_and_path_but_not_the_body(
    settings: Settings,
) -> None:
    backend = FileMailBackend(settings.mail_dir)
    mail = OutgoingMail("ann@example.com", "Your code", "secret-code-123", "<p>x</p>")

    with capture_logs() as logs:
        send_mail(backend, mail, SENDER)

    written = [entry for entry in logs if entry["event"] == "mail.written"]
    assert len(written) == 1
    assert written[0]["to"] == "ann@example.com"
    assert written[0]["subject"] == "Your code"
    assert Path(written[0]["path"]).parent == settings.mail_dir
    assert "secret-code-123" not in repr(logs)


# --- SMTP backend --------------------------------------------------------------------


def test_smtp_backend_delivers_to_a_real_server(
    settings: Settings, smtp_server: SmtpServer
) -> None:
    backend = SmtpMailBackend(smtp_server.host, smtp_server.port, starttls=False)
    mail = _welcome(settings)

    with capture_logs() as logs:
        send_mail(backend, mail, SENDER)

    assert len(smtp_server.received) == 1
    received = smtp_server.received[0]
    assert received.mail_from == "no-reply@syllabus.local"
    assert received.rcpt_tos == ["ann@example.com"]
    msg = _parse(received.data)
    assert msg["Subject"] == mail.subject
    # SMTP carries CRLF line endings; the words must be exactly what was rendered.
    assert message_text(msg).replace("\r\n", "\n") == mail.text
    assert "Hi &lt;b&gt;Ann&lt;/b&gt;," in _html(msg)
    assert [e["event"] for e in logs] == ["mail.sent"]
    assert logs[0]["to"] == "ann@example.com"


def test_smtp_backend_logs_in_with_the_configured_account(
    settings: Settings, smtp_auth_server: SmtpServer
) -> None:
    backend = SmtpMailBackend(
        smtp_auth_server.host,
        smtp_auth_server.port,
        username=SMTP_USER,
        password=SMTP_PASSWORD,
        starttls=False,
    )

    with capture_logs() as logs:
        send_mail(backend, _welcome(settings), SENDER)

    assert [r.rcpt_tos for r in smtp_auth_server.received] == [["ann@example.com"]]
    assert smtp_auth_server.received[0].login == SMTP_USER.encode()
    assert SMTP_PASSWORD not in repr(logs)
    assert SMTP_PASSWORD not in repr(backend)


def test_smtp_backend_with_wrong_password_raises_and_sends_nothing(
    settings: Settings, smtp_auth_server: SmtpServer
) -> None:
    backend = SmtpMailBackend(
        smtp_auth_server.host,
        smtp_auth_server.port,
        username=SMTP_USER,
        password="wrong",
        starttls=False,
    )

    with pytest.raises(smtplib.SMTPAuthenticationError):
        send_mail(backend, _welcome(settings), SENDER)

    assert smtp_auth_server.received == []


def test_smtp_backend_refuses_to_fall_back_to_plaintext_without_starttls(
    settings: Settings, smtp_server: SmtpServer
) -> None:
    backend = SmtpMailBackend(smtp_server.host, smtp_server.port, starttls=True)

    with pytest.raises(smtplib.SMTPNotSupportedError):
        send_mail(backend, _welcome(settings), SENDER)

    assert smtp_server.received == []


def test_build_mail_backend_maps_smtp_settings(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        mail_backend="smtp",
        smtp_host="relay.example.org",
        smtp_port=465,
        smtp_username="mailer",
        smtp_password=SMTP_PASSWORD,
        smtp_starttls=False,
        smtp_ssl=True,
        smtp_timeout_seconds=3.5,
    )

    backend = build_mail_backend(settings)

    assert backend == SmtpMailBackend(
        host="relay.example.org",
        port=465,
        username="mailer",
        password=SMTP_PASSWORD,
        starttls=False,
        use_ssl=True,
        timeout=3.5,
    )
