"""Structured JSON logs for the long-running services (structlog over stdlib logging).

Modules log through the standard ``logging`` module; this renders every record as one JSON
line with the service, the level, the time, the ``extra`` fields, and the context bound by
:func:`changeorders.adapters.correlation.correlated` (correlation id, event id, aggregate
id, customer). Without it (tests, the demo) only warnings reach stderr, as usual.
"""

from __future__ import annotations

import logging
import sys

import structlog


def configure_logging(service: str, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processor=structlog.processors.JSONRenderer(),
            foreign_pre_chain=[
                structlog.contextvars.merge_contextvars,
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.stdlib.ExtraAdder(),
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                structlog.processors.format_exc_info,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("kafka").setLevel(logging.WARNING)
    logging.getLogger("httpx2").setLevel(logging.WARNING)  # each webhook POST: our own log
    structlog.contextvars.bind_contextvars(service=service)
