"""A real SMTP server in-process (aiosmtpd) that keeps the messages it receives."""

from __future__ import annotations

import email
import email.policy
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Inbox:
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    #: (time.time() when the server accepted it, Message-ID), for latency measurements
    arrivals: list[tuple[float, str]] = field(default_factory=list)
    #: mailboxes the server refuses for good (550)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        self.arrivals.append((time.time(), str(message["Message-ID"])))
        return "250 Message accepted"


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: Inbox


@contextmanager
def smtp_server(port: int) -> Iterator[SmtpServer]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, inbox)
    finally:
        controller.stop()
