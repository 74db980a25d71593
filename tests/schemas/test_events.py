"""Published event schemas: versioned from day one, old shapes upcast, bad records refused."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest

from changeorders.schemas import events
from changeorders.schemas.events import PublishedEvent, UnreadableEvent, parse_published


def record(**changes: Any) -> bytes:
    event = {
        "event_id": str(uuid4()),
        "type": "ChangeOrder.Rejected",
        "schema_version": 1,
        "aggregate_id": str(uuid4()),
        "aggregate_version": 6,
        "occurred_at": "2026-11-25T10:00:00Z",
        "actor": None,
        "customer": "acme-dental",
        "msp": "northwind",
        "correlation_id": None,
        "position": 42,
        "data": {"rule": "seats-below-minimum", "reason": "would have 0 seats"},
    }
    return json.dumps(event | changes).encode()


def test_a_current_record_parses() -> None:
    event = parse_published(record())
    assert isinstance(event, PublishedEvent)
    assert event.payload().model_dump() == {
        "rule": "seats-below-minimum",
        "reason": "would have 0 seats",
    }


def test_an_old_shape_is_upcast_to_the_current_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend Rejected moved to v2, which renamed ``reason`` to ``message``... and back.

    The consumer reads a v1 record through the registered upcaster.
    """

    def v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
        return {"rule": data["rule"], "reason": f"{data['reason']} (upcast from v1)"}

    monkeypatch.setitem(events.SCHEMA_VERSIONS, "ChangeOrder.Rejected", 2)
    monkeypatch.setitem(events.UPCASTERS, ("ChangeOrder.Rejected", 1), v1_to_v2)
    event = parse_published(record())
    assert event.schema_version == 2
    assert event.data["reason"] == "would have 0 seats (upcast from v1)"


def test_a_version_without_upcaster_is_unreadable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(events.SCHEMA_VERSIONS, "ChangeOrder.Rejected", 2)
    with pytest.raises(UnreadableEvent, match="no upcaster"):
        parse_published(record())


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"not json", "not a published event"),
        (record(type="ChangeOrder.Exploded"), "unknown event type"),
        (record(data={"rule": 1}), "payload is invalid"),
        (record(schema_version=9), "newer than this consumer knows"),
    ],
)
def test_unreadable_records_say_why(raw: bytes, reason: str) -> None:
    with pytest.raises(UnreadableEvent, match=reason):
        parse_published(raw)
