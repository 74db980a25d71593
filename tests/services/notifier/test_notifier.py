"""The notifier against a real SMTP server: two emails once, the addendum stored once."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from pypdf import PdfReader

from changeorders.adapters.feed import LocalFeed
from changeorders.bootstrap import Embedded, local_notifications, notifier
from changeorders.domain.options import Options, PrimaryChoice
from changeorders.services.notifier.addendum import read_addendum, render_pdf
from changeorders.services.notifier.notifier import Notifier
from devtools.orders import submit_order
from devtools.smtp import SmtpServer, smtp_server
from tests.services.notifier.conftest import applied_order


def event_types(service: Embedded, order_id: object) -> list[str]:
    app = service.application
    order = app.find_order(order_id)  # type: ignore[arg-type]
    assert order is not None
    return [type(e).__name__ for e in app.order_history(order)]


def test_an_applied_order_sends_both_emails_with_the_addendum(
    service: Embedded, notifications: LocalFeed, smtp: SmtpServer
) -> None:
    order_id = applied_order(service)
    notifications.pump()
    by_recipient = {rcpt[0]: message for rcpt, message in smtp.inbox.messages}
    assert set(by_recipient) == {"carol@bluefin-ms.example", "dan@bluefin-ms.example"}
    submitter, lead = (
        by_recipient["carol@bluefin-ms.example"],
        by_recipient["dan@bluefin-ms.example"],
    )
    assert "is applied: addendum attached" in submitter["Subject"]
    assert "Riverside Clinic" in lead["Subject"]
    assert submitter["Message-ID"].strip() == f"<order-{order_id}.submitter@changeorders.example>"
    (pdf_part,) = list(submitter.iter_attachments())
    pdf = pdf_part.get_content()
    assert pdf.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Riverside Clinic" in text
    assert "210 → 0" in text  # previous SEG-ADV licences, now replaced
    assert "0 → 225" in text  # the new products' users
    assert "$929.38" in text
    assert "$1,693.83" in text
    assert "+$764.45" in text
    assert not list(lead.iter_attachments())
    assert "ChangeOrder" not in text
    types = event_types(service, order_id)
    assert types[-3:] == ["AddendumIssued", "NotificationSent", "NotificationSent"]


def test_a_redelivered_event_sends_nothing_again(
    service: Embedded, notifications: LocalFeed, smtp: SmtpServer, smtp_port: int
) -> None:
    order_id = applied_order(service)
    notifications.pump()
    assert len(smtp.inbox.messages) == 2
    settings = replace(service.settings, smtp_host="127.0.0.1", smtp_port=smtp_port)
    again = notifier(service.application, settings)
    again.notify(order_id)  # a redelivery, a restarted notifier, a second one in the group
    assert len(smtp.inbox.messages) == 2
    assert event_types(service, order_id).count("NotificationSent") == 2
    account = service.application.customer("bluefin", "riverside-clinic")
    assert len(account.attachments) == 1


def test_smtp_down_then_back_sends_each_email_once_on_its_default_schedule(
    service: Embedded, notifications: LocalFeed, smtp_notifier: Notifier, smtp_port: int
) -> None:
    """The feed moves on at once; the retry worker sends them 10 s later (the default)."""
    order_id = applied_order(service)
    assert notifications.pump() == 1  # nothing listens on the SMTP port yet: handled anyway
    order = service.application.find_order(order_id)
    assert order is not None
    assert order.status == "notification-failed"
    assert "Connection refused" in order.notifications["submitter"]["reason"]
    assert "next attempt" in order.notifications["lead"]["reason"]
    assert order.addendum is not None  # the addendum is stored before any email goes out
    stop = threading.Event()
    retries = threading.Thread(target=smtp_notifier.run_until, args=(stop,))
    with smtp_server(smtp_port) as smtp:
        retries.start()
        try:
            wait_for(lambda: len(smtp.inbox.messages) == 2, timeout=30)
        finally:
            stop.set()
            retries.join()
    types = event_types(service, order_id)
    assert types.count("NotificationSent") == 2
    assert types.count("NotificationFailed") == 2  # each email failed once
    order = service.application.find_order(order_id)
    assert order is not None
    assert order.status == "notified"


def test_a_notifier_killed_between_pdf_and_email_loses_nothing(
    service: Embedded, smtp: SmtpServer, smtp_port: int
) -> None:
    order_id = applied_order(service)
    settings = replace(service.settings, smtp_host="127.0.0.1", smtp_port=smtp_port)
    doomed = notifier(service.application, settings)

    def killed(*_: object) -> None:
        raise SystemExit("notifier killed after storing the addendum")

    doomed._deliver = killed  # type: ignore[method-assign,assignment]
    with pytest.raises(SystemExit):
        doomed.notify(order_id)
    assert smtp.inbox.messages == []
    local_notifications(service.application, settings).pump()
    assert len(smtp.inbox.messages) == 2
    assert event_types(service, order_id).count("AddendumIssued") == 1


def test_the_addendum_is_listed_and_downloadable(
    service: Embedded, notifications: LocalFeed, smtp: SmtpServer
) -> None:
    from fastapi.testclient import TestClient

    applied_order(service)
    notifications.pump()
    client = TestClient(service.api())
    headers = {"Authorization": "Bearer demo-bluefin-K8pLw3"}
    details = client.get("/v1/customers/riverside-clinic", headers=headers).json()
    (attachment,) = details["attachments"]
    assert attachment["media_type"] == "application/pdf"
    url = f"/v1/customers/riverside-clinic/attachments/{attachment['attachment_id']}"
    download = client.get(url, headers=headers)
    assert download.status_code == 200
    assert download.content.startswith(b"%PDF-")
    assert len(download.content) == attachment["size"]
    assert download.headers["Digest"] == f"sha-256={attachment['sha256']}"
    other = {"Authorization": "Bearer demo-northwind-7Qm2xV"}
    assert client.get(url, headers=other).status_code == 404
    orders = client.get("/v1/orders", headers=headers, params={"open_only": False}).json()
    assert [o["status"] for o in orders] == ["notified"]


def test_two_notifiers_racing_send_each_email_once(
    service: Embedded, smtp: SmtpServer, smtp_port: int
) -> None:
    import threading

    order_id = applied_order(service)
    settings = replace(service.settings, smtp_host="127.0.0.1", smtp_port=smtp_port)
    racers = [notifier(service.application, settings) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def race(racer: Any) -> None:
        barrier.wait()
        racer.notify(order_id)  # the one that finds the other's claim moves on
        outcomes.append("done")

    threads = [threading.Thread(target=race, args=(r,)) for r in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for racer in racers:  # whoever has to come back, comes back
        racer.notify(order_id)
    assert len(smtp.inbox.messages) == 2
    assert outcomes == ["done", "done"]
    assert event_types(service, order_id).count("NotificationSent") == 2


def wait_for(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_refused_email_is_parked_and_no_other_order_waits_for_it(
    service: Embedded, notifications: LocalFeed, smtp_notifier: Notifier, smtp: SmtpServer
) -> None:
    """Riverside's lead's mailbox is refused for good (550): that one email is parked with
    its reason, every other email goes out, and a retry by hand sends it once fixed."""
    smtp.inbox.refuse.add("dan@bluefin-ms.example")
    refused = applied_order(service)
    other = submit_order(
        service.application,
        "northwind",
        "alice",
        "acme-dental",
        Options(2, "alice", PrimaryChoice.KEEP),
    )
    service.processing.pump()
    notifications.pump()
    delivered = {str(m["Message-ID"]).strip() for _, m in smtp.inbox.messages}
    assert f"<order-{other}.submitter@changeorders.example>" in delivered
    assert f"<order-{other}.lead@changeorders.example>" in delivered
    assert f"<order-{refused}.submitter@changeorders.example>" in delivered
    order = service.application.find_order(refused)
    assert order is not None
    assert order.status == "notification-failed"
    assert "parked" in order.notifications["lead"]["reason"]
    smtp.inbox.refuse.clear()
    ledger = smtp_notifier._ledger
    assert [e.state for e in ledger.entries()] == ["parked"]
    assert ledger.retry() == 1  # `changeorders emails retry`
    assert smtp_notifier.retry_due() == 1
    assert len(smtp.inbox.messages) == 4  # three at first, then the one parked
    order = service.application.find_order(refused)
    assert order is not None
    assert order.status == "notified"


@pytest.mark.parametrize("settings", ["postgres"], indirect=True)
def test_a_poll_of_orders_renders_on_every_core_and_sends_each_email_once(
    service: Embedded, smtp_port: int, smtp: SmtpServer
) -> None:
    settings = replace(service.settings, smtp_host="127.0.0.1", smtp_port=smtp_port)
    pooled = notifier(service.application, settings, render_processes=2)
    keep = Options(5, "alice", PrimaryChoice.KEEP)
    orders = [
        submit_order(service.application, "northwind", "alice", "acme-dental", keep)
        for _ in range(3)
    ]
    service.processing.pump()
    try:
        assert LocalFeed(service.application, pooled, pooled.tracking).pump() > 0
    finally:
        pooled.run_until(stopped())  # closes the render pool
    assert len(smtp.inbox.messages) == 2 * len(orders)
    for order_id in orders:
        addendum = read_addendum(service.application, order_id)
        stored = service.attachments.get(addendum.attachment_id)
        assert stored is not None
        assert stored.content == render_pdf(addendum)  # the pool's PDF is the in-process one
        assert event_types(service, order_id)[-3:] == [
            "AddendumIssued",
            "NotificationSent",
            "NotificationSent",
        ]


def stopped() -> threading.Event:
    stop = threading.Event()
    stop.set()
    return stop
