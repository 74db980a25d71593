"""Loading and saving aggregates: the plumbing every use case of the application shares.

The ``eventsourcing`` Application, configured only by what is passed in, whose saves also
record the correlation id of the request or event that caused them, with helpers to find,
get, read kept reference data (:mod:`.reads`) and save with a clear conflict.
"""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import Environment

from changeorders.adapters.correlation import CorrelationStore
from changeorders.adapters.database import Datastore, datastore_of
from changeorders.application.errors import ConcurrentModification, ReferenceDataMissing
from changeorders.application.reads import AggregateReads
from changeorders.domain.account import CustomerAccount
from changeorders.domain.errors import CustomerNotFound

A = TypeVar("A", bound=Aggregate)


class AggregateStore(Application[UUID]):
    """An eventsourcing Application with the reads and saves the use cases need."""

    def __init__(self, env: Any = None) -> None:
        super().__init__(env)
        self.datastore: Datastore = datastore_of(self)
        self.correlations = CorrelationStore(self.datastore)
        self._reads = AggregateReads(self)

    def construct_env(self, name: str, env: Any = None) -> Environment:
        """Use only the settings passed in: never read ``os.environ`` this deep."""
        return Environment(name, dict(env or {}))

    def _save(self, *aggregates: Aggregate) -> None:
        try:
            self.save(*aggregates)
        except IntegrityError as exc:
            raise ConcurrentModification(
                "another request changed this order or account at the same time: "
                "read it again and retry"
            ) from exc

    def _find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, cls) else None

    def _kept(self, cls: type[A], aggregate_id: UUID) -> A:
        """Reference data to read, not to change (see :mod:`.reads`)."""
        found = self._reads.read(fresh=[], kept=[aggregate_id])
        return required(cls, found.get(aggregate_id), aggregate_id)

    def _get(self, cls: type[A], aggregate_id: UUID) -> A:
        return required(cls, self._find(cls, aggregate_id), aggregate_id)


def required(cls: type[A], aggregate: Aggregate | None, aggregate_id: UUID) -> A:
    """Reference data (MSP, price list, agreement) that must be there."""
    if not isinstance(aggregate, cls):
        raise ReferenceDataMissing(
            f"{cls.__name__} {aggregate_id} is missing: load the reference data first"
        )
    return aggregate


def account_of(msp_key: str, customer_key: str, account: Aggregate | None) -> CustomerAccount:
    if not isinstance(account, CustomerAccount) or account.msp_key != msp_key:
        raise CustomerNotFound(f"no customer {customer_key!r} for MSP {msp_key}")
    return account
