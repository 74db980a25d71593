"""The two emails of an applied order, and the transports that send them.

Each email has a Message-ID derived from the order and the recipient's role, and a Date
taken from the order's events, so the same order always produces the same messages.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Literal, Protocol

from changeorders.services.notifier.addendum import MEDIA_TYPE, Addendum, templates

ROLES = ("submitter", "lead")
#: Header lines are never folded (RFC 5322 allows up to 998 characters): a folded
#: Message-ID or Subject reads back with a leading space in many mail libraries.
UNFOLDED = policy.default.clone(max_line_length=998)
SMTP_TIMEOUT_SECONDS = 30


class SendFailed(Exception):
    """The email could not be handed over now; it is tried again later."""


class Refused(SendFailed):
    """The server refused the email for good (a 5xx answer): retrying will not help."""


@dataclass(frozen=True)
class Email:
    role: str
    recipient: str
    message_id: str
    message: EmailMessage


def address(name: str, email: str) -> Address:
    """A recipient whose display name stays a name whatever it holds (quotes, angle
    brackets, commas, non-ASCII): the email package quotes or encodes it. Line breaks and
    runs of whitespace become single spaces, so a name can never start a new header."""
    return Address(display_name=" ".join(name.split()), addr_spec=email)


def message_id(addendum: Addendum, role: str, sender: str) -> str:
    domain = sender.rsplit("@", 1)[-1]
    return f"<order-{addendum.order_id}.{role}@{domain}>"


def compose(addendum: Addendum, pdf: bytes, sender: str) -> list[Email]:
    """The email to the submitting MSP user (addendum attached) and the one to the lead."""
    short = str(addendum.order_id)[:8]
    subjects = {
        "submitter": f"Order {short} for {addendum.customer.name} is applied: addendum attached",
        "lead": f"{addendum.msp.name} changed {addendum.customer.name}'s services (order {short})",
    }
    people = {"submitter": addendum.submitter, "lead": addendum.lead}
    context = vars(addendum) | {"changes": addendum.changes, "file_name": addendum.file_name}
    emails = []
    for role in ROLES:
        person = people[role]
        message = EmailMessage(policy=UNFOLDED)
        message["From"] = sender
        message["To"] = address(person.name, person.email)
        message["Subject"] = subjects[role]
        message["Date"] = format_datetime(addendum.applied_at)
        message["Message-ID"] = message_id(addendum, role, sender)
        message.set_content(templates.get_template(f"email_{role}.txt.j2").render(context))
        message.add_alternative(
            templates.get_template(f"email_{role}.html.j2").render(context), subtype="html"
        )
        if role == "submitter":
            maintype, subtype = MEDIA_TYPE.split("/")
            message.add_attachment(
                pdf, maintype=maintype, subtype=subtype, filename=addendum.file_name
            )
        emails.append(Email(role, person.email, message["Message-ID"], message))
    return emails


class Transport(Protocol):
    def send(self, email: Email) -> None: ...


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int
    tls: Literal["none", "starttls", "ssl"] = "none"
    user: str | None = None
    password: str | None = None

    def send(self, email: Email) -> None:
        try:
            with self._connect() as smtp:
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(email.message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = {code for code, _ in exc.recipients.values()}
            failure = Refused if all(code >= 500 for code in codes) else SendFailed
            raise failure(f"SMTP {self.host}:{self.port} refused {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            failure = Refused if exc.smtp_code >= 500 else SendFailed
            raise failure(
                f"SMTP {self.host}:{self.port}: {exc.smtp_code} {exc.smtp_error!r}"
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise SendFailed(f"SMTP {self.host}:{self.port}: {exc}") from exc

    def _connect(self) -> smtplib.SMTP:
        if self.tls == "ssl":
            return smtplib.SMTP_SSL(
                self.host,
                self.port,
                timeout=SMTP_TIMEOUT_SECONDS,
                context=ssl.create_default_context(),
            )
        smtp = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS)
        if self.tls == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        return smtp


@dataclass(frozen=True)
class FolderTransport:
    """The embedded default: each email is written as an ``.eml`` file."""

    folder: Path

    def path(self, email: Email) -> Path:
        return self.folder / f"{email.message_id.strip('<>').split('@')[0]}.eml"

    def send(self, email: Email) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.path(email)
        partial = target.with_suffix(".eml.partial")
        partial.write_bytes(bytes(email.message))
        partial.replace(target)
