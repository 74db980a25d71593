"""Schemathesis against our own OpenAPI document: no input gives a 5xx, and every status
code the API answers is one the document declares."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from changeorders.adapters.settings import Settings
from changeorders.bootstrap import build_embedded
from changeorders.schemas.reference import ReferenceData

TOKEN = {"Authorization": "Bearer demo-northwind-7Qm2xV"}  # generated tokens are all unknown


@pytest.fixture
def api_schema(tmp_path: Path, sample_data: ReferenceData) -> Iterator[Any]:
    service = build_embedded(Settings(sqlite_path=tmp_path / "fuzz.sqlite3", outbox_dir=tmp_path))
    service.application.load_reference_data(sample_data)
    yield schemathesis.openapi.from_asgi("/openapi.json", service.api())
    service.close()


def test_no_input_gives_a_server_error(api_schema: Any) -> None:
    """Every operation, with generated paths, queries, headers and bodies (valid and not)."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 12
    calls: dict[int, int] = {}
    for operation, mode in itertools.product(operations, list(GenerationMode)):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def call(case: Any) -> None:
            headers = {"X-Acting-User": "alice"} | dict(case.headers or {}) | TOKEN
            response = case.call(headers=headers)
            calls[response.status_code] = calls.get(response.status_code, 0) + 1
            case.validate_response(response, checks=[not_a_server_error, status_code_conformance])

        with contextlib.suppress(Unsatisfiable):  # nothing to make invalid (e.g. /healthz)
            call()
    assert sum(calls.values()) > 300
    assert not any(status >= 500 for status in calls)
    assert {200, 404, 422} <= set(calls)  # handlers were reached, not only the auth check
