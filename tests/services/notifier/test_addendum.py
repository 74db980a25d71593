"""The addendum document: reproducible to the byte, and every field escaped."""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import replace
from typing import Any

import pytest
from pypdf import PdfReader
from weasyprint import HTML

from changeorders.adapters.publishing import event_id
from changeorders.bootstrap import Embedded
from changeorders.services.notifier.addendum import (
    AddendumHTML,
    Party,
    read_addendum,
    render_html,
    render_pdf,
    sha256,
    typesetting,
)
from tests.services.notifier.conftest import applied_order

RENDER = """
import sys
from pathlib import Path
from uuid import UUID
from changeorders.bootstrap import build_embedded
from changeorders.adapters.settings import Settings
from changeorders.services.notifier.addendum import read_addendum, render_pdf, sha256
service = build_embedded(Settings(sqlite_path=Path(sys.argv[1])))
print(sha256(render_pdf(read_addendum(service.application, UUID(sys.argv[2])))))
"""


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
def test_the_same_order_renders_byte_identical_pdfs_in_separate_processes(
    service: Embedded,
) -> None:
    order_id = applied_order(service)
    digests = {
        subprocess.run(
            [sys.executable, "-c", RENDER, str(service.settings.sqlite_path), str(order_id)],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout.strip()
        for _ in range(2)
    }
    assert len(digests) == 1
    assert len(next(iter(digests))) == 64


def test_every_field_is_escaped(service: Embedded) -> None:
    order_id = applied_order(service)
    hostile = replace(
        read_addendum(service.application, order_id),
        customer=Party("riverside-clinic", "<script>alert('x')</script>"),
    )
    html = render_html(hostile)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_dates_come_from_the_events_not_the_clock(service: Embedded) -> None:
    order_id = applied_order(service)
    addendum = read_addendum(service.application, order_id)
    assert sha256(render_html(addendum).encode()) == sha256(render_html(addendum).encode())
    assert addendum.applied_at.strftime("%d %B %Y") in render_html(addendum)


def test_the_pdf_carries_the_orders_chain_hash_as_the_audit_log_proves_it(
    service: Embedded,
) -> None:
    order_id = applied_order(service)
    addendum = read_addendum(service.application, order_id)
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(render_pdf(addendum))).pages
    )
    proof = service.evidence.inclusion(event_id(order_id, addendum.applied_version))
    assert proof["topic"].endswith("ChangeOrder.Applied")
    assert proof["chain_hash"] == addendum.chain_hash
    assert addendum.chain_hash in text.replace("\n", "")


def laid_out(document_class: Any, html: str) -> list[tuple[object, ...]]:
    fonts, sheet, _ = typesetting()
    document = document_class(string=html).render(stylesheets=[sheet], font_config=fonts)
    return [
        (type(box).__name__, getattr(box, "text", ""), box.position_x, box.position_y, box.width)
        for page in document.pages
        for box in page._page_box.descendants()
    ]


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
def test_the_addendum_lays_out_as_with_weasyprints_own_user_agent_sheet(
    service: Embedded,
) -> None:
    html = render_html(read_addendum(service.application, applied_order(service)))
    ours = laid_out(AddendumHTML, html)
    assert len(ours) > 200  # every box of the page, header and footer included
    assert ours == laid_out(HTML, html)
