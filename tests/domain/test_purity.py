"""domain/ is pure: from eventsourcing it may use only the pure ``eventsourcing.domain``.

import-linter (run by the test command) forbids services, schemas and drivers; it cannot
name an external package's submodules, so this test covers the rest of eventsourcing.
"""

from __future__ import annotations

import ast
from pathlib import Path

import changeorders.domain

DOMAIN = Path(changeorders.domain.__file__).parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_domain_uses_only_the_pure_part_of_eventsourcing() -> None:
    for path in DOMAIN.glob("*.py"):
        for module in imported_modules(path):
            if module.startswith("eventsourcing"):
                assert module == "eventsourcing.domain", f"{path.name} imports {module}"
