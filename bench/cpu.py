"""Where the CPU goes while a stage runs: each process's CPU time, read from ``/proc``.

The end-to-end stage runs every service as its own process on one machine; what each of
them (with its child processes, e.g. the notifier's render pool), PostgreSQL, the broker and
the load generator used over the measured window, in cores, shows which one holds the rest
back on a machine with few cores.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


def _stats() -> dict[int, tuple[str, int, float]]:
    """pid -> (command name, parent pid, CPU seconds) of every process that can be read."""
    stats = {}
    for stat in PROC.glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # it ended meanwhile
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        stats[int(stat.parent.name)] = (
            name,
            int(fields[1]),
            (int(fields[11]) + int(fields[12])) / TICKS,
        )
    return stats


def cpu_seconds(
    trees: Mapping[str, int], alone: Mapping[str, int], by_name: Mapping[str, str]
) -> dict[str, float]:
    """CPU seconds so far, by label: of each process tree in ``trees`` (the pid and its
    descendants), of each process in ``alone`` (itself only: it may be the parent of the
    others), and of every process whose command name starts with a ``by_name`` key (e.g.
    ``postgres``), under that key's label."""
    stats = _stats()
    children: dict[int, list[int]] = defaultdict(list)
    for pid, (_, parent, _) in stats.items():
        children[parent].append(pid)
    used: dict[str, float] = defaultdict(float)
    for label, root in trees.items():
        todo = [root]
        while todo:
            pid = todo.pop()
            used[label] += stats[pid][2] if pid in stats else 0.0
            todo += children.get(pid, [])
    for label, pid in alone.items():
        used[label] += stats[pid][2] if pid in stats else 0.0
    for name, _, seconds in stats.values():
        for prefix, label in by_name.items():
            if name.startswith(prefix):
                used[label] += seconds
    return dict(used)


def cpu_used(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    """CPU seconds each label used between two readings of :func:`cpu_seconds`."""
    return {label: after[label] - before.get(label, 0.0) for label in after}
