"""Addendum stage: PDFs/s on 1 and 2 worker processes beside bare WeasyPrint rendering a
fixed one-page HTML table of the same size; emails/s to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

from weasyprint import HTML

from bench.measure import Figure, Latencies, timed
from changeorders.adapters.settings import Settings
from changeorders.bootstrap import build_embedded
from changeorders.domain.options import Options, PrimaryChoice
from changeorders.schemas.reference import ReferenceData
from changeorders.services.notifier.addendum import read_addendum, render_pdf
from changeorders.services.notifier.mail import SmtpTransport, compose
from devtools.orders import submit_order
from devtools.smtp import smtp_server
from devtools.tansu import free_port

BARE_HTML = (
    "<html><body style='font-family: sans-serif; font-size: 9pt'><h1>Addendum</h1><table>"
    + "".join(
        f"<tr><td>Product {i}</td><td>{i * 3}</td><td>${i * 1.5:.2f}</td><td>${i * 7:.2f}</td></tr>"
        for i in range(28)
    )
    + "</table></body></html>"
)


def _store(folder: str, orders: int, data: ReferenceData) -> list[str]:
    service = build_embedded(Settings(sqlite_path=Path(folder) / "addenda.sqlite3"))
    app = service.application
    app.load_reference_data(data)
    ids = []
    for _ in range(orders):
        keep = Options(1, "dan", PrimaryChoice.KEEP)
        order_id = submit_order(app, "bluefin", "carol", "riverside-clinic", keep)
        service.processing.pump()
        ids.append(str(order_id))
    service.close()
    return ids


def _render_ours(args: tuple[str, list[str]]) -> list[float]:
    folder, ids = args
    app = build_embedded(Settings(sqlite_path=Path(folder) / "addenda.sqlite3")).application
    addenda = [read_addendum(app, UUID(i)) for i in ids]
    render_pdf(addenda[0])  # fonts loaded before timing, as in a running notifier
    latencies = Latencies()
    for addendum in addenda:
        latencies.time(partial(render_pdf, addendum))
    return latencies.samples


def _render_bare(count: int) -> list[float]:
    HTML(string=BARE_HTML).write_pdf()
    latencies = Latencies()
    for _ in range(count):
        latencies.time(lambda: HTML(string=BARE_HTML).write_pdf())
    return latencies.samples


def _rate(
    workers: int, job: Callable[[Any], list[float]], parts: list[Any]
) -> tuple[float, list[float]]:
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(job, parts[:workers]))  # warm the workers (imports, fonts)
        with timed() as clock:
            samples = [s for part in pool.map(job, parts) for s in part]
    return len(samples) / clock.seconds, samples


def measure(data: ReferenceData, pdfs: int) -> list[Figure]:
    figures = []
    with tempfile.TemporaryDirectory() as folder:
        ids = _store(folder, pdfs, data)
        for workers in (1, 2):
            chunks = [ids[i::workers] for i in range(workers)]
            ours, samples = _rate(workers, _render_ours, [(folder, c) for c in chunks])
            bare, _ = _rate(workers, _render_bare, [len(c) for c in chunks])
            p99 = Latencies(samples).percentile(99) * 1000
            figures.append(
                Figure(
                    "addendum",
                    f"PDFs/s, {workers} process(es)",
                    ours,
                    bare,
                    "PDFs/s",
                    f"p99 {p99:.0f} ms; baseline: bare WeasyPrint table",
                )
            )
        figures.append(_emails(folder, ids, data))
    return figures


def _emails(folder: str, ids: list[str], data: ReferenceData) -> Figure:
    app = build_embedded(Settings(sqlite_path=Path(folder) / "addenda.sqlite3")).application
    addendum = read_addendum(app, UUID(ids[0]))
    pdf = render_pdf(addendum)
    with smtp_server(free_port()) as server:
        transport = SmtpTransport(server.host, server.port)
        emails = [
            e
            for i in range(len(ids))
            for e in compose(
                replace(addendum, order_id=UUID(int=i)), pdf, "orders@changeorders.example"
            )
        ]
        with timed() as clock:
            for email in emails:
                transport.send(email)
    return Figure(
        "emails",
        "emails/s to a real SMTP server",
        len(emails) / clock.seconds,
        None,
        "emails/s",
        "one connection per email, half with the PDF attached",
    )
