"""Security: tokens hashed and compared in constant time, no secret in logs or reprs,
SQL only through parameters, oversized bodies refused."""

from __future__ import annotations

import hmac
import json
import logging

import pytest
import structlog
from fastapi.testclient import TestClient

from changeorders.adapters.logs import configure_logging
from changeorders.adapters.settings import Settings
from changeorders.bootstrap import Embedded

TOKEN = "demo-northwind-7Qm2xV"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "X-Acting-User": "alice"}


def test_tokens_are_stored_only_as_their_hash(service: Embedded) -> None:
    app = service.application
    stored = b"".join(n.state for n in app.recorder.select_notifications(start=None, limit=10_000))
    assert TOKEN.encode() not in stored
    assert app.authenticate(TOKEN) == "northwind"


def test_tokens_are_compared_in_constant_time(
    service: Embedded, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert service.application.authenticate(TOKEN) == "northwind"
    assert len(compared) == 1
    assert all(len(side) == 64 for side in compared[0])  # digests, never the token itself


def test_no_secret_in_the_logs(service: Embedded, capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("security-test")
    try:
        client = TestClient(service.api())
        client.get("/v1/customers", headers=HEADERS)
        client.get("/v1/customers", headers={"Authorization": "Bearer forged-token-123"})
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
        structlog.contextvars.unbind_contextvars("service")
    out = capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines()]
    assert any(line.get("path") == "/v1/customers" for line in lines)
    assert TOKEN not in out
    assert "forged-token-123" not in out


def test_passwords_stay_out_of_settings_reprs() -> None:
    settings = Settings(postgres_password="pg-secret", smtp_password="smtp-secret")
    assert "pg-secret" not in repr(settings)
    assert "smtp-secret" not in repr(settings)


@pytest.mark.parametrize(
    "hostile",
    ["x'; DROP TABLE customer_view; --", "acme-dental' OR '1'='1", 'a"; DELETE FROM x; --'],
)
def test_sql_only_through_parameters(service: Embedded, hostile: str) -> None:
    client = TestClient(service.api())
    assert client.get(f"/v1/customers/{hostile}", headers=HEADERS).status_code == 404
    created = client.post(
        "/v1/orders",
        headers=HEADERS | {"Idempotency-Key": hostile},
        json={"customer": "acme-dental"},
    )
    assert created.status_code == 201
    replay = client.post(
        "/v1/orders",
        headers=HEADERS | {"Idempotency-Key": hostile},
        json={"customer": "acme-dental"},
    )
    assert replay.json() == created.json()
    assert len(client.get("/v1/customers", headers=HEADERS).json()) == 5  # tables intact


def test_oversized_bodies_are_refused(service: Embedded) -> None:
    client = TestClient(service.api())
    huge = {"customer": "acme-dental", "padding": "x" * 100_000}
    response = client.post("/v1/orders", headers=HEADERS, json=huge)
    assert response.status_code == 413
    assert response.json()["rule"] == "payload-too-large"
