"""The emails' address headers survive hostile names: a parser reads the one recipient."""

from __future__ import annotations

from dataclasses import replace
from email import message_from_bytes, policy

import pytest

from changeorders.bootstrap import Embedded
from changeorders.services.notifier.addendum import Person, read_addendum
from changeorders.services.notifier.mail import compose
from tests.services.notifier.conftest import applied_order

HOSTILE_NAMES = [
    'Zoë Ñúñez <b>Bold</b> & "Co" 山田',
    'Bob "The Builder", Ltd. <bob@evil.example>',
    "Mallory\r\nBcc: everyone@evil.example",
]
#: The address is right, but the standard library's folding of a long encoded name, or
#: its decoding of an encoded-word look-alike, changes the name a reader sees.
NAMES_NOT_KEPT = [
    "A" * 70 + " Ñ <x@evil.example>, y@evil.example",
    "=?utf-8?q?not_an_encoded_word?= ; @ :",
]


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
@pytest.mark.parametrize("name", HOSTILE_NAMES + NAMES_NOT_KEPT)
def test_a_hostile_lead_name_stays_a_display_name(service: Embedded, name: str) -> None:
    addendum = read_addendum(service.application, applied_order(service))
    lead = Person("zoe", name, "zoe@customer.example")
    emails = compose(replace(addendum, lead=lead), b"%PDF", "orders@changeorders.example")
    (to_lead,) = [e for e in emails if e.role == "lead"]
    parsed = message_from_bytes(bytes(to_lead.message), policy=policy.default)
    addresses = parsed["To"].addresses
    assert [a.addr_spec for a in addresses] == ["zoe@customer.example"]
    assert parsed["Bcc"] is None
    if name in HOSTILE_NAMES:
        assert addresses[0].display_name == " ".join(name.split())


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
def test_long_headers_read_back_unchanged_by_a_plain_parser(service: Embedded) -> None:
    addendum = read_addendum(service.application, applied_order(service))
    customer = replace(addendum.customer, name="Acme Dental Group of the Greater Riverside Area")
    emails = compose(replace(addendum, customer=customer), b"%PDF", "orders@changeorders.example")
    for email in emails:
        parsed = message_from_bytes(bytes(email.message))  # compat32: keeps any folding
        assert parsed["Subject"] == email.message["Subject"]
        assert parsed["Subject"].endswith(")") or parsed["Subject"].endswith("attached")
        assert parsed["Message-ID"] == email.message_id
        assert len(parsed["Message-ID"]) + len("Message-ID: ") > 78
