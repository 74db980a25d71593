"""Health: alive and ready."""

from __future__ import annotations

import sqlite3

import psycopg
from eventsourcing.persistence import PersistenceError
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from changeorders.schemas.views import ErrorBody
from changeorders.services.commands.dependencies import Parts

router = APIRouter(tags=["ops"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Alive: the process answers."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"model": ErrorBody}})
def readyz(parts: Parts) -> JSONResponse:
    """Ready: the event store answers a query."""
    try:
        with parts.application.datastore.transaction(commit=False) as cursor:
            cursor.execute("SELECT 1")
    except (PersistenceError, psycopg.Error, sqlite3.Error) as exc:
        body = ErrorBody(rule="event-store-unavailable", message=str(exc))
        return JSONResponse(body.model_dump(mode="json"), status_code=503)
    return JSONResponse({"status": "ready"})
