"""``changeorders audit ...``: prove the stored history is the one that was written."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import typer

from changeorders.application.checkpoints import Checkpoint, public_key_from_pem
from changeorders.application.errors import EvidenceBroken
from changeorders.application.evidence import Checkpointer, consistency_holds, inclusion_holds
from changeorders.application.verification import verify as verify_log
from changeorders.cli import render
from changeorders.cli.common import EXIT_SETUP, console, embedded, fail

app = typer.Typer(
    help="Tamper evidence: verify the hash chains and the Merkle tree, prove inclusion and "
    "consistency against signed checkpoints, hash an older store.",
    no_args_is_help=True,
)

CheckpointFile = Annotated[
    Path | None,
    typer.Option(
        "--checkpoint", help="A checkpoint you hold (JSON, from GET /v1/audit/checkpoints)."
    ),
]
PublicKeyFile = Annotated[
    Path | None,
    typer.Option("--public-key", help="The published key (PEM); default: this store's key."),
]


def _checkpoint(path: Path) -> Checkpoint:
    try:
        return Checkpoint.from_json(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError) as exc:
        fail(f"{path} is not a checkpoint: {exc}", EXIT_SETUP)


@app.command()
def verify(checkpoint: CheckpointFile = None, public_key: PublicKeyFile = None) -> None:
    """Recompute every event's hash and the tree from the stored bytes; check each stored
    checkpoint (and one you hold). Exit 0 when intact, 1 naming the first broken link."""
    held = [_checkpoint(checkpoint)] if checkpoint else []
    with embedded() as service:
        key = service.evidence.key
        public = public_key_from_pem(public_key.read_bytes()) if public_key else None
        started = time.perf_counter()
        result = verify_log(service.evidence.store, public or (key.public if key else None), held)
        seconds = time.perf_counter() - started
    console.print(render.log_verification(result, seconds))
    raise typer.Exit(0 if result.intact else 1)


@app.command()
def prove(
    event_id: Annotated[UUID, typer.Argument(help="A published event's id.")],
    checkpoint: CheckpointFile = None,
) -> None:
    """The event's inclusion proof (JSON); with ``--checkpoint``, against that checkpoint's
    tree, checked here from the event's own content. Exit 1 when it does not hold."""
    held = _checkpoint(checkpoint) if checkpoint else None
    with embedded() as service:
        proof = service.evidence.inclusion(event_id, held.tree_size if held else None)
    typer.echo(json.dumps(proof, indent=2))
    if held:
        _verdict(inclusion_holds(proof, held.root_hash), "the event is in the log it signs")


@app.command()
def consistency(
    checkpoint: Annotated[
        Path, typer.Option("--checkpoint", help="The older checkpoint you hold (JSON).")
    ],
) -> None:
    """Proof that today's log extends a checkpoint you hold: nothing it covered changed."""
    held = _checkpoint(checkpoint)
    with embedded() as service:
        proof: dict[str, Any] = service.evidence.consistency(held.tree_size)
    typer.echo(json.dumps(proof, indent=2))
    second_root = bytes.fromhex(proof["second_root"])
    _verdict(
        consistency_holds(proof, held.root_hash, second_root),
        "today's log extends the log it signs",
    )


@app.command()
def backfill() -> None:
    """Hash every event of a store written before hashing existed (safe to run again)."""
    with embedded() as service:
        added = service.evidence.store.backfill()
    console.print(f"[green]✓[/] {added} events hashed into their chains")


@app.command()
def checkpoint() -> None:
    """Sign a checkpoint of the log now (the API also takes one every minute)."""
    with embedded() as service:
        key = service.evidence.key
        if key is None:
            fail("no signing key: set CHANGEORDERS_AUDIT_KEY_FILE", EXIT_SETUP)
        try:
            taken = Checkpointer(service.evidence, key, every_seconds=0).take()
        except EvidenceBroken as exc:
            fail(str(exc), 1)
        latest = service.evidence.store.last_checkpoint()
    if taken is None and latest is None:
        fail("the log is empty: nothing to sign", 1)
    typer.echo(json.dumps(taken.to_json() if taken else json.loads(latest or "{}"), indent=2))


@app.command("public-key")
def public_key() -> None:
    """The Ed25519 public key (PEM) that verifies this store's checkpoints."""
    with embedded() as service:
        key = service.evidence.key
    if key is None:
        fail("no signing key: set CHANGEORDERS_AUDIT_KEY_FILE", EXIT_SETUP)
    typer.echo(key.public_pem(), nl=False)


def _verdict(holds: bool, claim: str) -> None:
    """``claim`` is what the proof shows about the checkpoint held."""
    if not holds:
        fail(f"the proof does not hold against your checkpoint: it is not so that {claim}", 1)
    console.print(f"[green]✓[/] checked against your checkpoint: {claim}")
