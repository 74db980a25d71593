"""The composition root: settings in, one deployed process's parts out.

Each ``build_*`` builds only what its process needs and returns something with
``run_until(stop)``. Consumers follow the event store in-process (``delivery=local``, the
embedded default) or their Kafka consumer group (``delivery=kafka``): the same consumer
either way. ``build_embedded`` is the embedded default's single process (API, processor,
notifier, views), used by ``serve``, the demo and the tests. Nothing here runs on import.
"""

from __future__ import annotations

import functools
import os
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol, TypeVar, cast
from uuid import uuid4

from fastapi import FastAPI

from changeorders.adapters.database import (
    datastore,
    ensure_postgres_schema,
    schema_lock,
    tracking_recorder,
)
from changeorders.adapters.feed import Consumer, LocalFeed
from changeorders.adapters.kafka_feed import ensure_topics, feed_from_settings, new_producer
from changeorders.adapters.settings import Settings
from changeorders.adapters.views.queries import ViewQueries
from changeorders.adapters.views.tables import views_recorder
from changeorders.adapters.webhooks import WebhookStore
from changeorders.application.application import ChangeOrdersApplication
from changeorders.application.attachments import AttachmentStore
from changeorders.application.evidence import Checkpointer, Evidence, open_evidence
from changeorders.application.webhooks import WebhookRegistry
from changeorders.services.commands.app import create_api
from changeorders.services.commands.dependencies import ApiParts
from changeorders.services.commands.idempotency import IdempotencyStore
from changeorders.services.notifier.ledger import DeliveryLedger
from changeorders.services.notifier.mail import FolderTransport, SmtpTransport, Transport
from changeorders.services.notifier.notifier import Notifier
from changeorders.services.notifier.rendering import RenderPool, render_processes
from changeorders.services.processor.processor import OrderProcessor
from changeorders.services.projections.local import LocalViews
from changeorders.services.projections.projection import ChangeOrderViews
from changeorders.services.relay.relay import OutboxRelay, relay_tracking
from changeorders.services.webhooks.dispatcher import DispatchSettings, WebhookDispatcher
from changeorders.services.webhooks.subscriber import WebhookSubscriber

B = TypeVar("B", bound=Callable[..., Any])


def under_schema_lock(build: B) -> B:
    """Build with the schema lock held: services starting together create tables in turn."""

    @functools.wraps(build)
    def locked(settings: Settings, *args: Any, **kwargs: Any) -> Any:
        with schema_lock(settings):
            return build(settings, *args, **kwargs)

    return cast(B, locked)


class Worker(Protocol):
    def run_until(self, stop: threading.Event) -> None: ...


