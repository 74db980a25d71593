"""Small timing helpers: rates and latency percentiles."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Timer:
    seconds: float = 0.0


@contextmanager
def timed() -> Iterator[Timer]:
    timer = Timer()
    start = time.perf_counter()
    try:
        yield timer
    finally:
        timer.seconds = time.perf_counter() - start


@dataclass
class Latencies:
    samples: list[float] = field(default_factory=list)

    def time(self, action: Callable[[], object]) -> None:
        start = time.perf_counter()
        action()
        self.samples.append(time.perf_counter() - start)

    def percentile(self, p: float) -> float:
        if len(self.samples) < 2:
            return self.samples[0] if self.samples else 0.0
        return statistics.quantiles(self.samples, n=100, method="inclusive")[int(p) - 1]


@dataclass(frozen=True)
class Figure:
    """One measured figure, its baseline in the same run, and their ratio."""

    stage: str
    what: str
    ours: float
    baseline: float | None
    unit: str
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.ours / self.baseline if self.baseline else None
