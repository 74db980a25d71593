"""The benchmark harness never rots: a tiny run yields every figure, all positive.

It asserts that figures exist, never their size: wall-clock numbers stay out of tests.
"""

from __future__ import annotations

import pytest

from bench.__main__ import run, table

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


def test_a_tiny_run_yields_every_figure() -> None:
    figures = run(orders=3, stages=["commands", "pipeline", "addendum"])
    stages = {f.stage for f in figures}
    assert stages == {
        "commands (SQLite)",
        "commands (PostgreSQL)",
        "relay",
        "projections",
        "pipeline",
        "addendum",
        "emails",
    }
    assert all(f.ours > 0 for f in figures)
    assert all(f.baseline is None or f.baseline > 0 for f in figures)
    assert table(figures).row_count == len(figures)
