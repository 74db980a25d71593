"""One correlation id followed from an HTTP request to the emails, and into the logs."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

import pytest
import structlog
from fastapi.testclient import TestClient

from changeorders.adapters.logs import configure_logging
from changeorders.adapters.publishing import published_events
from changeorders.bootstrap import Embedded, local_notifications
from devtools.smtp import smtp_server
from devtools.tansu import free_port

HEADERS = {"Authorization": "Bearer demo-northwind-7Qm2xV", "X-Acting-User": "alice"}


def test_a_correlation_id_travels_from_the_request_to_the_emails(
    service: Embedded, capsys: pytest.CaptureFixture[str]
) -> None:
    client = TestClient(service.api())
    order_id = client.post("/v1/orders", headers=HEADERS, json={"customer": "acme-dental"}).json()[
        "order_id"
    ]
    options = {"seat_adjustment": 3, "implementation_lead": "bob", "primary": {"mode": "keep"}}
    client.put(f"/v1/orders/{order_id}/options", headers=HEADERS, json=options)
    client.post(f"/v1/orders/{order_id}/review", headers=HEADERS)
    ticks = {"accept_msa": True, "confirm_authority": True}
    client.post(f"/v1/orders/{order_id}/confirm", headers=HEADERS, json=ticks)
    submit = client.post(
        f"/v1/orders/{order_id}/submit", headers=HEADERS | {"X-Correlation-Id": "req-4711"}
    )
    assert submit.headers["X-Correlation-Id"] == "req-4711"

    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("test")
    try:
        service.processing.pump()
        port = free_port()
        with smtp_server(port) as smtp:
            settings = replace(service.settings, smtp_host="127.0.0.1", smtp_port=port)
            local_notifications(service.application, settings).pump()
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
        structlog.contextvars.unbind_contextvars("service")

    by_type = {
        e.type: e.correlation_id
        for e in published_events(service.application)
        if str(e.aggregate_id) == order_id
    }
    assert by_type["ChangeOrder.Submitted"] == "req-4711"
    assert by_type["ChangeOrder.Applied"] == "req-4711"  # stored by the processor for it
    assert by_type["ChangeOrder.NotificationSent"] == "req-4711"  # and by the notifier
    assert by_type["ChangeOrder.Reviewed"] != "req-4711"  # an earlier request of its own
    assert [m["X-Correlation-ID"] for _, m in smtp.inbox.messages] == ["req-4711"] * 2
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    sent = [line for line in logged if line["event"] == "email sent"]
    assert [line["correlation_id"] for line in sent] == ["req-4711"] * 2
    assert all(line["service"] == "test" for line in sent)
