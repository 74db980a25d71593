"""The environment of `changeorders` service processes (relay, process, notify, project)
started by tests and benchmarks: PostgreSQL and a broker, groups that settle in seconds."""

from __future__ import annotations

import os


def services_env(bootstrap: str, topic: str, schema: str, **extra: str) -> dict[str, str]:
    """This process's environment plus the services' settings; ``extra`` adds or overrides
    ``CHANGEORDERS_*`` variables (SMTP, outbox, partitions...)."""
    return (
        dict(os.environ)
        | {
            "CHANGEORDERS_EVENT_STORE": "postgres",
            "CHANGEORDERS_POSTGRES_SCHEMA": schema,
            "CHANGEORDERS_DELIVERY": "kafka",
            "CHANGEORDERS_KAFKA_BOOTSTRAP": bootstrap,
            "CHANGEORDERS_EVENTS_TOPIC": topic,
            "CHANGEORDERS_TOPIC_PARTITIONS": "2",
            "CHANGEORDERS_GROUP_PREFIX": topic,
            "CHANGEORDERS_KAFKA_SESSION_TIMEOUT_MS": "6000",
            "CHANGEORDERS_KAFKA_HEARTBEAT_MS": "500",
        }
        | extra
    )
