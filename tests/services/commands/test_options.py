"""The options read: what a portal may show on the Change Options screen, and the catalogue."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.services.commands.test_api import new_order

Headers = dict[str, str]


def options(client: TestClient, headers: Headers, customer: str) -> dict[str, Any]:
    response = client.get(f"/v1/customers/{customer}/options", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_options_show_the_agreements_add_ons_at_contracted_prices(
    client: TestClient, northwind: Headers
) -> None:
    body = options(client, northwind, "acme-dental")
    catalogue = client.get("/v1/catalogue", headers=northwind).json()
    enabled = {p["code"] for p in catalogue["products"] if p["kind"] == "add-on" and p["enabled"]}
    assert {a["code"] for a in body["add_on_options"]} == enabled
    assert "BEP" not in enabled  # in the price list, not in Northwind's agreement
    ess = body["primary"]["keep"][0]
    assert (ess["code"], ess["list_price"], ess["unit_price"]) == ("SEG-ESS", "2.40", "2.04")
    assert body["seats"] == {
        "current": 40,
        "minimum_seats": 1,
        "minimum_adjustment": -39,
        "minimum_adjustment_with_product_change": 0,
    }
    assert {u["user_id"] for u in body["implementation_lead"]["users"]} >= {"alice", "bob"}
    assert body["confirmations"]["msa"]["msa_id"] == "MSA-NW-2024-03"
    assert body["blocked"] is None


def test_each_offered_choice_reviews_through_the_api(
    client: TestClient, northwind: Headers
) -> None:
    body = options(client, northwind, "acme-dental")
    choices = [
        {"mode": "add_to", "products": [body["primary"]["add_to"][0]["code"]]},
        {"mode": "select_new", "product": body["primary"]["select_new"][0]["code"]},
        {"mode": "keep"},
    ]
    for primary in choices:
        order_id = new_order(client, northwind)
        selected = {
            "seat_adjustment": 1,
            "implementation_lead": "alice",
            "primary": primary,
            "add_ons": [body["add_on_options"][0]["code"]],
        }
        put = client.put(f"/v1/orders/{order_id}/options", headers=northwind, json=selected)
        assert put.status_code == 200, put.text
        review = client.post(f"/v1/orders/{order_id}/review", headers=northwind)
        assert review.status_code == 200, review.text


def test_an_account_on_a_legacy_product_says_why_nothing_can_be_ordered(
    client: TestClient, northwind: Headers
) -> None:
    body = options(client, northwind, "old-mill-press")
    assert body["blocked"].startswith("primary-product-not-in-price-list: ")
    assert body["primary"]["add_to"] == body["primary"]["select_new"] == []


def test_options_carry_an_etag_and_answer_304_while_it_holds(
    client: TestClient, northwind: Headers
) -> None:
    first = client.get("/v1/customers/acme-dental/options", headers=northwind)
    etag = first.headers["ETag"]
    again = client.get(
        "/v1/customers/acme-dental/options", headers=northwind | {"If-None-Match": etag}
    )
    assert (again.status_code, again.content) == (304, b"")
    client.post(
        "/v1/users",
        headers=northwind,
        json={"user_id": "zoe", "name": "Zoe Park", "email": "zoe@example.com"},
    )
    changed = client.get(
        "/v1/customers/acme-dental/options", headers=northwind | {"If-None-Match": etag}
    )
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert "zoe" in {u["user_id"] for u in changed.json()["implementation_lead"]["users"]}


def test_another_msps_customer_has_no_options(client: TestClient, bluefin: Headers) -> None:
    response = client.get("/v1/customers/acme-dental/options", headers=bluefin)
    assert response.status_code == 404
    assert response.json()["rule"] == "customer-not-found"


def test_the_catalogue_is_at_the_msps_contracted_prices(
    client: TestClient, northwind: Headers, bluefin: Headers
) -> None:
    northwind_prices = client.get("/v1/catalogue", headers=northwind).json()
    bluefin_prices = client.get("/v1/catalogue", headers=bluefin).json()
    assert northwind_prices["price_list_version"] == bluefin_prices["price_list_version"]
    assert northwind_prices["products"] != bluefin_prices["products"]
    assert northwind_prices["transitions"]["SEG-ESS"]["replace_with"]
