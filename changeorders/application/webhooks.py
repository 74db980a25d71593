"""An MSP's webhook endpoints: register (the secret is shown once), list, delete, see
what was delivered, and ask for a delivery again."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from uuid import uuid4

from changeorders.adapters.webhooks import Delivery, Endpoint, WebhookStore, iso, now
from changeorders.domain.errors import WebhookDeliveryNotFound, WebhookNotFound
from changeorders.domain.webhooks import EVENT_TYPES, check_endpoint

#: The Standard Webhooks form of a secret: this prefix, then the key in base64.
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


@dataclass(frozen=True)
class Registered:
    endpoint: Endpoint
    secret: str


class WebhookRegistry:
    def __init__(self, store: WebhookStore, *, allow_http: bool) -> None:
        self._store = store
        self._allow_http = allow_http

    def register(
        self,
        msp: str,
        acting_user: str,
        url: str,
        event_types: list[str] | None,
        description: str = "",
    ) -> Registered:
        types = sorted(set(event_types or EVENT_TYPES))
        check_endpoint(url, types, allow_http=self._allow_http)
        endpoint = Endpoint(
            webhook_id=str(uuid4()),
            msp=msp,
            url=url,
            event_types=types,
            description=description,
            created_by=acting_user,
            created_at=iso(now()),
        )
        secret = new_secret()
        self._store.add_endpoint(endpoint, secret)
        return Registered(endpoint, secret)

    def endpoints(self, msp: str) -> list[Endpoint]:
        return self._store.endpoints(msp)

    def endpoint(self, msp: str, webhook_id: str) -> Endpoint:
        found = next((e for e in self._store.endpoints(msp) if e.webhook_id == webhook_id), None)
        if found is None:
            raise WebhookNotFound(f"no webhook {webhook_id} for MSP {msp}")
        return found

    def delete(self, msp: str, webhook_id: str) -> None:
        if not self._store.delete_endpoint(msp, webhook_id):
            raise WebhookNotFound(f"no webhook {webhook_id} for MSP {msp}")

    def deliveries(self, msp: str, webhook_id: str) -> list[Delivery]:
        return self._store.deliveries(self.endpoint(msp, webhook_id).webhook_id)

    def redeliver(self, msp: str, webhook_id: str, delivery_id: str) -> None:
        if not self._store.redeliver(self.endpoint(msp, webhook_id).webhook_id, delivery_id):
            raise WebhookDeliveryNotFound(f"no delivery {delivery_id} of webhook {webhook_id}")
