"""The fault run, at default settings: ``python -m bench.chaos [--rate 3] [--seconds 90]``.

Orders arrive at a fixed rate while the split services run as processes on PostgreSQL and
a real broker, sending to a real SMTP server. Meanwhile each consumer (processor, one of
the two notifiers, projections, webhooks) and the relay is SIGKILLed and restarted 3 s
later, and the PostgreSQL server itself is restarted. Then it waits for every order's
outcome and emails and reports: orders submitted / applied / applied twice, emails
expected / received / resent (the same Message-ID twice), seconds from the last fault to
the last email, and crashes in ``--starts`` simultaneous start-ups of every service.

It restarts the machine's PostgreSQL: run it alone, not beside the test suite.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from uuid import UUID

from bench.__main__ import postgres_schemas
from bench.latency import place, service_env, wait_until
from changeorders.adapters.kafka_feed import dead_letter_topic, ensure_topics
from changeorders.adapters.settings import Settings
from changeorders.application.application import ChangeOrdersApplication
from changeorders.bootstrap import build_embedded
from changeorders.cli.common import SAMPLE_DATA
from changeorders.schemas.reference import ReferenceData
from devtools.smtp import Inbox, smtp_server
from devtools.tansu import free_port, tansu_broker

SERVICES = ("relay", "process", "notify", "notify-2", "project", "webhooks")
#: (seconds into the run, what happens)
FAULTS = (
    (10, "process"),
    (20, "notify"),
    (30, "project"),
    (40, "relay"),
    (50, "webhooks"),
    (60, "database"),
    (70, "notify-2"),
)


class Fleet:
    """The services as processes, each restartable by name."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.running = {name: self.start(name) for name in SERVICES}

    def start(self, name: str) -> subprocess.Popen[bytes]:
        command = name.split("-", maxsplit=1)[0]
        log = (self.logs / f"{name}.log").open("a")
        return subprocess.Popen(
            [sys.executable, "-m", "changeorders", command],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )

    def kill_and_restart(self, name: str) -> None:
        self.running[name].send_signal(signal.SIGKILL)
        self.running[name].wait()
        time.sleep(3)
        self.running[name] = self.start(name)

    def stop(self) -> dict[str, int | None]:
        for process in self.running.values():
            process.send_signal(signal.SIGTERM)
        codes: dict[str, int | None] = {}
        for name, process in self.running.items():
            try:
                codes[name] = process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[name] = None
        return codes


def restart_postgres() -> None:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
    )


def emails(inbox: Inbox) -> Counter[str]:
    return Counter(message_id.strip() for _, message_id in list(inbox.arrivals))


def run(rate: float, seconds: float, folder: Path) -> dict[str, object]:
    data = ReferenceData.model_validate_json(SAMPLE_DATA.read_bytes())
    with (
        postgres_schemas(1) as (schema,),
        tansu_broker() as broker,
        smtp_server(free_port()) as smtp,
    ):
        name = f"chaos-{uuid.uuid4().hex[:8]}"
        settings = Settings(
            event_store="postgres",
            postgres_schema=schema,
            delivery="kafka",
            kafka_bootstrap=broker.bootstrap,
            events_topic=name,
            group_prefix=name,
            topic_partitions=3,
        )
        service = build_embedded(settings)
        service.application.load_reference_data(data)
        ensure_topics(broker.bootstrap, [name, dead_letter_topic(name)], 3, 1)
        fleet = Fleet(service_env(settings, smtp.port, folder), folder)
        submitted: list[UUID] = []
        faults, start, n = list(FAULTS), time.monotonic(), 0
        last_fault = time.time()
        while time.monotonic() - start < seconds:
            time.sleep(max(0.0, start + n / rate - time.monotonic()))
            if faults and time.monotonic() - start >= faults[0][0]:
                _, target = faults.pop(0)
                restart_postgres() if target == "database" else fleet.kill_and_restart(target)
                last_fault = time.time()
            try:
                submitted.append(place(service.application, n))
            except Exception as exc:
                print(f"order {n} not placed: {type(exc).__name__}", file=sys.stderr)
            n += 1
        report = settle(service.application, smtp.inbox, submitted, last_fault)
        report["exit codes after SIGTERM"] = fleet.stop()
        service.close()
    return report


def settle(
    app: ChangeOrdersApplication, inbox: Inbox, submitted: list[UUID], last_fault: float
) -> dict[str, object]:
    """Wait for every outcome and email, then count."""

    def outcomes() -> tuple[list[UUID], list[UUID]]:
        orders = [app.find_order(o) for o in submitted]
        applied = [o.id for o in orders if o is not None and o.is_applied]
        rejected = [o.id for o in orders if o is not None and o.status == "rejected"]
        return applied, rejected

    def done() -> bool:
        applied, rejected = outcomes()
        expected = {
            f"<order-{o}.{r}@changeorders.example>" for o in applied for r in ("submitter", "lead")
        }
        return len(applied) + len(rejected) == len(submitted) and expected <= set(emails(inbox))

    waited = wait_until(done, 300, "every outcome and email")
    applied, rejected = outcomes()
    twice = [
        o for o in applied if sum(1 for e in app.events.get(o) if type(e).__name__ == "Applied") > 1
    ]
    received = emails(inbox)
    last_email = max(at for at, _ in inbox.arrivals)
    return {
        "orders submitted": len(submitted),
        "applied": len(applied),
        "rejected": len(rejected),
        "applied twice": len(twice),
        "emails expected": 2 * len(applied),
        "emails received (distinct Message-IDs)": len(received),
        "emails resent (same Message-ID again)": sum(c - 1 for c in received.values()),
        "seconds from the last fault to the last email": round(last_email - last_fault, 1),
        "waited after the load ended, s": round(waited, 1),
    }


def starts(rounds: int, folder: Path) -> int:
    """Crashes when every service starts at the same moment on a fresh schema."""
    crashed = 0
    with tansu_broker() as broker:
        for n in range(rounds):
            with postgres_schemas(1) as (schema,):
                env = service_env(
                    Settings(
                        event_store="postgres",
                        postgres_schema=schema,
                        kafka_bootstrap=broker.bootstrap,
                        events_topic=f"s{n}",
                        group_prefix=f"s{n}",
                        topic_partitions=2,
                    ),
                    free_port(),
                    folder,
                )
                fleet = Fleet(env, folder)
                time.sleep(8)
                crashed += sum(1 for p in fleet.running.values() if p.poll() is not None)
                fleet.stop()
    return crashed


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__)
    parser.add_argument("--rate", type=float, default=3.0)
    parser.add_argument("--seconds", type=float, default=90.0)
    parser.add_argument("--starts", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = run(args.rate, args.seconds, Path(tmp))
        report["crashes in simultaneous starts"] = (
            f"{starts(args.starts, Path(tmp))} of {args.starts} starts x {len(SERVICES)} services"
        )
    for key, value in report.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
