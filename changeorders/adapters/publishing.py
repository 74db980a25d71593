"""Stored domain events to the published envelope of :mod:`changeorders.schemas.events`.

The relay (to Kafka) and the in-process feed both publish through :class:`Publisher`, so
every consumer reads one shape whatever the transport. An event's id is derived from its
aggregate id and version, so republishing an event gives it the same id.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.application import Application

from changeorders.adapters.correlation import correlation_of
from changeorders.schemas.events import PAYLOADS, PublishedEvent, current_version

EVENT_ID_NAMESPACE = UUID("0f4b8a52-1d3e-4c55-9f0e-6b7d2a9c8e31")
ACTOR_FIELDS = (
    "created_by",
    "selected_by",
    "reviewed_by",
    "confirmed_by",
    "submitted_by",
    "cancelled_by",
)
_ENVELOPE_FIELDS = {"originator_id", "originator_version", "timestamp", "originator_topic"}
_OWNER_CACHE_SIZE = 100_000


def event_type(event: Any) -> str:
    """``Aggregate.Event``, e.g. ``ChangeOrder.Submitted``."""
    return str(type(event).__qualname__)


def event_id(aggregate_id: UUID, version: int) -> UUID:
    return uuid5(EVENT_ID_NAMESPACE, f"{aggregate_id}:{version}")


def actor_of(event: Any) -> str | None:
    fields = vars(event)  # a dict lookup: hasattr on a missing name raises inside
    return next((fields[f] for f in ACTOR_FIELDS if f in fields), None)


def is_published(event: Any) -> bool:
    """Token events (API and auditor tokens) stay private; everything else is published."""
    return event_type(event) in PAYLOADS


def _owner_from_creation(event: Any) -> tuple[str | None, str | None]:
    """(msp, customer) named by an aggregate's first event."""
    data = vars(event)
    kind = event_type(event).split(".")[0]
    if kind == "ChangeOrder":
        return data["msp_key"], data["customer_key"]
    if kind == "CustomerAccount":
        return data["msp_key"], data["key"]
    if kind == "Msp":
        return data["key"], None
    if kind == "MspAgreement":
        return data["msp_key"], None
    return None, None


class Publisher:
    """Builds envelopes; remembers which MSP and customer each aggregate belongs to."""

    def __init__(self, application: Application[Any]) -> None:
        self._application = application
        self._owners: OrderedDict[UUID, tuple[str | None, str | None]] = OrderedDict()
        self._prefetched: dict[tuple[UUID, int], str] = {}
        self._covered: set[tuple[UUID, int]] = set()

    def envelope(self, event: Any, position: int) -> PublishedEvent:
        kind = event_type(event)
        data = {k: v for k, v in vars(event).items() if k not in _ENVELOPE_FIELDS}
        msp, customer = self._owner(event)
        if kind == "Msp.CustomerAdded":
            customer = data["customer_key"]
        return PublishedEvent(
            event_id=event_id(event.originator_id, event.originator_version),
            type=kind,
            schema_version=current_version(kind),
            aggregate_id=event.originator_id,
            aggregate_version=event.originator_version,
            occurred_at=event.timestamp,
            actor=actor_of(event),
            customer=customer,
            msp=msp,
            correlation_id=self.correlation_of(event),
            position=position,
            data=PAYLOADS[kind].model_validate(data).model_dump(mode="json"),
        )

    def prefetch_correlations(self, events: list[Any]) -> None:
        """Look a batch's correlation ids up at once (the relay's hot path)."""
        correlations = getattr(self._application, "correlations", None)
        if correlations is not None:
            keys = [(e.originator_id, e.originator_version) for e in events]
            self._prefetched = correlations.lookup_many(keys)
            self._covered = set(keys)

    def correlation_of(self, event: Any) -> str | None:
        key = (event.originator_id, event.originator_version)
        if key in self._covered:
            return self._prefetched.get(key)
        return correlation_of(self._application, *key)

    def _owner(self, event: Any) -> tuple[str | None, str | None]:
        aggregate_id = event.originator_id
        if aggregate_id in self._owners:
            self._owners.move_to_end(aggregate_id)
            return self._owners[aggregate_id]
        first = (
            event
            if event.originator_version == 1
            else next(iter(self._application.events.get(aggregate_id, lte=1)))
        )
        owner = _owner_from_creation(first)
        self._owners[aggregate_id] = owner
        if len(self._owners) > _OWNER_CACHE_SIZE:
            self._owners.popitem(last=False)
        return owner


def published_events(application: Application[Any], batch: int = 1000) -> Iterator[PublishedEvent]:
    """Every published event in the store, in store order (exports, checks, benchmarks)."""
    publisher = Publisher(application)
    start = 0
    while notifications := application.recorder.select_notifications(
        start=start, limit=batch, inclusive_of_start=False
    ):
        events = [
            (n.id, event)
            for n in notifications
            if is_published(event := application.mapper.to_domain_event(n))
        ]
        publisher.prefetch_correlations([event for _, event in events])
        for position, event in events:
            yield publisher.envelope(event, position)
        start = notifications[-1].id


def owner_of(application: Application[Any], aggregate_id: UUID) -> tuple[str | None, str | None]:
    """(msp, customer) an aggregate belongs to; (None, None) for shared reference data."""
    first = next(iter(application.events.get(aggregate_id, lte=1)), None)
    return (None, None) if first is None else _owner_from_creation(first)
