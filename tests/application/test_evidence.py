"""Tamper evidence on both stores: a changed or deleted event is found and located; an old
checkpoint is proven extended by today's log; an event is proven in a checkpoint's log."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from changeorders.adapters.database import SqlTables
from changeorders.adapters.publishing import event_id
from changeorders.application.checkpoints import Checkpoint
from changeorders.application.errors import EvidenceBroken
from changeorders.application.evidence import (
    Checkpointer,
    LogTree,
    consistency_holds,
    inclusion_holds,
)
from changeorders.application.verification import verify
from changeorders.bootstrap import Embedded
from changeorders.domain import ids
from tests.conftest import applied_seat_order

ACME = ids.customer_id("acme-dental")


def checkpoint(service: Embedded) -> Checkpoint:
    key = service.evidence.key
    assert key is not None
    taken = Checkpointer(service.evidence, key, every_seconds=0).take()
    assert taken is not None
    return taken


def sql(service: Embedded) -> tuple[SqlTables, str, object]:
    """Raw SQL on the store, as someone with database access would write it."""
    tables = SqlTables(service.application.datastore)
    events = service.application.recorder.events_table_name  # type: ignore[attr-defined]
    return tables, events, ACME if tables.postgres else ACME.hex


def test_an_untouched_store_verifies_with_every_event_hashed(service: Embedded) -> None:
    applied_seat_order(service)
    checkpoint(service)
    result = verify(service.evidence.store)
    assert result.intact
    assert result.events == service.application.recorder.max_notification_id()
    assert result.checkpoints == 1


def test_one_events_bytes_altered_in_the_database_is_found_and_located(
    service: Embedded,
) -> None:
    applied_seat_order(service)
    held = checkpoint(service)
    tables, events, acme = sql(service)
    (state,) = tables.query(
        f"SELECT state FROM {{s}}{events} WHERE originator_id = ? AND originator_version = 1",  # noqa: S608
        acme,
    )[0]
    forged = re.sub(rb'"seats":(\d+)', rb'"seats":9\1', bytes(state), count=1)
    assert forged != bytes(state)
    tables.run(
        f"UPDATE {{s}}{events} SET state = ? WHERE originator_id = ? AND originator_version = 1",  # noqa: S608
        forged,
        acme,
    )
    result = verify(service.evidence.store, held=[held])
    assert not result.intact
    (broken,) = result.breaks
    assert (broken.aggregate, broken.version) == (ACME, 1)
    assert broken.position is not None
    assert "differs" in broken.reason
    assert len(result.checkpoint_failures) == 2  # the stored checkpoint and the one held


def test_a_deleted_event_is_found(service: Embedded) -> None:
    applied_seat_order(service)
    tables, events, acme = sql(service)
    (latest,) = tables.query(
        f"SELECT max(originator_version) FROM {{s}}{events} WHERE originator_id = ?",  # noqa: S608
        acme,
    )[0]
    assert latest >= 2
    tables.run(
        f"DELETE FROM {{s}}{events} WHERE originator_id = ? AND originator_version = ?",  # noqa: S608
        acme,
        latest,
    )
    result = verify(service.evidence.store)
    assert [(b.aggregate, b.version, b.position) for b in result.breaks] == [(ACME, latest, None)]


def test_a_rewritten_history_with_its_hashes_recomputed_is_caught_by_the_checkpoint(
    service: Embedded,
) -> None:
    applied_seat_order(service)
    held = checkpoint(service)
    tables, events, acme = sql(service)
    tables.run("DELETE FROM {s}event_hashes WHERE originator_id = ?", acme)
    tables.run(
        f"DELETE FROM {{s}}{events} WHERE originator_id = ? AND originator_version > 1",  # noqa: S608
        acme,
    )
    service.evidence.store.backfill()  # the forger re-hashes what is left
    result = verify(service.evidence.store, held=[held])
    assert result.breaks == []
    assert any("deleted" in f or "differs" in f for f in result.checkpoint_failures)
    fresh = replace(service.evidence, tree=LogTree(service.evidence.store))
    assert service.evidence.key is not None
    with pytest.raises(EvidenceBroken):  # a process starting on the rewritten log
        Checkpointer(fresh, service.evidence.key, every_seconds=0).take()


def test_an_old_checkpoint_is_proven_extended_by_todays_log(service: Embedded) -> None:
    applied_seat_order(service)
    old = checkpoint(service)
    applied_seat_order(service, seats=7)
    new = checkpoint(service)
    assert new.tree_size > old.tree_size
    assert old.verifies_with(service.evidence.key.public)  # type: ignore[union-attr]
    proof = service.evidence.consistency(old.tree_size, new.tree_size)
    assert consistency_holds(proof, old.root_hash, new.root_hash)
    assert not consistency_holds(proof, new.root_hash, new.root_hash)


def test_an_event_is_proven_in_the_log_with_only_a_checkpoint(service: Embedded) -> None:
    order_id = applied_seat_order(service)
    held = Checkpoint.from_json(json.loads(json.dumps(checkpoint(service).to_json())))
    applied_seat_order(service, seats=9)  # the log grows past the checkpoint
    submitted = event_id(order_id, 5)
    proof = service.evidence.inclusion(submitted, held.tree_size)
    assert proof["tree_size"] == held.tree_size
    assert inclusion_holds(proof, held.root_hash)
    altered = proof | {"state": proof["state"].replace("alice", "mallory")}
    assert not inclusion_holds(altered, held.root_hash)


def test_a_store_written_before_hashing_is_backfilled_and_then_verifies(
    service: Embedded,
) -> None:
    applied_seat_order(service)
    tables, _events, _acme = sql(service)
    tables.run("DELETE FROM {s}event_hashes")
    assert not verify(service.evidence.store).intact
    applied_seat_order(
        service, seats=6
    )  # a new event's chain starts from its aggregate's older events
    added = service.evidence.store.backfill()
    assert added > 0
    assert verify(service.evidence.store).intact
    assert service.evidence.store.backfill() == 0
