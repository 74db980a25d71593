"""Shared fixtures: sample data, a fresh event store per test (SQLite or PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from changeorders.adapters.settings import Settings
from changeorders.bootstrap import Embedded, build_embedded
from changeorders.cli.common import SAMPLE_DATA
from changeorders.domain.options import Options, PrimaryChoice
from changeorders.schemas.reference import ReferenceData
from devtools.orders import submit_order
from tests.kafka import Broker, tansu_broker

PG = {"host": "127.0.0.1", "port": 5432, "dbname": "test", "user": "postgres"}

NORTHWIND_TOKEN = "demo-northwind-7Qm2xV"
BLUEFIN_TOKEN = "demo-bluefin-K8pLw3"


@pytest.fixture(scope="session")
def sample_data() -> ReferenceData:
    return ReferenceData.model_validate_json(SAMPLE_DATA.read_bytes())


@pytest.fixture
def postgres_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema for one test, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    yield schema
    with psycopg.connect(**PG, autocommit=True) as conn:  # type: ignore[arg-type]
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def settings_for(kind: str, tmp_path: Path, schema: str) -> Settings:
    outbox = tmp_path / "outbox"
    if kind == "sqlite":
        return Settings(sqlite_path=tmp_path / "events.sqlite3", outbox_dir=outbox)
    return Settings(
        event_store="postgres",
        postgres_schema=schema,
        postgres_pool_size=4,
        outbox_dir=outbox,
        audit_key_file=tmp_path / "audit-key.pem",
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    kind: str = request.param
    schema = request.getfixturevalue("postgres_schema") if kind == "postgres" else ""
    return settings_for(kind, tmp_path, schema)


@pytest.fixture
def service(settings: Settings, sample_data: ReferenceData) -> Iterator[Embedded]:
    built = build_embedded(settings)
    built.application.load_reference_data(sample_data)
    yield built
    built.close()


@pytest.fixture
def client(service: Embedded) -> TestClient:
    return TestClient(service.api())


@pytest.fixture
def northwind() -> dict[str, str]:
    return {"Authorization": f"Bearer {NORTHWIND_TOKEN}", "X-Acting-User": "alice"}


@pytest.fixture
def bluefin() -> dict[str, str]:
    return {"Authorization": f"Bearer {BLUEFIN_TOKEN}", "X-Acting-User": "carol"}


@pytest.fixture(scope="session")
def broker() -> Iterator[Broker]:
    """One Tansu broker for the session; each test uses its own topics and groups."""
    with tansu_broker() as running:
        yield running


@pytest.fixture
def topic() -> str:
    return f"events-{uuid.uuid4().hex[:12]}"


def applied_seat_order(service: Embedded, seats: int = 5) -> UUID:
    """Acme Dental gets ``seats`` more seats (Northwind, alice), submitted and applied."""
    options = Options(seats, "alice", PrimaryChoice.KEEP)
    order_id = submit_order(service.application, "northwind", "alice", "acme-dental", options)
    service.processing.pump()
    return order_id
