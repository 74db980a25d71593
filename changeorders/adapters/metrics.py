"""Prometheus metrics of every service (prometheus-client's default registry).

Each long-running service serves them on ``CHANGEORDERS_METRICS_PORT``; the API serves them
at ``/metrics``. Consumer lag is computed from the broker when scraped.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from changeorders.adapters.lag import consumer_lag

EVENTS_HANDLED = Counter(
    "changeorders_events_handled", "Events handled by a consumer.", ["consumer", "type"]
)
HANDLING_SECONDS = Histogram(
    "changeorders_event_handling_seconds",
    "Time to handle one event.",
    ["consumer"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
BATCH_SECONDS = Histogram(
    "changeorders_event_batch_seconds",
    "Time to handle one batch of events in one transaction (the projections).",
    ["consumer"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DEAD_LETTERS = Counter(
    "changeorders_dead_letters", "Records parked on the dead-letter topic.", ["group", "error"]
)
EMAILS = Counter("changeorders_emails", "Emails sent or failed.", ["role", "outcome"])
WEBHOOK_DELIVERIES = Counter(
    "changeorders_webhook_deliveries",
    "Webhook delivery attempts by outcome: delivered, retrying, parked.",
    ["outcome"],
)
RELAY_PUBLISHED = Counter("changeorders_relay_published", "Stored events published to Kafka.")
RELAY_BACKLOG = Gauge("changeorders_relay_backlog", "Events stored but not yet published.")


class LagCollector(Collector):
    """Consumer lag per group and partition, read from the broker at scrape time."""

    name = "changeorders_consumer_lag"

    def __init__(self, bootstrap: str, topic: str, groups: list[str]) -> None:
        self._bootstrap, self._topic, self._groups = bootstrap, topic, groups

    def collect(self) -> Iterator[GaugeMetricFamily]:
        lag = GaugeMetricFamily(
            self.name,
            "Records not yet consumed by a group.",
            labels=["group", "topic", "partition"],
        )
        for row in consumer_lag(self._bootstrap, self._topic, self._groups):
            lag.add_metric([row.group, row.topic, str(row.partition)], row.lag)
        yield lag


def watch_lag(bootstrap: str, topic: str, groups: list[str]) -> None:
    REGISTRY.register(LagCollector(bootstrap, topic, groups))
