"""Metrics are present and moving; health and readiness answer."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from changeorders.bootstrap import Embedded, local_notifications
from changeorders.domain.options import Options, PrimaryChoice
from devtools.orders import submit_order


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_move_as_orders_are_processed_and_notified(service: Embedded) -> None:
    processor = f"order-processor@{service.application.name}"
    handled = sample(
        "changeorders_events_handled_total", consumer=processor, type="ChangeOrder.Submitted"
    )
    sent = sample("changeorders_emails_total", role="lead", outcome="sent")
    observed = sample("changeorders_event_handling_seconds_count", consumer=processor)
    options = Options(1, "alice", PrimaryChoice.KEEP)
    submit_order(service.application, "northwind", "alice", "acme-dental", options)
    service.processing.pump()
    local_notifications(service.application, service.settings).pump()
    assert (
        sample(
            "changeorders_events_handled_total", consumer=processor, type="ChangeOrder.Submitted"
        )
        == handled + 1
    )
    assert sample("changeorders_event_handling_seconds_count", consumer=processor) == observed + 1
    assert sample("changeorders_emails_total", role="lead", outcome="sent") == sent + 1


def test_the_api_serves_metrics_health_and_readiness(service: Embedded) -> None:
    client = TestClient(service.api())
    metrics = client.get("/metrics/")
    assert metrics.status_code == 200
    assert "changeorders_events_handled_total" in metrics.text
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
