"""Configuration of every service: read from the environment here and only here.

Each field of :class:`Settings` is one environment variable, ``CHANGEORDERS_`` + its name in
capitals (``event_store`` -> ``CHANGEORDERS_EVENT_STORE``). Its default is written once, on
the field; :meth:`Settings.from_env` parses the variables by the fields' types.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

PREFIX = "CHANGEORDERS_"
#: The event store's recorders, which hash each event into its aggregate's chain as it is
#: written (:mod:`changeorders.adapters.chain`).
CHAINED_RECORDER = {
    "sqlite": "changeorders.adapters.chain:SQLiteChainedRecorder",
    "postgres": "changeorders.adapters.chain:PostgresChainedRecorder",
}


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot use."""


@dataclass(frozen=True)
class Settings:
    """Where the event store lives, how events travel, how emails go out."""

    event_store: Literal["sqlite", "postgres"] = field(
        default="sqlite", metadata={"doc": "`sqlite` (embedded) or `postgres`"}
    )
    sqlite_path: Path = field(
        default=Path("changeorders.sqlite3"), metadata={"doc": "the SQLite event store file"}
    )
    postgres_host: str = field(default="127.0.0.1", metadata={"doc": "PostgreSQL server"})
    postgres_port: int = field(default=5432, metadata={"doc": "PostgreSQL port"})
    postgres_db: str = field(default="test", metadata={"doc": "PostgreSQL database"})
    postgres_user: str = field(default="postgres", metadata={"doc": "PostgreSQL user"})
    postgres_password: str = field(default="", repr=False, metadata={"doc": "PostgreSQL password"})
    postgres_schema: str = field(
        default="public", metadata={"doc": "schema of every table (created if missing)"}
    )
    postgres_pool_size: int = field(default=5, metadata={"doc": "connections kept per process"})
    postgres_connect_timeout: int = field(
        default=5,
        metadata={"doc": "seconds to wait for a connection: how soon an outage becomes a 503"},
    )
    idempotency_hours: int = field(
        default=48, metadata={"doc": "how long idempotency keys are kept (at least 24)"}
    )
    delivery: Literal["local", "kafka"] = field(
        default="local",
        metadata={
            "doc": "`local`: consumers follow the event store in-process; `kafka`: the broker"
        },
    )
    kafka_bootstrap: str = field(
        default="127.0.0.1:9092", metadata={"doc": "Kafka bootstrap servers"}
    )
    events_topic: str = field(
        default="changeorders.events",
        metadata={"doc": "the events topic (dead letters go to `<topic>.dlq`)"},
    )
    topic_partitions: int = field(
        default=6, metadata={"doc": "partitions of a topic a service creates"}
    )
    topic_replication: int = field(
        default=1, metadata={"doc": "replication factor of a topic a service creates"}
    )
    smtp_host: str | None = field(
        default=None, metadata={"doc": "SMTP server; unset: emails are written as `.eml` files"}
    )
    smtp_port: int = field(default=25, metadata={"doc": "SMTP port"})
    smtp_tls: Literal["none", "starttls", "ssl"] = field(
        default="none", metadata={"doc": "`none`, `starttls` or `ssl`"}
    )
    smtp_user: str | None = field(default=None, metadata={"doc": "SMTP user"})
    smtp_password: str | None = field(default=None, repr=False, metadata={"doc": "SMTP password"})
    mail_from: str = field(
        default="orders@changeorders.example", metadata={"doc": "sender of both emails"}
    )
    email_claim_seconds: int = field(
        default=15,
        metadata={
            "doc": "an email claim's lease, renewed while its notifier lives; then taken over"
        },
    )
    outbox_dir: Path = field(
        default=Path("outbox"),
        metadata={"doc": "`.eml` files and addendum copies on the embedded default"},
    )
    metrics_port: int | None = field(
        default=None,
        metadata={
            "doc": "Prometheus metrics port of a long-running service (the API serves `/metrics`)"
        },
    )
    group_prefix: str = field(
        default="changeorders",
        metadata={
            "doc": "consumer groups are `<prefix>-views`, `-processor`, `-notifier`, `-dlq-replay`"
        },
    )
    kafka_session_timeout_ms: int = field(
        default=10_000,
        metadata={"doc": "consumer-group session timeout: how soon a dead member is noticed"},
    )
    kafka_heartbeat_ms: int = field(
        default=3_000, metadata={"doc": "consumer-group heartbeat interval"}
    )
    webhooks_allow_http: bool = field(
        default=False,
        metadata={"doc": "allow plain http webhook endpoints (development only; else https)"},
    )
    webhooks_workers: int = field(
        default=4, metadata={"doc": "webhook deliveries in flight at once (one per endpoint)"}
    )
    webhooks_timeout_seconds: int = field(
        default=10, metadata={"doc": "how long one webhook delivery may take (connect: 5 s)"}
    )
    webhooks_retry_hours: int = field(
        default=24, metadata={"doc": "how long a failing webhook delivery is retried, then parked"}
    )
    portal_secret: str | None = field(
        default=None,
        repr=False,
        metadata={
            "doc": "signs portal sessions; unset: a new key per process (set it for replicas)"
        },
    )
    portal_insecure_cookie: bool = field(
        default=False,
        metadata={"doc": "send the portal's session cookie over plain http (development only)"},
    )

    notifier_render_processes: int = field(
        default=0,
        metadata={
            "doc": "processes of `changeorders notify` rendering addenda side by side; "
            "0: one per core"
        },
    )
    audit_key_file: Path | None = field(
        default=None,
        metadata={
            "doc": "Ed25519 key (PEM) signing audit checkpoints, created if missing; unset: "
            "`<sqlite_path>.audit-key.pem` on SQLite, no checkpoints on PostgreSQL"
        },
    )
    audit_checkpoint_seconds: int = field(
        default=60, metadata={"doc": "how often the API signs a checkpoint of a grown log"}
    )

    def audit_key_path(self) -> Path | None:
        """Where the checkpoint key lives (kept out of the database it vouches for)."""
        if self.audit_key_file is not None:
            return self.audit_key_file
        if self.event_store == "sqlite":
            return self.sqlite_path.with_name(self.sqlite_path.name + ".audit-key.pem")
        return None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings named in ``environ`` (default: this process's environment); the
        others keep their defaults. An empty variable counts as unset."""
        env = os.environ if environ is None else environ
        hints = typing.get_type_hints(cls)
        values = {
            f.name: _parse(variable(f.name), env[variable(f.name)], hints[f.name])
            for f in dataclasses.fields(cls)
            if env.get(variable(f.name))
        }
        return cls(**values)

    def group(self, role: str) -> str:
        """The consumer group of one role: ``views``, ``processor``, ``notifier``..."""
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
                "APPLICATION_RECORDER_TOPIC": CHAINED_RECORDER["sqlite"],
                "SQLITE_DBNAME": str(self.sqlite_path),
                "SQLITE_LOCK_TIMEOUT": "10",
            }
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "APPLICATION_RECORDER_TOPIC": CHAINED_RECORDER["postgres"],
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


def variable(name: str) -> str:
    """The environment variable of a setting."""
    return PREFIX + name.upper()


def documented() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) of every setting, for docs and checks."""
    return [
        (variable(f.name), _shown(f.default), f.metadata["doc"])
        for f in dataclasses.fields(Settings)
    ]


def _shown(default: Any) -> str:
    if default is None:
        return ""
    return str(default).lower() if isinstance(default, bool) else str(default)


def _parse(name: str, text: str, hint: Any) -> Any:
    """``text`` as the type ``hint`` names: an int, a path, one of a Literal's words."""
    kind = hint
    if isinstance(hint, types.UnionType):  # ``int | None``: the variable is set, so an int
        kind = next(k for k in typing.get_args(hint) if k is not type(None))
    if typing.get_origin(kind) is Literal:
        if text not in typing.get_args(kind):
            allowed = " or ".join(repr(a) for a in typing.get_args(kind))
            raise SettingsError(f"{name} must be {allowed}, not {text!r}")
        return text
    if kind is bool:
        if text.lower() not in ("1", "true", "yes", "0", "false", "no"):
            raise SettingsError(f"{name} must be true or false, not {text!r}")
        return text.lower() in ("1", "true", "yes")
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, not {text!r}") from None
    return Path(text) if kind is Path else text
