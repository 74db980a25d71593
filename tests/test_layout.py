"""The tree stays one a newcomer can live in: small files, functions that fit on a screen."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "changeorders"
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60


def python_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_file_is_over_400_lines() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in python_files()
        if (n := len(p.read_text().splitlines())) > MAX_FILE_LINES
    }
    assert long == {}


def test_no_function_is_over_60_lines() -> None:
    long: dict[str, int] = {}
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(PACKAGE)}:{node.name}"] = lines
    assert long == {}


def test_each_deployed_service_has_its_folder() -> None:
    services = {p.name for p in (PACKAGE / "services").iterdir() if (p / "__init__.py").exists()}
    assert services == {"commands", "relay", "processor", "projections", "notifier", "webhooks"}
