"""The HTTP API: every endpoint's success and error paths, tenancy, auth, idempotency."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from changeorders.adapters.settings import Settings
from changeorders.bootstrap import Embedded, build_embedded

Headers = dict[str, str]
UPGRADE = {
    "seat_adjustment": 5,
    "implementation_lead": "alice",
    "primary": {"mode": "select_new", "product": "SEG-ADV"},
    "add_ons": ["AWT"],
}


def new_order(client: TestClient, headers: Headers, customer: str = "acme-dental") -> str:
    response = client.post("/v1/orders", headers=headers, json={"customer": customer})
    assert response.status_code == 201, response.text
    return str(response.json()["order_id"])


def reviewed_order(client: TestClient, headers: Headers) -> tuple[str, dict[str, Any]]:
    order_id = new_order(client, headers)
    assert client.put(f"/v1/orders/{order_id}/options", headers=headers, json=UPGRADE).is_success
    review = client.post(f"/v1/orders/{order_id}/review", headers=headers)
    assert review.status_code == 200, review.text
    return order_id, review.json()


def event_count(service: Embedded) -> int:
    return service.application.recorder.max_notification_id() or 0


# --- customers and users ---------------------------------------------------------------------


def test_lists_only_the_msps_own_customers(client: TestClient, northwind: Headers) -> None:
    response = client.get("/v1/customers", headers=northwind)
    assert response.status_code == 200
    keys = {c["customer"] for c in response.json()}
    assert keys == {
        "acme-dental",
        "harbor-logistics",
        "pinecrest-legal",
        "sunrise-bakery",
        "old-mill-press",
    }


def test_customer_details(client: TestClient, northwind: Headers) -> None:
    body = client.get("/v1/customers/acme-dental", headers=northwind).json()
    assert body["seats"] == 40
    assert body["primary_products"] == ["SEG-ESS"]
    assert body["implementation_lead"] == "alice"
    assert body["attachments"] == []


def test_another_msps_customer_is_not_found(client: TestClient, bluefin: Headers) -> None:
    response = client.get("/v1/customers/acme-dental", headers=bluefin)
    assert response.status_code == 404
    assert response.json()["rule"] == "customer-not-found"
    unknown = client.get("/v1/customers/no-such-customer", headers=bluefin)
    assert (
        unknown.json()["message"].replace("no-such-customer", "acme-dental")
        == (response.json()["message"])
    )


def test_create_user_then_list_it(client: TestClient, northwind: Headers) -> None:
    body = {"user_id": "zoe", "name": "Zoe Park", "email": "zoe@northwind-it.example"}
    assert client.post("/v1/users", headers=northwind, json=body).status_code == 201
    users = {u["user_id"] for u in client.get("/v1/users", headers=northwind).json()}
    assert "zoe" in users
    again = client.post("/v1/users", headers=northwind, json=body)
    assert again.status_code == 409
    assert again.json()["rule"] == "user-already-exists"


def test_create_user_with_bad_email_names_the_field(client: TestClient, northwind: Headers) -> None:
    body = {"user_id": "zoe", "name": "Zoe", "email": "not-an-email"}
    response = client.post("/v1/users", headers=northwind, json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "email"]


# --- the order steps -------------------------------------------------------------------------


def test_a_whole_order_through_the_api(client: TestClient, northwind: Headers) -> None:
    order_id, review = reviewed_order(client, northwind)
    assert review["monthly_before"] == "81.60"
    # 45 x 3.3575 = 151.0875 -> 151.09 and 45 x 1.1475 = 51.6375 -> 51.64 (half-up per line)
    assert review["monthly_after"] == "202.73"
    assert review["price_list_version"] == "2026.11"
    assert review["msa"]["msa_id"] == "MSA-NW-2024-03"
    confirm = client.post(
        f"/v1/orders/{order_id}/confirm",
        headers=northwind,
        json={"accept_msa": True, "confirm_authority": True},
    )
    assert confirm.status_code == 200
    assert confirm.json()["confirmation"]["msa_sha256"] == review["msa"]["sha256"]
    submit = client.post(f"/v1/orders/{order_id}/submit", headers=northwind)
    assert submit.status_code == 202
    assert submit.json()["message"] == "Your order is being processed."
    assert submit.headers["location"] == submit.json()["status_url"]
    status = client.get(submit.json()["status_url"], headers=northwind).json()
    assert status["status"] == "submitted"
    assert [h["type"] for h in status["history"]][-1] == "Submitted"


def test_review_lines_total_to_the_summary(client: TestClient, northwind: Headers) -> None:
    from decimal import Decimal

    _, review = reviewed_order(client, northwind)
    assert sum(Decimal(line["monthly_after"]) for line in review["lines"]) == Decimal(
        review["monthly_after"]
    )
    assert Decimal(review["monthly_delta"]) == Decimal(review["monthly_after"]) - Decimal(
        review["monthly_before"]
    )


@pytest.mark.parametrize(
    ("options", "rule"),
    [
        ({**UPGRADE, "seat_adjustment": -1}, "product-change-with-seat-downgrade"),
        ({**UPGRADE, "add_ons": ["WEB"]}, "add-on-not-enabled-in-agreement"),
        (
            {**UPGRADE, "primary": {"mode": "select_new", "product": "ARC-CLD"}},
            "transition-not-allowed",
        ),
        (
            {**UPGRADE, "primary": {"mode": "keep"}, "add_ons": [], "seat_adjustment": -40},
            "seats-below-minimum",
        ),
        ({**UPGRADE, "implementation_lead": "zoe"}, "unknown-implementation-lead"),
        ({**UPGRADE, "add_ons": ["NOPE"]}, "unknown-product"),
    ],
)
def test_rule_violations_are_422_naming_the_rule_and_store_nothing(
    client: TestClient, service: Embedded, northwind: Headers, options: Any, rule: str
) -> None:
    order_id = new_order(client, northwind)
    before = event_count(service)
    response = client.put(f"/v1/orders/{order_id}/options", headers=northwind, json=options)
    assert response.status_code == 422
    assert response.json()["rule"] == rule
    assert event_count(service) == before


def test_unknown_lead_error_hints_to_create_the_user(
    client: TestClient, northwind: Headers
) -> None:
    order_id = new_order(client, northwind)
    body = {**UPGRADE, "implementation_lead": "zoe"}
    response = client.put(f"/v1/orders/{order_id}/options", headers=northwind, json=body)
    assert "create" in response.json()["hint"]


def test_legacy_primary_product_cannot_be_changed(client: TestClient, northwind: Headers) -> None:
    order_id = new_order(client, northwind, "old-mill-press")
    body = {"seat_adjustment": 1, "implementation_lead": "bob", "primary": {"mode": "keep"}}
    response = client.put(f"/v1/orders/{order_id}/options", headers=northwind, json=body)
    assert response.json()["rule"] == "primary-product-not-in-price-list"


def test_review_before_options_is_refused(client: TestClient, northwind: Headers) -> None:
    order_id = new_order(client, northwind)
    response = client.post(f"/v1/orders/{order_id}/review", headers=northwind)
    assert (response.status_code, response.json()["rule"]) == (422, "options-required")


def test_confirm_needs_both_ticks(client: TestClient, northwind: Headers) -> None:
    order_id, _ = reviewed_order(client, northwind)
    response = client.post(
        f"/v1/orders/{order_id}/confirm",
        headers=northwind,
        json={"accept_msa": True, "confirm_authority": False},
    )
    assert response.status_code == 422
    assert response.json()["rule"] == "both-confirmations-required"


def test_confirm_without_review_and_submit_without_confirm(
    client: TestClient, northwind: Headers
) -> None:
    order_id = new_order(client, northwind)
    client.put(f"/v1/orders/{order_id}/options", headers=northwind, json=UPGRADE)
    ticks = {"accept_msa": True, "confirm_authority": True}
    confirm = client.post(f"/v1/orders/{order_id}/confirm", headers=northwind, json=ticks)
    assert confirm.json()["rule"] == "current-review-required"
    submit = client.post(f"/v1/orders/{order_id}/submit", headers=northwind)
    assert submit.json()["rule"] == "confirmation-of-latest-review-required"


def test_a_submitted_order_is_immutable(client: TestClient, northwind: Headers) -> None:
    order_id, _ = reviewed_order(client, northwind)
    ticks = {"accept_msa": True, "confirm_authority": True}
    client.post(f"/v1/orders/{order_id}/confirm", headers=northwind, json=ticks)
    assert client.post(f"/v1/orders/{order_id}/submit", headers=northwind).status_code == 202
    again = client.put(f"/v1/orders/{order_id}/options", headers=northwind, json=UPGRADE)
    assert (again.status_code, again.json()["rule"]) == (409, "submitted-order-is-immutable")


def test_drafts_are_listed_and_can_be_cancelled(client: TestClient, northwind: Headers) -> None:
    order_id = new_order(client, northwind)
    drafts = client.get("/v1/orders", headers=northwind).json()
    assert [d["order_id"] for d in drafts] == [order_id]
    cancel = client.post(f"/v1/orders/{order_id}/cancel", headers=northwind, json={})
    assert cancel.json()["status"] == "cancelled"
    assert client.get("/v1/orders", headers=northwind).json() == []
    every = client.get("/v1/orders", headers=northwind, params={"open_only": False}).json()
    assert [d["status"] for d in every] == ["cancelled"]
    again = client.post(f"/v1/orders/{order_id}/cancel", headers=northwind, json={})
    assert again.json()["rule"] == "order-is-cancelled"


def test_another_msps_order_is_not_found(
    client: TestClient, northwind: Headers, bluefin: Headers
) -> None:
    order_id = new_order(client, northwind)
    assert client.get(f"/v1/orders/{order_id}", headers=bluefin).status_code == 404
    response = client.put(f"/v1/orders/{order_id}/options", headers=bluefin, json=UPGRADE)
    assert response.status_code == 404
    assert client.get("/v1/orders", headers=bluefin).json() == []


# --- authentication and malformed input ----------------------------------------------------


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "Basic YWxhZGRpbjo="])
def test_requests_without_a_valid_token_are_401(
    client: TestClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/v1/customers", headers=headers)
    assert response.status_code == 401
    assert response.json()["rule"] == "authentication-required"


def test_an_unknown_token_on_an_empty_store_hints_at_load(settings: Settings) -> None:
    empty = build_embedded(settings)
    try:
        response = TestClient(empty.api()).get(
            "/v1/customers", headers={"Authorization": "Bearer demo-northwind-7Qm2xV"}
        )
    finally:
        empty.close()
    assert response.status_code == 401
    assert "changeorders load" in response.json()["message"]


def test_missing_acting_user_is_422(client: TestClient, northwind: Headers) -> None:
    headers = {"Authorization": northwind["Authorization"]}
    response = client.post("/v1/orders", headers=headers, json={"customer": "acme-dental"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["header", "X-Acting-User"]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({**UPGRADE, "seat_adjustment": "5"}, ["body", "seat_adjustment"]),
        ({**UPGRADE, "seat_adjustment": 1.5}, ["body", "seat_adjustment"]),
        ({**UPGRADE, "surprise": True}, ["body", "surprise"]),
        ({**UPGRADE, "primary": {"mode": "upgrade"}}, ["body", "primary"]),
        (
            {k: v for k, v in UPGRADE.items() if k != "implementation_lead"},
            ["body", "implementation_lead"],
        ),
    ],
)
def test_malformed_options_are_422_with_field_paths_and_store_nothing(
    client: TestClient, service: Embedded, northwind: Headers, body: Any, loc: list[str]
) -> None:
    order_id = new_order(client, northwind)
    before = event_count(service)
    response = client.put(f"/v1/orders/{order_id}/options", headers=northwind, json=body)
    assert response.status_code == 422
    assert response.json()["rule"] == "invalid-request"
    assert response.json()["errors"][0]["loc"][:2] == loc
    assert event_count(service) == before


def test_invalid_json_is_422(client: TestClient, northwind: Headers) -> None:
    response = client.post(
        "/v1/orders",
        headers=northwind | {"Content-Type": "application/json"},
        content=b'{"customer": ',
    )
    assert response.status_code == 422


def test_a_malformed_order_id_is_422(client: TestClient, northwind: Headers) -> None:
    assert client.get("/v1/orders/not-a-uuid", headers=northwind).status_code == 422


# --- idempotency ------------------------------------------------------------------------------


def test_a_retry_with_the_same_key_gets_the_first_answer_and_stores_nothing(
    client: TestClient, service: Embedded, northwind: Headers
) -> None:
    headers = northwind | {"Idempotency-Key": "create-acme-1"}
    first = client.post("/v1/orders", headers=headers, json={"customer": "acme-dental"})
    after_first = event_count(service)
    retry = client.post("/v1/orders", headers=headers, json={"customer": "acme-dental"})
    assert retry.status_code == first.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert event_count(service) == after_first


def test_the_same_key_with_a_different_body_is_refused_and_applies_nothing(
    client: TestClient, service: Embedded, northwind: Headers
) -> None:
    headers = northwind | {"Idempotency-Key": "k-1"}
    client.post("/v1/orders", headers=headers, json={"customer": "acme-dental"})
    before = event_count(service)
    other = client.post("/v1/orders", headers=headers, json={"customer": "harbor-logistics"})
    assert other.status_code == 422
    assert other.json()["rule"] == "idempotency-key-reused"
    assert event_count(service) == before


def test_idempotency_keys_are_scoped_to_the_msp(
    client: TestClient, northwind: Headers, bluefin: Headers
) -> None:
    key = {"Idempotency-Key": "shared-key"}
    first = client.post("/v1/orders", headers=northwind | key, json={"customer": "acme-dental"})
    other = client.post("/v1/orders", headers=bluefin | key, json={"customer": "riverside-clinic"})
    assert first.status_code == other.status_code == 201
    assert first.json()["order_id"] != other.json()["order_id"]


def test_a_refused_request_is_replayed_as_refused(client: TestClient, northwind: Headers) -> None:
    order_id = new_order(client, northwind)
    headers = northwind | {"Idempotency-Key": "bad-1"}
    bad = {**UPGRADE, "seat_adjustment": -1}
    first = client.put(f"/v1/orders/{order_id}/options", headers=headers, json=bad)
    retry = client.put(f"/v1/orders/{order_id}/options", headers=headers, json=bad)
    assert first.status_code == retry.status_code == 422
    assert retry.json() == first.json()


def test_a_retried_submit_is_accepted_once(
    client: TestClient, service: Embedded, northwind: Headers
) -> None:
    order_id, _ = reviewed_order(client, northwind)
    ticks = {"accept_msa": True, "confirm_authority": True}
    client.post(f"/v1/orders/{order_id}/confirm", headers=northwind, json=ticks)
    headers = northwind | {"Idempotency-Key": f"submit-{order_id}"}
    first = client.post(f"/v1/orders/{order_id}/submit", headers=headers)
    before = event_count(service)
    retry = client.post(f"/v1/orders/{order_id}/submit", headers=headers)
    assert first.status_code == retry.status_code == 202
    assert event_count(service) == before


def test_an_idempotency_key_over_255_characters_is_refused(
    client: TestClient, northwind: Headers
) -> None:
    headers = northwind | {"Idempotency-Key": "k" * 256}
    response = client.post("/v1/orders", headers=headers, json={"customer": "acme-dental"})
    assert response.status_code == 422


# --- the published contract ------------------------------------------------------------------


def test_openapi_is_served_and_matches_the_document_in_the_repo(client: TestClient) -> None:
    served = client.get("/openapi.json").json()
    stored = json.loads((Path(__file__).parents[3] / "docs" / "openapi.json").read_text())
    assert served == stored, "run `changeorders openapi` to refresh docs/openapi.json"


def test_health(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


@pytest.mark.parametrize("field", ["name", "email"])
def test_control_characters_in_text_are_refused_not_a_server_error(
    client: TestClient, northwind: Headers, field: str
) -> None:
    body = {"user_id": "zoe", "name": "Zoe", "email": "zoe@example.com"}
    body[field] = "zo\u0000e@example.com"
    response = client.post("/v1/users", headers=northwind | {"Idempotency-Key": "nul"}, json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", field]


def test_an_oversized_seat_adjustment_is_refused(client: TestClient, northwind: Headers) -> None:
    order_id = new_order(client, northwind)
    body = {**UPGRADE, "seat_adjustment": 10**12}
    response = client.put(f"/v1/orders/{order_id}/options", headers=northwind, json=body)
    assert response.status_code == 422


def test_licence_counts_and_totals(client: TestClient, northwind: Headers) -> None:
    body = client.get("/v1/licences", headers=northwind).json()
    counts = {(c["customer"], c["product"]): c["seats"] for c in body["counts"]}
    assert counts[("acme-dental", "SEG-ESS")] == 40
    assert body["totals"]["SEG-ESS"] == 40 + 8
    assert ("riverside-clinic", "SEG-ADV") not in counts


def test_customer_details_list_the_customers_orders(client: TestClient, northwind: Headers) -> None:
    order_id = new_order(client, northwind)
    body = client.get("/v1/customers/acme-dental", headers=northwind).json()
    assert [(o["order_id"], o["status"]) for o in body["orders"]] == [(order_id, "draft")]


def test_the_api_docs_load_offline_from_the_package(client: TestClient) -> None:
    """Swagger UI's script, stylesheet and icon come from this app, not from a CDN."""
    import re

    page = client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources, page.text
    assert all(source.startswith("/") for source in sources), sources
    assert "https://" not in page.text
    assert "http://" not in page.text
    for source in sources:
        assert client.get(source).status_code == 200, source
