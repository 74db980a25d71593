"""Addenda rendered on every core: WeasyPrint is pure Python, so one process renders one PDF
at a time; a pool of processes renders a poll's applied orders side by side.

The pool's processes are started (``spawn``: nothing of the parent's threads or database
connections is inherited) and warmed (fonts and stylesheet loaded) when the notifier is
built, so the first applied order does not wait for them.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from changeorders.services.notifier.addendum import Addendum, render_pdf, warm_up


def render_processes(configured: int) -> int:
    """``configured``, or one per core when it is 0."""
    return configured or os.cpu_count() or 1


class RenderPool:
    """Renders many addenda at once; one addendum (or a pool of one) renders in-process."""

    def __init__(self, processes: int) -> None:
        self._pool: ProcessPoolExecutor | None = None
        if processes > 1:
            self._pool = ProcessPoolExecutor(
                processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=warm_up,
            )
            for done in [self._pool.submit(warm_up) for _ in range(processes)]:
                done.result()

    def render(self, addenda: Sequence[Addendum]) -> list[bytes]:
        if self._pool is None or len(addenda) < 2:
            return [render_pdf(addendum) for addendum in addenda]
        return list(self._pool.map(render_pdf, addenda))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
