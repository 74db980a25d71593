"""The HTTP baseline: a bare FastAPI app served by uvicorn with the same settings as
``changeorders serve``, one endpoint per step doing the bare ``eventsourcing`` save of one
event (the library's own recorder, no rules, no views). Run by :mod:`bench.http`:
``python -m uvicorn bench.bare_api:app``, the store named by the ``CHANGEORDERS_*`` variables.
"""

from __future__ import annotations

from functools import cache
from uuid import UUID

from fastapi import FastAPI

from bench.commands import BareApplication, BareOrder, open_bare
from changeorders.adapters.settings import Settings

app = FastAPI()


@cache
def store() -> BareApplication:
    return open_bare(Settings.from_env())


@app.get("/readyz")
def ready() -> dict[str, bool]:
    store()
    return {"ready": True}


@app.post("/orders", status_code=201)
def create(body: dict[str, str]) -> dict[str, str]:
    order = BareOrder(body.get("customer", "") + "x" * 200)
    store().save(order)
    return {"order_id": str(order.id)}


@app.post("/orders/{order_id}/step")
def step(order_id: UUID, body: dict[str, object] | None = None) -> dict[str, int]:
    order: BareOrder = store().repository.get(order_id)
    order.step(str(body) + "y" * 200)
    store().save(order)
    return {"version": order.version}
