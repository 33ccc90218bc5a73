"""A real SMTP server on 127.0.0.1 for tests that must exercise the wire protocol."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

HOST = "127.0.0.1"
Authenticator = Callable[[SMTP, Session, Envelope, str, Any], AuthResult]


@dataclass(frozen=True)
class ReceivedMail:
    """What the server saw: the envelope and the exact bytes of the message."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    login: bytes | None = None


@dataclass
class CollectingHandler:
    """aiosmtpd handler that keeps every delivered message in memory."""

    received: list[ReceivedMail] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.received.append(
            ReceivedMail(
                mail_from=envelope.mail_from or "",
                rcpt_tos=list(envelope.rcpt_tos),
                data=content,
                login=getattr(session, "login_data", None),
            )
        )
        return "250 Message accepted for delivery"


@dataclass(frozen=True)
class SmtpServer:
    """A running server: where to connect and what it has received."""

    host: str
    port: int
    handler: CollectingHandler

    @property
    def received(self) -> list[ReceivedMail]:
        return self.handler.received


def password_authenticator(username: str, password: str) -> Authenticator:
    """Accept exactly one username/password pair, as a relay with one account would."""

    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login == username.encode()
            and data.password == password.encode()
        )
        # handled=False lets aiosmtpd answer a failure with 535 itself.
        return AuthResult(success=ok, handled=False, auth_data=data)

    return authenticate


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_smtp_server(
    authenticator: Authenticator | None = None,
    handler: CollectingHandler | None = None,
) -> Iterator[SmtpServer]:
    """Run an aiosmtpd server on a free local port for the duration of the block.

    With an authenticator, AUTH is offered over plain TCP because tests have no
    TLS certificate; each `ReceivedMail.login` records who authenticated.
    """
    handler = handler or CollectingHandler()
    kwargs: dict[str, Any] = {"server_hostname": "localhost", "ready_timeout": 5.0}
    if authenticator is not None:
        kwargs.update(authenticator=authenticator, auth_require_tls=False)
    last_error: Exception | None = None
    # The port is free when probed but another process could take it first.
    for _ in range(5):
        controller = Controller(handler, hostname=HOST, port=_free_port(), **kwargs)
        try:
            controller.start()
        except OSError as exc:
            last_error = exc
            continue
        try:
            yield SmtpServer(host=HOST, port=controller.port, handler=handler)
        finally:
            controller.stop()
        return
    raise RuntimeError(f"could not start a local SMTP server: {last_error}")
