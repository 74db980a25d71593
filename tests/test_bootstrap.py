"""The composition root's process plumbing: workers that run together stop together."""

from __future__ import annotations

import threading

import pytest

from changeorders.bootstrap import Together


class Follows:
    def __init__(self) -> None:
        self.stopped = False

    def run_until(self, stop: threading.Event) -> None:
        stop.wait(30)
        self.stopped = True


class Fails:
    def run_until(self, stop: threading.Event) -> None:
        raise RuntimeError("the database went away for good")


def test_workers_together_stop_when_asked() -> None:
    stop, first, second = threading.Event(), Follows(), Follows()
    runner = threading.Thread(target=Together([first, second]).run_until, args=(stop,))
    runner.start()
    stop.set()
    runner.join(timeout=5)
    assert (first.stopped, second.stopped) == (True, True)


def test_one_failing_worker_stops_the_others_and_its_failure_is_raised() -> None:
    follows = Follows()
    with pytest.raises(RuntimeError, match="went away"):
        Together([follows, Fails()]).run_until(threading.Event())
    assert follows.stopped
