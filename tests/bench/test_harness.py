"""The benchmark harness never rots: a tiny run yields every figure.

It asserts that figures exist and are positive (lags and waits may be 0), never their
size: wall-clock numbers stay out of tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.__main__ import STAGES, Sizes, run, table

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

TINY = Sizes(
    orders=3, rate=2, seconds=1, events=(300, 600), growth_orders=2, outage=1, audit_events=50
)
MAY_BE_ZERO = {"events", "s", "ms CPU"}  # a consumer lag, a wait, one process's CPU


def test_a_tiny_run_yields_every_figure(tmp_path: Path) -> None:
    figures = run(TINY, STAGES, tmp_path)
    stages = {f.stage for f in figures}
    assert stages == {
        "commands (SQLite)",
        "commands (PostgreSQL)",
        "relay",
        "projections",
        "pipeline",
        "rebuild (PostgreSQL)",
        "addendum",
        "emails",
        "end to end",
        "portal (SQLite)",
        "portal (PostgreSQL)",
        "webhooks",
        "growth",
        "audit (SQLite)",
        "audit (PostgreSQL)",
    }
    assert all(f.ours > 0 for f in figures if f.unit not in MAY_BE_ZERO)
    assert all(f.ours >= 0 for f in figures)
    assert all(f.baseline is None or f.baseline > 0 for f in figures)
    assert len([f for f in figures if f.stage == "growth"]) == 2 * len(TINY.events)
    assert table(figures).row_count == len(figures)
    assert [chart.suffix for chart in tmp_path.iterdir()] == [".png"]
