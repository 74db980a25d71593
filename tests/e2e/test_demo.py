"""The README's first command: the demo runs on a fresh embedded store and reads well."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_demo(out: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "changeorders", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_demo_walks_one_order_of_each_kind(tmp_path: Path) -> None:
    out = run_demo(tmp_path)
    kinds = ("Seat increase", "Seat decrease", "Add-ons", "Add to primary", "Select new primary")
    for kind in kinds:
        assert kind in out
    assert out.count("your order is being processed") == 5
    assert out.count("processed: applied") == 5
    assert "refused product-change-with-seat-downgrade" in out
    assert "Monthly total" in out
    assert (tmp_path / "changeorders.sqlite3").exists()


def test_demo_starts_from_a_fresh_store_every_time(tmp_path: Path) -> None:
    for _ in range(2):
        assert "18 records created" in run_demo(tmp_path)
