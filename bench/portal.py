"""The portal's reads and a webhook receiver's outage, through ``changeorders serve`` (the
embedded default: one process) as its own process. Webhook latency at the full rate is
measured through the broker with the split services, in the ``latency`` stage.

- The options read (``GET /v1/customers/{c}/options``), beside the customer page read in
  the same run, alternating, on the same server.
- An outage: orders submitted over HTTP at :data:`OUTAGE_RATE` while the receiver is down
  for ``outage`` seconds; then how long after it is back until every outcome webhook
  (``order.applied`` or ``order.rejected``) has arrived, signature verified, with none lost
  or delivered twice. The retry schedule (5 s doubling) sets this figure.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from functools import partial

import httpx2

from bench.http import CUSTOMERS, HEADERS, OPTIONS, TICKS, api_server
from bench.measure import Figure, Latencies
from changeorders.adapters.settings import Settings
from changeorders.schemas.reference import ReferenceData
from devtools.tansu import free_port
from devtools.webhook_receiver import Receiver, webhook_receiver

READS = 300
OPTIONS_JSON = "/v1/customers/acme-dental/options"
#: what one embedded process (API, processor, notifier rendering PDFs, webhooks) sustains
OUTAGE_RATE = 2.0
#: the embedded default: the views caught up on read, webhooks sent in-process
EMBEDDED = {"CHANGEORDERS_DELIVERY": "local", "CHANGEORDERS_WEBHOOKS_ALLOW_HTTP": "true"}
OUTCOMES = ["order.applied", "order.rejected"]


def measure(settings: Settings, data: ReferenceData, outage: float) -> list[Figure]:
    figures = options_reads(settings, data) + page_renders(settings, data)
    with api_server(settings, data, **EMBEDDED) as client:
        receiver = Receiver(free_port())
        created = client.post("/v1/webhooks", json={"url": receiver.url, "event_types": OUTCOMES})
        receiver.secret = created.raise_for_status().json()["secret"]
        figures += receiver_down(client, receiver, OUTAGE_RATE, outage)
    return figures


def fetch(client: httpx2.Client, path: str) -> None:
    client.get(path).raise_for_status()


def options_reads(settings: Settings, data: ReferenceData) -> list[Figure]:
    ours, page = Latencies(), Latencies()
    with api_server(settings, data, **EMBEDDED) as client:
        for n in range(READS):
            path = f"/v1/customers/{CUSTOMERS[n % len(CUSTOMERS)]}"
            ours.time(partial(fetch, client, f"{path}/options"))
            page.time(partial(fetch, client, path))
    return percentiles(settings, "options read", ours, page, "the customer page read")


def submit_at(client: httpx2.Client, rate: float, seconds: float) -> dict[str, float]:
    """Whole orders at ``rate``/s for ``seconds``; each order's submit time (time.time())."""
    submitted: dict[str, float] = {}
    start, n = time.monotonic(), 0
    while time.monotonic() - start < seconds:
        time.sleep(max(0.0, start + n / rate - time.monotonic()))
        created = client.post("/v1/orders", json={"customer": CUSTOMERS[n % len(CUSTOMERS)]})
        order = f"/v1/orders/{created.raise_for_status().json()['order_id']}"
        client.put(f"{order}/options", json=OPTIONS).raise_for_status()
        submit(client, order)
        submitted[order.rsplit("/", 1)[1]] = time.time()
        n += 1
    return submitted


def signed_in(client: httpx2.Client) -> str:
    """Sign in to the portal as alice; the path of a new draft's options page."""
    token = HEADERS["Authorization"].removeprefix("Bearer ")
    sign_in = form_token(client, "/portal/sign-in") | {"token": token, "user": "alice"}
    client.post("/portal/sign-in", data=sign_in)
    draft = form_token(client, "/portal/customers")  # a new session token after signing in
    created = client.post("/portal/customers/acme-dental/orders", data=draft)
    return str(created.headers["location"])


def form_token(client: httpx2.Client, page: str) -> dict[str, str]:
    """The session's CSRF token, from a page's form."""
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(page).text)
    assert found is not None
    return {"csrf": found.group(1)}


def page_renders(settings: Settings, data: ReferenceData) -> list[Figure]:
    """Portal pages (Jinja2, the application read) beside the JSON read of the same data."""
    pages = {"customers page": "/portal/customers", "options page": ""}
    json_of = {"customers page": "/v1/customers", "options page": OPTIONS_JSON}
    env = EMBEDDED | {"CHANGEORDERS_PORTAL_INSECURE_COOKIE": "true"}
    figures = []
    with api_server(settings, data, **env) as client:
        pages["options page"] = signed_in(client)
        for name, path in pages.items():
            ours, bare = Latencies(), Latencies()
            for _ in range(READS // 2):
                ours.time(partial(fetch, client, path))
                bare.time(partial(fetch, client, json_of[name]))
            figures += percentiles(settings, name, ours, bare, "the JSON API read of the same data")
    return figures


def percentiles(
    settings: Settings, what: str, ours: Latencies, baseline: Latencies, of: str
) -> list[Figure]:
    """p50 and p99 in ms of ``ours`` beside ``baseline``, measured in the same run."""
    return [
        Figure(
            f"portal ({store_name(settings)})",
            f"{what} p{p}",
            ours.percentile(p) * 1000,
            baseline.percentile(p) * 1000,
            "ms",
            f"baseline: {of}",
        )
        for p in (50, 99)
    ]


def store_name(settings: Settings) -> str:
    return "SQLite" if settings.event_store == "sqlite" else "PostgreSQL"


def submit(client: httpx2.Client, order: str) -> None:
    """Review, confirm, submit; as a portal does, review again when the account moved on
    (another order on the customer was applied meanwhile: 409 account-changed-since-review)."""
    for _ in range(10):
        client.post(f"{order}/review").raise_for_status()
        client.post(f"{order}/confirm", json=TICKS).raise_for_status()
        answer = client.post(f"{order}/submit")
        if answer.status_code != 409:
            answer.raise_for_status()
            return
    answer.raise_for_status()


def outcomes(receiver: Receiver) -> dict[str, float]:
    return {r.payload["data"]["order_id"]: r.at for r in receiver.received}


def wait_until(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("webhooks did not all arrive")
        time.sleep(0.05)


def receiver_down(
    client: httpx2.Client, receiver: Receiver, rate: float, outage: float
) -> list[Figure]:
    before = len(receiver.received)
    submitted = submit_at(client, rate, outage)  # nothing listens meanwhile
    back = time.time()
    with webhook_receiver(receiver):
        wait_until(lambda: set(submitted) <= set(outcomes(receiver)), outage * 2 + 120)
    late = receiver.received[before:]
    ids = [r.webhook_id for r in late]
    return [
        Figure(
            "webhooks",
            f"receiver down {outage:g} s: back -> every outcome",
            max(r.at for r in late) - back,
            None,
            "s",
            f"{len(submitted)} orders meanwhile",
        ),
        Figure(
            "webhooks",
            "lost / delivered twice after the outage",
            len(set(submitted) - set(outcomes(receiver))) + len(ids) - len(set(ids)),
            None,
            "events",
            "must be 0",
        ),
    ]