@dataclass
class Together:
    """Several workers in one process, each in its own thread. They stop together: when
    ``stop`` is set, or when one fails (then the others are stopped and the failure is
    raised, so the process exits non-zero rather than running half alive)."""

    workers: list[Worker]

    def run_until(self, stop: threading.Event) -> None:
        failures: list[BaseException] = []

        def run(worker: Worker) -> None:
            try:
                worker.run_until(stop)
            except BaseException as exc:  # handed to the caller below, after the others stop
                failures.append(exc)
                stop.set()

        threads = [threading.Thread(target=run, args=(w,)) for w in self.workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise failures[0]


@dataclass
class Service:
    """One long-running process's work, and what it closes when it stops."""

    worker: Worker
    owned: list[ChangeOrdersApplication] = field(default_factory=list)

    def run_until(self, stop: threading.Event) -> None:
        try:
            self.worker.run_until(stop)
        finally:
            for application in self.owned:
                application.close()


def open_application(settings: Settings) -> ChangeOrdersApplication:
    """The write model on the configured event store (its schema created if missing)."""
    if settings.event_store == "postgres":
        ensure_postgres_schema(settings)
    return ChangeOrdersApplication(settings.eventsourcing_env())


def _application(
    settings: Settings, given: ChangeOrdersApplication | None
) -> tuple[ChangeOrdersApplication, list[ChangeOrdersApplication]]:
    """The application passed in (the caller closes it) or a new one (the service does)."""
    if given is not None:
        return given, []
    opened = open_application(settings)
    return opened, [opened]


def _follow(
    settings: Settings,
    application: ChangeOrdersApplication,
    consumer: Consumer,
    tracking: Any,
    role: str,
    consumer_config: dict[str, Any],
) -> Worker:
    """The consumer on the configured transport: the local feed or its Kafka group."""
    if settings.delivery == "kafka":
        return feed_from_settings(settings, role, consumer, **consumer_config)
    return LocalFeed(application, consumer, tracking)


# --- the services, each built under the schema lock ---------------------------------------


@under_schema_lock
def build_relay(
    settings: Settings,
    application: ChangeOrdersApplication | None = None,
    topic: str | None = None,
) -> OutboxRelay:
    """Stored events -> Kafka; creates the events topic when it is missing. The relay
    closes its producer when it stops; the process's exit closes the rest."""
    app = application or open_application(settings)
    topic = topic or settings.events_topic
    ensure_topics(
        settings.kafka_bootstrap, [topic], settings.topic_partitions, settings.topic_replication
    )
    return OutboxRelay(
        app, new_producer(settings.kafka_bootstrap), topic, relay_tracking(app.datastore)
    )


def processor(application: ChangeOrdersApplication) -> OrderProcessor:
    return OrderProcessor(
        application, tracking_recorder(application.datastore, "processor_tracking")
    )


@under_schema_lock
def build_processor(
    settings: Settings, application: ChangeOrdersApplication | None = None, **consumer_config: Any
) -> Service:
    """Applies submitted orders to their accounts."""
    app, owned = _application(settings, application)
    built = processor(app)
    return Service(
        _follow(settings, app, built, built.tracking, "processor", consumer_config), owned
    )


def transport(settings: Settings) -> Transport:
    """SMTP when a host is configured; otherwise ``.eml`` files in the outbox folder."""
    s = settings
    if s.smtp_host is None:
        return FolderTransport(s.outbox_dir / "emails")
    return SmtpTransport(s.smtp_host, s.smtp_port, s.smtp_tls, s.smtp_user, s.smtp_password)


def notifier(
    application: ChangeOrdersApplication, settings: Settings, render_processes: int = 1
) -> Notifier:
    """The notifier; ``render_processes`` > 1: addenda rendered on that many cores."""
    store = application.datastore
    return Notifier(
        application,
        AttachmentStore(store),
        DeliveryLedger(store, instance_id(), timedelta(seconds=settings.email_claim_seconds)),
        transport(settings),
        settings.mail_from,
        tracking_recorder(store, "notifier_tracking"),
        addendum_copies=None if settings.smtp_host else settings.outbox_dir / "addenda",
        renderer=RenderPool(render_processes),
    )


def local_notifications(application: ChangeOrdersApplication, settings: Settings) -> LocalFeed:
    """The notifier following the event store in this process."""
    built = notifier(application, settings)
    return LocalFeed(application, built, built.tracking)


@under_schema_lock
def build_notifier(
    settings: Settings, application: ChangeOrdersApplication | None = None, **consumer_config: Any
) -> Service:
    """Each applied order's addendum and its two emails; beside the feed, the retry worker
    that sends what failed before, when its turn comes."""
    app, owned = _application(settings, application)
    built = notifier(app, settings, render_processes(settings.notifier_render_processes))
    feed = _follow(settings, app, built, built.tracking, "notifier", consumer_config)
    return Service(Together([feed, built]), owned)


@under_schema_lock
def build_projections(
    settings: Settings, application: ChangeOrdersApplication | None = None, **consumer_config: Any
) -> Service:
    """The customer, licence and order views. On Kafka they need no write model."""
    if settings.delivery == "kafka":
        views = ChangeOrderViews(views_recorder(datastore(settings, "views")))
        return Service(feed_from_settings(settings, "views", views, **consumer_config))
    app, owned = _application(settings, application)
    return Service(LocalViews(app, views_recorder(app.datastore)), owned)


def webhook_subscriber(application: ChangeOrdersApplication) -> WebhookSubscriber:
    store = WebhookStore(application.datastore)
    return WebhookSubscriber(
        application, store, tracking_recorder(application.datastore, "webhooks_tracking")
    )


def instance_id() -> str:
    """This process, as the owner of its claims and leases."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:8]}"


def webhook_dispatcher(
    application: ChangeOrdersApplication, settings: Settings
) -> WebhookDispatcher:
    dispatch = DispatchSettings(
        owner=instance_id(),
        workers=settings.webhooks_workers,
        timeout_seconds=settings.webhooks_timeout_seconds,
        retry_window=timedelta(hours=settings.webhooks_retry_hours),
    )
    return WebhookDispatcher(WebhookStore(application.datastore), dispatch)


@under_schema_lock
def build_webhooks(
    settings: Settings, application: ChangeOrdersApplication | None = None, **consumer_config: Any
) -> Service:
    """Order status changes -> signed POSTs to the MSPs' endpoints."""
    app, owned = _application(settings, application)
    subscriber = webhook_subscriber(app)
    feed = _follow(settings, app, subscriber, subscriber.tracking, "webhooks", consumer_config)
    return Service(Together([feed, webhook_dispatcher(app, settings)]), owned)


@dataclass
class Embedded:
    """The API with its stores; on the embedded default also the processor, the notifier
    and the views, following the event store in this process."""

    settings: Settings
    application: ChangeOrdersApplication
    idempotency: IdempotencyStore
    views: LocalViews
    processing: LocalFeed
    notifications: LocalFeed
    notifier: Notifier  # its retry worker runs beside the feed
    attachments: AttachmentStore
    webhooks: LocalFeed
    dispatcher: WebhookDispatcher
    evidence: Evidence
    #: signs portal sessions when no CHANGEORDERS_PORTAL_SECRET is set (this process only)
    _session_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def queries(self) -> ViewQueries:
        """The views; on the embedded default caught up first (a reader sees its writes).
        When Kafka delivers, the projections service keeps them."""
        if self.settings.delivery == "local":
            return self.views.read()
        return ViewQueries(self.views.recorder)

    def api(self) -> FastAPI:
        registry = WebhookRegistry(
            WebhookStore(self.application.datastore),
            allow_http=self.settings.webhooks_allow_http,
        )
        parts = ApiParts(
            self.application,
            self.idempotency,
            self.queries,
            self.attachments,
            registry,
            self.evidence,
        )
        secret = self.settings.portal_secret or self._session_secret
        return create_api(parts, secret, secure_cookie=not self.settings.portal_insecure_cookie)

    def workers(self) -> list[Worker]:
        """What follows the store beside the API (nothing when Kafka delivers)."""
        local = self.settings.delivery == "local"
        followers: list[Worker] = (
            [self.processing, self.notifications, self.notifier, self.webhooks, self.dispatcher]
            if local
            else []
        )
        key, every = self.evidence.key, self.settings.audit_checkpoint_seconds
        return followers + ([Checkpointer(self.evidence, key, every)] if key else [])

    def close(self) -> None:
        self.application.close()


@under_schema_lock
def build_embedded(settings: Settings) -> Embedded:
    application = open_application(settings)
    idempotency = IdempotencyStore(
        application.datastore,
        retention=timedelta(hours=settings.idempotency_hours),
        postgres=settings.event_store == "postgres",
    )
    idempotency.create_table()
    idempotency.purge_expired()
    built_processor, subscriber = processor(application), webhook_subscriber(application)
    built_notifier = notifier(application, settings)
    return Embedded(
        settings,
        application,
        idempotency,
        LocalViews(application, views_recorder(application.datastore)),
        LocalFeed(application, built_processor, built_processor.tracking),
        LocalFeed(application, built_notifier, built_notifier.tracking),
        built_notifier,
        AttachmentStore(application.datastore),
        LocalFeed(application, subscriber, subscriber.tracking),
        webhook_dispatcher(application, settings),
        open_evidence(
            application.datastore,
            application.recorder.events_table_name,  # type: ignore[attr-defined]
            settings.audit_key_path(),
        ),
    )


@dataclass
class ApiService:
    """The HTTP API served by uvicorn, with the embedded default's followers beside it."""

    embedded: Embedded
    host: str
    port: int

    def run_until(self, stop: threading.Event) -> None:
        import uvicorn

        config = uvicorn.Config(self.embedded.api(), self.host, self.port, access_log=False)
        server = uvicorn.Server(config)  # requests are logged once, by our middleware
        threads = [
            threading.Thread(target=w.run_until, args=(stop,), daemon=True)
            for w in self.embedded.workers()
        ]
        threads.append(threading.Thread(target=_exit_on, args=(stop, server), daemon=True))
        for thread in threads:
            thread.start()
        try:
            server.run()  # until SIGTERM or SIGINT (uvicorn's handlers), or ``stop``
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=5)
            self.embedded.close()


def _exit_on(stop: threading.Event, server: Any) -> None:
    stop.wait()
    server.should_exit = True


def build_api(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> ApiService:
    return ApiService(build_embedded(settings), host, port)
