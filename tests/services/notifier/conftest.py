"""Notifier fixtures: a real SMTP server and an order applied on a fresh store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from uuid import UUID

import pytest

from changeorders.adapters.feed import LocalFeed
from changeorders.bootstrap import Embedded, notifier
from changeorders.domain.options import Options, PrimaryChoice
from changeorders.services.notifier.notifier import Notifier
from devtools.orders import submit_order
from devtools.smtp import SmtpServer, smtp_server
from devtools.tansu import free_port


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def smtp(smtp_port: int) -> Iterator[SmtpServer]:
    with smtp_server(smtp_port) as server:
        yield server


@pytest.fixture
def smtp_notifier(service: Embedded, smtp_port: int) -> Notifier:
    """The notifier sending to the test's SMTP port, at its default settings."""
    settings = replace(service.settings, smtp_host="127.0.0.1", smtp_port=smtp_port)
    return notifier(service.application, settings)


@pytest.fixture
def notifications(service: Embedded, smtp_notifier: Notifier) -> LocalFeed:
    return LocalFeed(service.application, smtp_notifier, smtp_notifier.tracking)


def applied_order(service: Embedded) -> UUID:
    """Riverside Clinic moves to SEG-PRO with Web Security and 15 more seats; lead dan."""
    options = Options(15, "dan", PrimaryChoice.SELECT_NEW, ("SEG-PRO",), ("WEB",))
    order_id = submit_order(service.application, "bluefin", "carol", "riverside-clinic", options)
    service.processing.pump()
    return order_id
