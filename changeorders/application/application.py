"""The event-sourced application: every command loads aggregates, calls the domain, saves.

This is the service layer the HTTP API, the CLI and the demo share. It checks tenancy
(an MSP sees only its own customers and orders, and "not found" is all it learns of the
others) and turns optimistic-concurrency failures into :class:`ConcurrentModification`.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from changeorders.application.aggregates import account_of, required
from changeorders.application.errors import (
    ConcurrentModification,
    NotAuthenticated,
    ReadOnlyToken,
)
from changeorders.application.reads import project
from changeorders.application.reference import ReferenceDataLoading
from changeorders.domain import ids
from changeorders.domain.account import CustomerAccount
from changeorders.domain.agreement import Agreement, MspAgreement
from changeorders.domain.catalogue import Catalogue, PriceList
from changeorders.domain.errors import OrderAlreadyApplied, OrderNotFound
from changeorders.domain.msp import ApiToken, AuditorToken, Msp
from changeorders.domain.offer import Offer, offer
from changeorders.domain.options import Options
from changeorders.domain.order import ChangeOrder, OrderStatus, StatusChange, status_changes
from changeorders.domain.pricing import Quote
from changeorders.domain.processing import process
from changeorders.domain.rules import OrderContext

PROCESSING_ATTEMPTS = 5
#: orders whose customer is remembered, so their commands read everything in one query
_REMEMBERED_ORDERS = 100_000


@dataclass(frozen=True)
class Identity:
    """Who a token speaks for: an MSP (``auditor`` None), or an auditor reading one MSP
    (``msp_key``) or every MSP (``msp_key`` None)."""

    msp_key: str | None
    auditor: str | None


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ChangeOrdersApplication(ReferenceDataLoading):
    """Change orders and the reference data they are priced and checked against."""

    name = "changeorders"

    def __init__(self, env: Any = None) -> None:
        super().__init__(env)
        self._customer_of: OrderedDict[UUID, str] = OrderedDict()  # order -> customer key

    # --- queries ---------------------------------------------------------------------------

    def identify(self, token: str) -> Identity:
        """Whose token this is: an MSP's, or an auditor's (compared by hash only)."""
        digest = token_sha256(token)
        token_ids = [ids.api_token_id(digest), ids.auditor_token_id(digest)]
        found = self._reads.read(fresh=[], kept=token_ids)
        msp_token, auditor_token = (found.get(token_id) for token_id in token_ids)
        if isinstance(msp_token, ApiToken) and msp_token.matches(digest):
            return Identity(msp_token.msp_key, auditor=None)
        if isinstance(auditor_token, AuditorToken) and auditor_token.matches(digest):
            return Identity(auditor_token.msp_key, auditor=auditor_token.auditor)
        raise NotAuthenticated(f"unknown API token{self._empty_store_hint()}")

    def authenticate(self, token: str) -> str:
        """The key of the MSP the token acts for; an auditor's token acts for no one."""
        identity = self.identify(token)
        if identity.auditor is not None or identity.msp_key is None:
            raise ReadOnlyToken(
                f"this is auditor {identity.auditor}'s token: it reads and never commands"
            )
        return identity.msp_key

    def _empty_store_hint(self) -> str:
        """A new user's first 401 is usually an empty store: say how to fill it."""
        if self._find(Catalogue, ids.catalogue_id()) is not None:
            return ""
        return (
            ": this event store holds no reference data yet (no MSP, no token); "
            "load the sample data with `changeorders load`"
        )

    def msp(self, msp_key: str) -> Msp:
        return self._get(Msp, ids.msp_id(msp_key))

    def agreement(self, msp_key: str) -> Agreement:
        return self._kept(MspAgreement, ids.agreement_id(msp_key)).current

    def price_list(self) -> PriceList:
        return self._kept(Catalogue, ids.catalogue_id()).current

    def customer(self, msp_key: str, customer_key: str) -> CustomerAccount:
        account = self._find(CustomerAccount, ids.customer_id(customer_key))
        return account_of(msp_key, customer_key, account)

    def offer(self, msp_key: str, customer_key: str) -> tuple[Offer, Msp]:
        """What may be chosen for the customer now, and the MSP (for its users' names)."""
        msp = self.msp(msp_key)
        return offer(self._context(msp, self.customer(msp_key, customer_key))), msp

    def order(self, msp_key: str, order_id: UUID) -> ChangeOrder:
        order = self._find(ChangeOrder, order_id)
        if order is None or order.msp_key != msp_key:
            raise OrderNotFound(f"no order {order_id} for MSP {msp_key}")
        return order

    def find_order(self, order_id: UUID) -> ChangeOrder | None:
        """An order by id, for the back-office services (no tenancy: not for the API)."""
        return self._find(ChangeOrder, order_id)

    def order_history(self, order: ChangeOrder) -> list[Any]:
        return list(self.events.get(order.id))

    def order_with_history(self, msp_key: str, order_id: UUID) -> tuple[ChangeOrder, list[Any]]:
        """An order and the events it was built from, in one read."""
        history = list(self.events.get(order_id))
        order = project(None, history)
        if not isinstance(order, ChangeOrder) or order.msp_key != msp_key:
            raise OrderNotFound(f"no order {order_id} for MSP {msp_key}")
        return order, history

    def status_changes(self, msp_key: str, order_id: UUID, after: int = 0) -> list[StatusChange]:
        """The order's status changes with events after version ``after``."""
        _, history = self.order_with_history(msp_key, order_id)
        return [c for c in status_changes(history) if c.version > after]

    # --- commands --------------------------------------------------------------------------

    def create_user(
        self, msp_key: str, acting_user: str, user_id: str, name: str, email: str
    ) -> None:
        msp = self.msp(msp_key)
        msp.require_user(acting_user)
        msp.create_user(user_id, name, email, created_by=acting_user)
        self._save(msp)

    def create_order(self, msp_key: str, acting_user: str, customer_key: str) -> UUID:
        msp_id, customer_id = ids.msp_id(msp_key), ids.customer_id(customer_key)
        found = self._reads.read(fresh=[], kept=[msp_id, customer_id])
        required(Msp, found.get(msp_id), msp_id).require_user(acting_user)
        account_of(msp_key, customer_key, found.get(customer_id))
        order = ChangeOrder(msp_key=msp_key, customer_key=customer_key, created_by=acting_user)
        self._save(order)
        self._remember_customer(order.id, customer_key)
        return order.id

    def select_options(
        self, msp_key: str, acting_user: str, order_id: UUID, options: Options
    ) -> ChangeOrder:
        with self._acting_on_order(msp_key, acting_user, order_id) as (order, ctx):
            order.select_options(options, ctx, selected_by=acting_user)
        return order

    def review(self, msp_key: str, acting_user: str, order_id: UUID) -> tuple[ChangeOrder, Quote]:
        with self._acting_on_order(msp_key, acting_user, order_id) as (order, ctx):
            quote = order.review(ctx, reviewed_by=acting_user)
        return order, quote

    def confirm(
        self,
        msp_key: str,
        acting_user: str,
        order_id: UUID,
        accept_msa: bool,
        confirm_authority: bool,
    ) -> ChangeOrder:
        with self._acting_on_order(msp_key, acting_user, order_id) as (order, ctx):
            order.confirm(accept_msa, confirm_authority, ctx.agreement, confirmed_by=acting_user)
        return order

    def submit(self, msp_key: str, acting_user: str, order_id: UUID) -> ChangeOrder:
        with self._acting_on_order(msp_key, acting_user, order_id) as (order, ctx):
            order.submit(ctx, submitted_by=acting_user)
        return order

    def cancel(self, msp_key: str, acting_user: str, order_id: UUID, reason: str) -> ChangeOrder:
        self.msp(msp_key).require_user(acting_user)
        order = self.order(msp_key, order_id)
        order.cancel(acting_user, reason)
        self._save(order)
        return order

    def process_order(self, order_id: UUID) -> ChangeOrder | None:
        """Apply a submitted order to its account, or reject it: exactly one outcome.

        Returns the order with its outcome, or None when there was nothing to do (unknown
        order, or its outcome is already recorded: a redelivery). Order and account are saved
        in one transaction; when another writer got there first, reload and decide again.
        """
        for _ in range(PROCESSING_ATTEMPTS):
            order = self.find_order(order_id)
            if order is None or order.status is not OrderStatus.SUBMITTED:
                return None
            account = self.customer(order.msp_key, order.customer_key)
            try:
                process(order, account, self._context(self.msp(order.msp_key), account))
                self.save(order, account)
            except (IntegrityError, OrderAlreadyApplied):
                continue  # another processor got there between our reads: read again
            return order
        raise ConcurrentModification(f"order {order_id}: gave up after repeated conflicts")

    def record_addendum(
        self, order_id: UUID, attachment_id: str, name: str, size: int, sha256: str
    ) -> None:
        """The addendum is stored: an attachment of the customer, issued on the order."""

        def record() -> list[Aggregate]:
            order = self._get(ChangeOrder, order_id)
            account = self.customer(order.msp_key, order.customer_key)
            account.store_attachment(
                attachment_id, str(order_id), name, "application/pdf", size, sha256
            )
            order.record_addendum(attachment_id, sha256)
            return [order, account]

        self._retrying(record)

    def record_notification(
        self, order_id: UUID, role: str, recipient: str, message_id: str
    ) -> None:
        def record() -> list[Aggregate]:
            order = self._get(ChangeOrder, order_id)
            order.record_notification(role, recipient, message_id)
            return [order]

        self._retrying(record)

    def record_notification_failure(
        self, order_id: UUID, role: str, recipient: str, reason: str
    ) -> None:
        def record() -> list[Aggregate]:
            order = self._get(ChangeOrder, order_id)
            order.record_notification_failure(role, recipient, reason)
            return [order]

        self._retrying(record)

    def _retrying(self, decide: Callable[[], list[Aggregate]]) -> None:
        """Load, decide and save; on a concurrent write, do it again on fresh state."""
        for _ in range(PROCESSING_ATTEMPTS):
            aggregates = decide()
            try:
                self.save(*aggregates)
            except IntegrityError:
                continue
            return
        raise ConcurrentModification("gave up after repeated concurrent writes")

    @contextmanager
    def _acting_on_order(
        self, msp_key: str, acting_user: str, order_id: UUID
    ) -> Iterator[tuple[ChangeOrder, OrderContext]]:
        """Load the order and its context, let the caller decide, then save the order.

        One query reads them all when the order's customer is known here (this process
        created or read the order before); otherwise the account takes a second one.
        """
        reference = [ids.msp_id(msp_key), ids.catalogue_id(), ids.agreement_id(msp_key)]
        customer_key = self._customer_of.get(order_id)
        accounts = [] if customer_key is None else [ids.customer_id(customer_key)]
        found = self._reads.read(fresh=[order_id], kept=[*reference, *accounts])
        order = found.get(order_id)
        if not isinstance(order, ChangeOrder) or order.msp_key != msp_key:
            raise OrderNotFound(f"no order {order_id} for MSP {msp_key}")
        account_id = ids.customer_id(order.customer_key)
        if account_id not in found:
            found |= self._reads.read(fresh=[], kept=[account_id])
            self._remember_customer(order_id, order.customer_key)
        msp = required(Msp, found.get(reference[0]), reference[0])
        msp.require_user(acting_user)
        yield (
            order,
            OrderContext(
                price_list=required(Catalogue, found.get(reference[1]), reference[1]).current,
                agreement=required(MspAgreement, found.get(reference[2]), reference[2]).current,
                account=account_of(msp_key, order.customer_key, found.get(account_id)).state,
                users=frozenset(msp.users),
            ),
        )
        self._save(order)

    def _remember_customer(self, order_id: UUID, customer_key: str) -> None:
        self._customer_of[order_id] = customer_key
        if len(self._customer_of) > _REMEMBERED_ORDERS:
            self._customer_of.popitem(last=False)

    def _context(self, msp: Msp, account: CustomerAccount) -> OrderContext:
        return OrderContext(
            price_list=self.price_list(),
            agreement=self.agreement(msp.key),
            account=account.state,
            users=frozenset(msp.users),
        )
