"""Composition root of the notifier: store, ledger, transport, and the feed it follows."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from eventsourcing.utils import get_topic

from changeorders.domain.order import ChangeOrder
from changeorders.services.commands.application import ChangeOrdersApplication
from changeorders.services.commands.attachments import AttachmentStore
from changeorders.services.database import tracking_recorder
from changeorders.services.feed import LocalFeed, LocalWorker
from changeorders.services.kafka_feed import feed_from_settings
from changeorders.services.notifier.ledger import DeliveryLedger
from changeorders.services.notifier.mail import FolderTransport, SmtpTransport, Transport
from changeorders.services.notifier.notifier import Notifier
from changeorders.services.settings import Settings

APPLIED_TOPICS = (get_topic(ChangeOrder.Applied),)  # type: ignore[attr-defined]


def transport(settings: Settings) -> Transport:
    """SMTP when a host is configured; otherwise ``.eml`` files in the outbox folder."""
    if settings.smtp_host:
        return SmtpTransport(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_tls,
            settings.smtp_user,
            settings.smtp_password,
        )
    return FolderTransport(settings.outbox_dir / "emails")


def notifier(application: ChangeOrdersApplication, settings: Settings) -> Notifier:
    datastore = application.recorder.datastore  # type: ignore[attr-defined]
    return Notifier(
        application,
        AttachmentStore(datastore),
        DeliveryLedger(datastore, timedelta(seconds=settings.email_claim_seconds)),
        transport(settings),
        settings.mail_from,
        tracking_recorder(datastore, "notifier_tracking"),
        addendum_copies=None if settings.smtp_host else settings.outbox_dir / "addenda",
    )


def local_notifications(application: ChangeOrdersApplication, settings: Settings) -> LocalWorker:
    """The notifier on the in-process feed (the embedded default)."""
    built = notifier(application, settings)
    feed = LocalFeed(application, Notifier.name, built.tracking, APPLIED_TOPICS)
    return LocalWorker(feed, built.handle)


def kafka_notifications(
    application: ChangeOrdersApplication,
    settings: Settings,
    stop: threading.Event,
    **consumer_config: Any,
) -> Callable[[], None]:
    """The notifier as a member of its Kafka consumer group."""
    built = notifier(application, settings)
    feed = feed_from_settings(settings, "notifier", stop, **consumer_config)
    return lambda: feed.run_until_stopped(built.handle_published)
