"""The addendum document: reproducible to the byte, and every field escaped."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest

from changeorders.bootstrap import Embedded
from changeorders.services.notifier.addendum import Party, read_addendum, render_html, sha256
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
