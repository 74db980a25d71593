"""The audit API: histories, the account as of a moment, exports, checkpoints and proofs,
read with an auditor's token that can command nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from changeorders.application.checkpoints import Checkpoint, public_key_from_pem
from changeorders.application.evidence import Checkpointer, consistency_holds, inclusion_holds
from changeorders.bootstrap import Embedded
from tests.conftest import applied_seat_order

Headers = dict[str, str]
NORTHWIND_AUDITOR = {"Authorization": "Bearer audit-northwind-Hq4Tz8", "X-Acting-User": "alice"}
GROUP_AUDITOR = {"Authorization": "Bearer audit-all-R2wN6c"}


def sign(service: Embedded) -> None:
    assert service.evidence.key is not None
    Checkpointer(service.evidence, service.evidence.key, every_seconds=0).take()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/orders"),
        ("POST", "/v1/users"),
        ("POST", "/v1/webhooks"),
        ("PUT", "/v1/orders/00000000-0000-0000-0000-000000000000/options"),
    ],
)
def test_an_auditor_token_cannot_command(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, headers=NORTHWIND_AUDITOR, json={})
    assert response.status_code == 403
    assert response.json()["rule"] == "auditor-token-is-read-only"


def test_an_auditor_reads_its_msp_and_nothing_else(client: TestClient) -> None:
    customers = client.get("/v1/customers", headers=NORTHWIND_AUDITOR).json()
    assert "acme-dental" in {c["customer"] for c in customers}
    assert (
        client.get("/v1/customers/riverside-clinic", headers=NORTHWIND_AUDITOR).status_code == 404
    )
    other = client.get("/v1/customers?msp=bluefin", headers=NORTHWIND_AUDITOR).json()
    assert other == customers  # its scope wins over a query parameter


def test_an_auditor_of_every_msp_names_the_one_it_reads(client: TestClient) -> None:
    response = client.get("/v1/customers", headers=GROUP_AUDITOR)
    assert response.status_code == 422
    assert response.json()["rule"] == "auditor-names-the-msp"
    bluefin = client.get("/v1/customers?msp=bluefin", headers=GROUP_AUDITOR).json()
    assert "riverside-clinic" in {c["customer"] for c in bluefin}


def test_the_account_as_of_a_moment_is_priced_as_it_was(
    service: Embedded, client: TestClient
) -> None:
    before = datetime.now(UTC)
    applied_seat_order(service, seats=10)
    now = client.get("/v1/customers/acme-dental", headers=NORTHWIND_AUDITOR).json()
    then = client.get(
        "/v1/customers/acme-dental",
        params={"as_of": before.isoformat()},
        headers=NORTHWIND_AUDITOR,
    ).json()
    first = client.get("/v1/customers/acme-dental?version=1", headers=NORTHWIND_AUDITOR).json()
    assert then["seats"] + 10 == now["seats"]
    assert then == first | {"as_of": then["as_of"]}
    assert then["monthly_cost"] == "81.60"


def test_histories_and_the_export_hold_every_event_of_the_customer(
    service: Embedded, client: TestClient
) -> None:
    order_id = applied_seat_order(service)
    order = client.get(f"/v1/orders/{order_id}/history", headers=NORTHWIND_AUDITOR).json()
    assert [e["type"] for e in order][:2] == ["ChangeOrder.Drafted", "ChangeOrder.OptionsSelected"]
    customer = client.get("/v1/customers/acme-dental/history", headers=NORTHWIND_AUDITOR).json()
    assert {e["event_id"] for e in order} < {e["event_id"] for e in customer}
    with client.stream(
        "GET", "/v1/customers/acme-dental/export", headers=NORTHWIND_AUDITOR
    ) as response:
        assert response.headers["content-type"] == "application/x-ndjson"
        lines = [json.loads(line) for line in response.iter_lines() if line]
    assert lines == customer


def test_checkpoints_and_proofs_hold_with_the_published_key(
    service: Embedded, client: TestClient
) -> None:
    order_id = applied_seat_order(service)
    sign(service)
    applied_seat_order(service, seats=3)
    sign(service)
    public = public_key_from_pem(client.get("/v1/audit/public-key").text)
    old, new = (
        Checkpoint.from_json(c)
        for c in client.get("/v1/audit/checkpoints", headers=GROUP_AUDITOR).json()
    )
    assert old.verifies_with(public)
    assert new.verifies_with(public)
    consistency = client.get(
        "/v1/audit/proofs/consistency",
        params={"first": old.tree_size, "second": new.tree_size},
        headers=NORTHWIND_AUDITOR,
    ).json()
    assert consistency_holds(consistency, old.root_hash, new.root_hash)
    history = client.get(f"/v1/orders/{order_id}/history", headers=NORTHWIND_AUDITOR).json()
    proof = client.get(
        f"/v1/audit/proofs/inclusion/{history[-1]['event_id']}",
        params={"tree_size": old.tree_size},
        headers=NORTHWIND_AUDITOR,
    ).json()
    assert inclusion_holds(proof, old.root_hash)


def test_an_auditor_cannot_prove_another_msps_event(
    service: Embedded, client: TestClient, bluefin: Headers
) -> None:
    response = client.post("/v1/orders", headers=bluefin, json={"customer": "riverside-clinic"})
    order_id = response.json()["order_id"]
    (drafted,) = client.get(f"/v1/orders/{order_id}/history", headers=bluefin).json()
    denied = client.get(
        f"/v1/audit/proofs/inclusion/{drafted['event_id']}", headers=NORTHWIND_AUDITOR
    )
    assert denied.status_code == 404
    allowed = client.get(f"/v1/audit/proofs/inclusion/{drafted['event_id']}", headers=GROUP_AUDITOR)
    assert allowed.status_code == 200
