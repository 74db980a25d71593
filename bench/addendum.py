"""Addendum stage: CPU per PDF and PDFs/s on 1 and 2 worker processes, beside WeasyPrint
rendering the same content as plain tables with no stylesheet (the floor); emails/s to a
real SMTP server (aiosmtpd)."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from functools import partial
from html import escape
from pathlib import Path
from typing import Any
from uuid import UUID

from weasyprint import HTML

from bench.measure import Figure, Latencies, timed
from changeorders.adapters.settings import Settings
from changeorders.bootstrap import build_embedded
from changeorders.domain.options import Options, PrimaryChoice
from changeorders.schemas.reference import ReferenceData
from changeorders.services.notifier.addendum import Addendum, read_addendum, render_pdf
from changeorders.services.notifier.mail import SmtpTransport, compose
from devtools.orders import submit_order
from devtools.smtp import smtp_server
from devtools.tansu import free_port


def plain_html(addendum: Addendum) -> str:
    """The floor: every text of the addendum (facts, changes, monthly lines and totals, the
    note, previous products, confirmations) as rows of one plain HTML table, with no
    stylesheet and no page header or footer."""
    a, confirmation = addendum, addendum.confirmation
    cells: list[tuple[object, ...]] = [
        ("Change order addendum", f"{a.customer.name} managed by {a.msp.name}"),
        ("Order", a.order_id),
        ("Customer", f"{a.customer.name} ({a.customer.key})"),
        ("Partner (MSP)", f"{a.msp.name} ({a.msp.key})"),
        (
            "Submitted",
            f"{a.submitted_at:%d %B %Y, %H:%M UTC} by {a.submitter.name} {a.submitter.email}",
        ),
        ("Applied", f"{a.applied_at:%d %B %Y, %H:%M UTC}"),
        ("Implementation lead", f"{a.lead.name} {a.lead.email}"),
        (
            "Pricing",
            f"price list {a.quote.price_list_version}, agreement {a.quote.agreement_version}",
        ),
        (f"History hash (event {a.applied_version})", a.chain_hash),
    ]
    cells += [
        (
            f"{line.name} ({line.code})",
            line.change,
            f"{line.seats_before} → {line.seats_after}",
            line.unit_price,
            line.monthly_after,
        )
        for line in a.changes
    ]
    cells += [
        (
            f"{line.name} ({line.code})",
            line.seats_before,
            line.monthly_before,
            line.seats_after,
            line.monthly_after,
        )
        for line in a.quote.lines
    ]
    cells += [
        ("Total per month", a.quote.monthly_before, a.quote.monthly_after),
        ("Change per month", a.quote.monthly_delta),
        (
            "As confirmed",
            f"review #{confirmation['review_number']} priced this change at "
            f"{a.confirmed_quote.monthly_delta} per month; the order was applied only because the "
            "same change costs the same on the account as processing found it.",
        ),
    ]
    cells += [
        (f"{line.name} ({line.code})", line.kind, line.seats_before, line.monthly_before)
        for line in a.previous
    ]
    cells += [
        (
            "MSA",
            f"{confirmation['msa_title']} ({confirmation['msa_id']}) "
            f"sha256 {confirmation['msa_sha256']}",
        ),
        (
            "Authority",
            f"{confirmation['authority_statement']} sha256 {confirmation['authority_sha256']}",
        ),
        ("Ticked by", f"{confirmation['confirmed_by']} on {a.confirmed_at:%d %B %Y, %H:%M UTC}"),
    ]
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in cells
    )
    return f"<html><body><table>{rows}</table></body></html>"


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


def _render_bare(args: tuple[str, list[str]]) -> list[float]:
    folder, ids = args
    app = build_embedded(Settings(sqlite_path=Path(folder) / "addenda.sqlite3")).application
    pages = [plain_html(read_addendum(app, UUID(i))) for i in ids]
    HTML(string=pages[0]).write_pdf()
    latencies = Latencies()
    for page in pages:
        latencies.time(partial(_plain_pdf, page))
    return latencies.samples


def _plain_pdf(page: str) -> bytes:
    return bytes(HTML(string=page).write_pdf())


def _cpu_ms(job: Callable[[Any], list[float]], args: Any) -> float:
    """CPU time per PDF in this process, after a warm-up (fonts, imports)."""
    job(args)
    start = time.process_time()
    count = len(job(args))
    return (time.process_time() - start) * 1000 / count


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
        figures.append(
            Figure(
                "addendum",
                "CPU per PDF, 1 process",
                _cpu_ms(_render_ours, (folder, ids)),
                _cpu_ms(_render_bare, (folder, ids)),
                "ms",
                "baseline: the same content as plain HTML tables, no stylesheet "
                "(targets: <= 30 ms, ratio <= 1.5)",
            )
        )
        for workers in (1, 2):
            chunks = [(folder, ids[i::workers]) for i in range(workers)]
            ours, samples = _rate(workers, _render_ours, chunks)
            bare, _ = _rate(workers, _render_bare, chunks)
            p99 = Latencies(samples).percentile(99) * 1000
            figures.append(
                Figure(
                    "addendum",
                    f"PDFs/s, {workers} process(es)",
                    ours,
                    bare,
                    "PDFs/s",
                    f"p99 {p99:.0f} ms; baseline: the same content, plain tables",
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
