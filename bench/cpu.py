"""Where the CPU goes while a stage runs: each process's CPU time, read from ``/proc``.

The end-to-end stage runs every service as its own process on one machine; what each of
them (with its child processes, e.g. the notifier's render pool), PostgreSQL, the broker and
the load generator used over the measured window shows which one holds the rest back on a
machine with few cores.

A tree's CPU is every live member's own time plus the time of the children it has reaped
(``cutime``/``cstime``): when a process ends, its parent inherits its time, so the sum only
grows (PostgreSQL starts and ends a backend per connection).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


@dataclass(frozen=True)
class Process:
    name: str
    parent: int
    own: float  # seconds, user + system
    reaped: float  # seconds of the children it has waited for


def _processes() -> dict[int, Process]:
    """Every process that can be read, by pid."""
    found = {}
    for stat in PROC.glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # it ended meanwhile
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = [int(f) for f in text[text.rindex(")") + 2 :].split()[1:15]]
        found[int(stat.parent.name)] = Process(
            name, fields[0], (fields[10] + fields[11]) / TICKS, (fields[12] + fields[13]) / TICKS
        )
    return found


def _tree(processes: dict[int, Process], children: dict[int, list[int]], root: int) -> float:
    seconds, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        if pid in processes:
            seconds += processes[pid].own + processes[pid].reaped
        todo += children.get(pid, [])
    return seconds


def cpu_seconds(
    trees: Mapping[str, int], alone: Mapping[str, int], by_name: Mapping[str, str]
) -> dict[str, float]:
    """CPU seconds so far, by label: of each process tree in ``trees`` (the pid and its
    descendants), of each process in ``alone`` (itself only: it may be the parent of the
    others), and of the trees of processes whose command name starts with a ``by_name``
    key (e.g. ``postgres``: the postmaster and its backends), under that key's label."""
    processes = _processes()
    children: dict[int, list[int]] = defaultdict(list)
    for pid, process in processes.items():
        children[process.parent].append(pid)
    used: dict[str, float] = defaultdict(float)
    for label, root in trees.items():
        used[label] += _tree(processes, children, root)
    for label, pid in alone.items():
        used[label] += processes[pid].own if pid in processes else 0.0
    for prefix, label in by_name.items():
        for pid, process in processes.items():
            parent = processes.get(process.parent)
            if process.name.startswith(prefix) and not (parent and parent.name.startswith(prefix)):
                used[label] += _tree(processes, children, pid)
    return dict(used)


def cpu_used(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    """CPU seconds each label used between two readings of :func:`cpu_seconds` (0 for a
    tree whose root was restarted meanwhile: its earlier time left with it)."""
    return {label: max(0.0, after[label] - before.get(label, 0.0)) for label in after}
