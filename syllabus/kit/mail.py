"""Email: render templates, build RFC 5322 messages, deliver them to a file or SMTP.

Features render an `OutgoingMail` and hand it to a `MailBackend`; the backend is
picked from settings so development writes `.eml` files to an outbox folder
while production talks to a real SMTP relay.
"""

from __future__ import annotations

import email.policy
import email.utils
import os
import re
import secrets
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import structlog
from jinja2 import Environment, PackageLoader, select_autoescape

SITE_NAME = "Syllabus"
_RESERVED_HEADERS = frozenset({"from", "to", "subject", "date", "message-id"})
_MESSAGE_ID_OK = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_log = structlog.get_logger(__name__)


class MailSettings(Protocol):
    """The settings this module reads; `syllabus.config.Settings` satisfies it."""

    @property
    def base_url(self) -> str: ...
    @property
    def mail_backend(self) -> str: ...
    @property
    def mail_dir(self) -> Path: ...
    @property
    def smtp_host(self) -> str: ...
    @property
    def smtp_port(self) -> int: ...
    @property
    def smtp_username(self) -> str | None: ...
    @property
    def smtp_password(self) -> str | None: ...
    @property
    def smtp_starttls(self) -> bool: ...
    @property
    def smtp_ssl(self) -> bool: ...
    @property
    def smtp_timeout_seconds(self) -> float: ...


@dataclass(frozen=True)
class OutgoingMail:
    """A rendered email, independent of how and from whom it will be sent."""

    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    """Build the template environment once; loading and compiling is not free."""
    return Environment(
        loader=PackageLoader("syllabus.notifications", "templates/email"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_mail(
    template: str,
    to: str,
    context: Mapping[str, Any],
    settings: MailSettings,
    headers: Mapping[str, str] | None = None,
) -> OutgoingMail:
    """Render the subject, text and HTML parts of `template` so both always agree.

    `headers` are extra headers for the message (e.g. List-Unsubscribe).
    """
    env = _environment()
    values = {
        "base_url": settings.base_url.rstrip("/"),
        "site_name": SITE_NAME,
        **context,
    }
    subject = env.get_template(f"{template}.subject.txt").render(values)
    return OutgoingMail(
        to=to,
        # Collapsing whitespace keeps a subject on one line whatever the context holds.
        subject=" ".join(subject.split()),
        text=env.get_template(f"{template}.txt").render(values).strip() + "\n",
        html=env.get_template(f"{template}.html").render(values),
        headers=dict(headers or {}),
    )


def _check_header(name: str, value: str) -> None:
    """Refuse CR/LF so user input can never add headers or recipients."""
    if not name or any(c in name for c in ":\r\n \t"):
        raise ValueError(f"invalid email header name: {name!r}")
    if "\r" in value or "\n" in value:
        raise ValueError(f"email header {name} contains a line break")


def build_message(
    mail: OutgoingMail, sender: str, *, message_id: str | None = None
) -> EmailMessage:
    """Turn an `OutgoingMail` into a multipart/alternative message ready to send.

    `message_id` (letters, digits, `.`, `_`, `-`) makes the Message-ID
    `<{message_id}@{sender's domain}>`, so the same message sent again (a
    retry after a crash) is recognisably the same; without it a random one
    is made.
    """
    _check_header("From", sender)
    _check_header("To", mail.to)
    _check_header("Subject", mail.subject)
    for name, value in mail.headers.items():
        _check_header(name, value)
        if name.lower() in _RESERVED_HEADERS:
            raise ValueError(f"email header {name} is set by build_message")
    domain = email.utils.parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
    if message_id is None:
        message["Message-ID"] = email.utils.make_msgid(domain=domain)
    elif _MESSAGE_ID_OK.fullmatch(message_id):
        message["Message-ID"] = f"<{message_id}@{domain}>"
    else:
        raise ValueError(f"invalid message id: {message_id!r}")
    for name, value in mail.headers.items():
        message[name] = value
    message.set_content(mail.text, subtype="plain", charset="utf-8")
    message.add_alternative(mail.html, subtype="html", charset="utf-8")
    for part in message.iter_parts():
        # MIME-Version belongs on the top-level message only.
        del part["MIME-Version"]
    return message


class MailBackend(Protocol):
    """Anything that can deliver a built message."""

    def send(self, message: EmailMessage) -> None: ...


class FileMailBackend:
    """Write each message to an `.eml` file; lets development and tests read mail."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def send(self, message: EmailMessage) -> None:
        """Write atomically so readers never see a half-written message."""
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        name = f"{stamp}-{secrets.token_hex(6)}.eml"
        path = self.directory / name
        temp = self.directory / f".{name}.tmp"
        try:
            temp.write_bytes(message.as_bytes())
            os.replace(temp, path)
        finally:
            temp.unlink(missing_ok=True)
        _log.info(
            "mail.written",
            to=str(message["To"]),
            subject=str(message["Subject"]),
            path=str(path),
        )


@dataclass(frozen=True)
class SmtpMailBackend:
    """Deliver through an SMTP relay, over implicit TLS or STARTTLS when configured."""

    host: str
    port: int = 587
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = True
    use_ssl: bool = False
    timeout: float = 10.0

    def _connect(self, context: ssl.SSLContext) -> smtplib.SMTP:
        if self.use_ssl:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def send(self, message: EmailMessage) -> None:
        """Open one connection per message; mail volume does not justify pooling."""
        context = ssl.create_default_context()
        with self._connect(context) as client:
            if self.starttls and not self.use_ssl:
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)
        _log.info("mail.sent", to=str(message["To"]), subject=str(message["Subject"]))


def build_mail_backend(settings: MailSettings) -> MailBackend:
    """Pick the backend named by `settings.mail_backend`."""
    if settings.mail_backend == "file":
        return FileMailBackend(settings.mail_dir)
    if settings.mail_backend == "smtp":
        return SmtpMailBackend(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            use_ssl=settings.smtp_ssl,
            timeout=settings.smtp_timeout_seconds,
        )
    raise ValueError(f"unknown mail backend: {settings.mail_backend!r}")


def send_mail(
    backend: MailBackend, mail: OutgoingMail, sender: str, *, message_id: str | None = None
) -> None:
    """Build and deliver in one call, for code that has nothing else to add."""
    backend.send(build_message(mail, sender, message_id=message_id))


def read_outbox(directory: Path) -> list[EmailMessage]:
    """Parse every `.eml` in a file-backend outbox, oldest first."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return [
        _parse(path.read_bytes()) for path in sorted(directory.glob("*.eml"), key=lambda p: p.name)
    ]


def _parse(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, policy=email.policy.default)
    if not isinstance(message, EmailMessage):
        raise TypeError("parsed message is not an EmailMessage")
    return message


def message_text(msg: EmailMessage) -> str:
    """Return the text/plain body, which is what most assertions care about."""
    part = msg.get_body(preferencelist=("plain",))
    if part is None:
        raise ValueError("message has no text/plain part")
    content = part.get_content()
    if not isinstance(content, str):
        raise TypeError("text/plain part did not decode to str")
    return content
