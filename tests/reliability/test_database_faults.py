"""PostgreSQL connections cut under load: each command either succeeds or fails with a clear
retryable 503, nothing is half-written, and the service reconnects by itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from changeorders.adapters.settings import Settings
from changeorders.bootstrap import Embedded, build_embedded
from changeorders.schemas.reference import ReferenceData
from changeorders.services.projections.verify import verify
from devtools.tcp_proxy import TcpProxy, tcp_proxy

pytestmark = [pytest.mark.postgres, pytest.mark.faults]
HEADERS = {"Authorization": "Bearer demo-northwind-7Qm2xV", "X-Acting-User": "alice"}


@pytest.fixture
def proxied(
    postgres_schema: str, sample_data: ReferenceData, tmp_path: Path
) -> Iterator[tuple[Embedded, TcpProxy]]:
    with tcp_proxy("127.0.0.1", 5432) as proxy:
        settings = Settings(
            event_store="postgres",
            postgres_port=proxy.port,
            postgres_schema=postgres_schema,
            outbox_dir=tmp_path,
            postgres_connect_timeout=1,  # an outage becomes a 503 in seconds
        )
        service = build_embedded(settings)
        service.application.load_reference_data(sample_data)
        yield service, proxy
        service.close()


def test_cut_connections_give_retryable_errors_and_never_half_writes(
    proxied: tuple[Embedded, TcpProxy],
) -> None:
    service, proxy = proxied
    client = TestClient(service.api())
    answers: dict[int, int] = {}
    created: list[str] = []
    for n in range(40):
        if n % 10 == 5:
            assert proxy.cut() > 0  # every pooled connection dies at once
        key = {"Idempotency-Key": f"create-{n}"}
        for _attempt in range(10):  # as a client would: retry 503s with the same key
            response = client.post(
                "/v1/orders", headers=HEADERS | key, json={"customer": "acme-dental"}
            )
            answers[response.status_code] = answers.get(response.status_code, 0) + 1
            if response.status_code == 503:
                assert response.json()["rule"] == "event-store-unavailable"
                assert response.headers["Retry-After"] == "1"
                continue
            assert response.status_code == 201, response.text
            created.append(response.json()["order_id"])
            break
    assert len(created) == 40  # every order was created in the end (the pool reconnects)
    assert set(answers) <= {201, 503}  # never a 500
    app = service.application
    drafts = list(service.views.read().orders("northwind", open_only=True))
    assert sorted(str(o.order_id) for o in drafts) == sorted(created)  # exactly once each
    for order_id in created:
        order = app.find_order(UUID(order_id))
        assert order is not None
        assert order.version == 1  # Drafted, whole, once
    service.views.catch_up()
    assert verify(app, service.views.recorder, service.settings).equal


def test_a_database_that_is_down_gives_a_503_and_the_retry_succeeds_once(
    proxied: tuple[Embedded, TcpProxy],
) -> None:
    service, proxy = proxied
    client = TestClient(service.api())
    key = HEADERS | {"Idempotency-Key": "while-down"}
    proxy.down()
    refused = client.post("/v1/orders", headers=key, json={"customer": "acme-dental"})
    assert refused.status_code == 503
    assert refused.json()["rule"] == "event-store-unavailable"
    proxy.up()
    retried = client.post("/v1/orders", headers=key, json={"customer": "acme-dental"})
    assert retried.status_code == 201
    again = client.post("/v1/orders", headers=key, json={"customer": "acme-dental"})
    assert again.json() == retried.json()
    assert len(service.views.read().orders("northwind", open_only=True)) == 1
