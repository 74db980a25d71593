"""Configuration of every service: read from the environment here and only here."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

DEFAULT_SQLITE_PATH = "changeorders.sqlite3"
IDEMPOTENCY_RETENTION_HOURS = 48


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot use."""


@dataclass(frozen=True)
class Settings:
    """Where the event store lives and how the API behaves.

    ``CHANGEORDERS_EVENT_STORE``      ``sqlite`` (default) or ``postgres``
    ``CHANGEORDERS_SQLITE_PATH``      SQLite file (default ``changeorders.sqlite3``)
    ``CHANGEORDERS_POSTGRES_HOST`` / ``_PORT`` / ``_DB`` / ``_USER`` / ``_PASSWORD`` /
    ``_SCHEMA``                       PostgreSQL connection (defaults: 127.0.0.1, 5432, test,
                                      postgres, empty, public)
    ``CHANGEORDERS_POSTGRES_POOL_SIZE``  connections kept per process (default 5)
    ``CHANGEORDERS_POSTGRES_CONNECT_TIMEOUT``  seconds to wait for a connection (default 5): with
                                      the library's retries, how soon an outage becomes a 503
    ``CHANGEORDERS_IDEMPOTENCY_HOURS``   how long idempotency keys are kept (default 48)
    ``CHANGEORDERS_DELIVERY``            ``local`` (default: in-process, no broker) or ``kafka``
    ``CHANGEORDERS_KAFKA_BOOTSTRAP``     Kafka bootstrap servers (default 127.0.0.1:9092)
    ``CHANGEORDERS_EVENTS_TOPIC``        the topic events are published to
    ``CHANGEORDERS_TOPIC_PARTITIONS`` / ``_TOPIC_REPLICATION``  used when creating topics
    ``CHANGEORDERS_SMTP_HOST``           SMTP server; unset: emails are written as .eml files
    ``CHANGEORDERS_SMTP_PORT`` / ``_SMTP_TLS`` (none|starttls|ssl) / ``_SMTP_USER`` /
    ``_SMTP_PASSWORD``                   the rest of the SMTP connection
    ``CHANGEORDERS_MAIL_FROM``           sender address (default orders@changeorders.example)
    ``CHANGEORDERS_EMAIL_CLAIM_SECONDS`` how long an email claimed by a notifier that died
                                      mid-send waits before another takes it over (default
                                      300; keep it above a slow SMTP send, or it goes twice)
    ``CHANGEORDERS_OUTBOX_DIR``          where .eml files and addendum copies go (default outbox)
    ``CHANGEORDERS_METRICS_PORT``        serve Prometheus metrics on this port (long-running
                                      services; the API serves them at /metrics)
    ``CHANGEORDERS_GROUP_PREFIX``        consumer groups are ``<prefix>-views``, ``-processor``,
                                      ``-dlq-replay`` (default ``changeorders``)
    ``CHANGEORDERS_KAFKA_SESSION_TIMEOUT_MS`` / ``_HEARTBEAT_MS``  consumer-group liveness
                                      (defaults 10000 / 3000: how fast a dead member is noticed)
    """

    event_store: Literal["sqlite", "postgres"] = "sqlite"
    sqlite_path: Path = Path(DEFAULT_SQLITE_PATH)
    postgres_host: str = "127.0.0.1"
    postgres_port: int = 5432
    postgres_db: str = "test"
    postgres_user: str = "postgres"
    postgres_password: str = field(default="", repr=False)
    postgres_schema: str = "public"
    postgres_pool_size: int = 5
    postgres_connect_timeout: int = 5
    idempotency_hours: int = IDEMPOTENCY_RETENTION_HOURS
    delivery: Literal["local", "kafka"] = "local"
    kafka_bootstrap: str = "127.0.0.1:9092"
    events_topic: str = "changeorders.events"
    topic_partitions: int = 6
    topic_replication: int = 1
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_tls: Literal["none", "starttls", "ssl"] = "none"
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    mail_from: str = "orders@changeorders.example"
    email_claim_seconds: int = 300
    outbox_dir: Path = Path("outbox")
    metrics_port: int | None = None
    group_prefix: str = "changeorders"
    kafka_session_timeout_ms: int = 10_000
    kafka_heartbeat_ms: int = 3_000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str, default: str) -> str:
            return env.get(f"CHANGEORDERS_{name}", default)

        store = get("EVENT_STORE", "sqlite")
        if store not in ("sqlite", "postgres"):
            raise SettingsError(
                f"CHANGEORDERS_EVENT_STORE must be 'sqlite' or 'postgres', not {store!r}"
            )
        tls = get("SMTP_TLS", "none")
        if tls not in ("none", "starttls", "ssl"):
            raise SettingsError(
                f"CHANGEORDERS_SMTP_TLS must be 'none', 'starttls' or 'ssl', not {tls!r}"
            )
        delivery = get("DELIVERY", "local")
        if delivery not in ("local", "kafka"):
            raise SettingsError(
                f"CHANGEORDERS_DELIVERY must be 'local' or 'kafka', not {delivery!r}"
            )
        try:
            return cls(
                event_store=store,  # type: ignore[arg-type]
                sqlite_path=Path(get("SQLITE_PATH", DEFAULT_SQLITE_PATH)),
                postgres_host=get("POSTGRES_HOST", "127.0.0.1"),
                postgres_port=int(get("POSTGRES_PORT", "5432")),
                postgres_db=get("POSTGRES_DB", "test"),
                postgres_user=get("POSTGRES_USER", "postgres"),
                postgres_password=get("POSTGRES_PASSWORD", ""),
                postgres_schema=get("POSTGRES_SCHEMA", "public"),
                postgres_pool_size=int(get("POSTGRES_POOL_SIZE", "5")),
                postgres_connect_timeout=int(get("POSTGRES_CONNECT_TIMEOUT", "5")),
                idempotency_hours=int(get("IDEMPOTENCY_HOURS", str(IDEMPOTENCY_RETENTION_HOURS))),
                delivery=delivery,  # type: ignore[arg-type]
                kafka_bootstrap=get("KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
                events_topic=get("EVENTS_TOPIC", "changeorders.events"),
                topic_partitions=int(get("TOPIC_PARTITIONS", "6")),
                topic_replication=int(get("TOPIC_REPLICATION", "1")),
                smtp_host=env.get("CHANGEORDERS_SMTP_HOST") or None,
                smtp_port=int(get("SMTP_PORT", "25")),
                smtp_tls=tls,  # type: ignore[arg-type]
                smtp_user=env.get("CHANGEORDERS_SMTP_USER") or None,
                smtp_password=env.get("CHANGEORDERS_SMTP_PASSWORD") or None,
                mail_from=get("MAIL_FROM", "orders@changeorders.example"),
                email_claim_seconds=int(get("EMAIL_CLAIM_SECONDS", "300")),
                outbox_dir=Path(get("OUTBOX_DIR", "outbox")),
                metrics_port=int(env["CHANGEORDERS_METRICS_PORT"])
                if env.get("CHANGEORDERS_METRICS_PORT")
                else None,
                group_prefix=get("GROUP_PREFIX", "changeorders"),
                kafka_session_timeout_ms=int(get("KAFKA_SESSION_TIMEOUT_MS", "10000")),
                kafka_heartbeat_ms=int(get("KAFKA_HEARTBEAT_MS", "3000")),
            )
        except ValueError as exc:
            raise SettingsError(f"a numeric CHANGEORDERS_ setting is not a number: {exc}") from exc

    def group(self, role: str) -> str:
        """The consumer group of one role: ``views``, ``processor`` or ``dlq-replay``."""
        return f"{self.group_prefix}-{role}"

    def consumer_config(self) -> dict[str, int]:
        return {
            "session_timeout_ms": self.kafka_session_timeout_ms,
            "heartbeat_interval_ms": self.kafka_heartbeat_ms,
        }

    def eventsourcing_env(self) -> dict[str, str]:
        """The settings in the form the ``eventsourcing`` library reads."""
        if self.event_store == "sqlite":
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.sqlite_path),
                "SQLITE_LOCK_TIMEOUT": "10",
            }
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_HOST": self.postgres_host,
            "POSTGRES_PORT": str(self.postgres_port),
            "POSTGRES_DBNAME": self.postgres_db,
            "POSTGRES_USER": self.postgres_user,
            "POSTGRES_PASSWORD": self.postgres_password,
            "POSTGRES_SCHEMA": self.postgres_schema,
            "POSTGRES_POOL_SIZE": str(self.postgres_pool_size),
            "POSTGRES_CONNECT_TIMEOUT": str(self.postgres_connect_timeout),
            "POSTGRES_LOCK_TIMEOUT": "5",
        }
