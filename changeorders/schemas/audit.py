"""What the audit API answers: accounts as of a moment, checkpoints, proofs."""

from __future__ import annotations

from datetime import datetime

from changeorders.schemas.views import View


class AccountAsOf(View):
    """A customer account as it stood at ``as_of`` (or at ``version``), priced with the price
    list and agreement in force then."""

    customer: str
    as_of: datetime | None
    version: int
    primary_products: list[str]
    add_ons: list[str]
    seats: int
    implementation_lead: str
    monthly_cost: str
    price_list_version: str
    agreement_version: int


class CheckpointView(View):
    """A signed checkpoint: the log's size and Merkle root. ``signature`` is Ed25519 over
    ``signed_text`` (UTF-8), by the key ``GET /v1/audit/public-key`` publishes."""

    origin: str
    tree_size: int
    root_hash: str
    timestamp: datetime
    key_id: str
    signature: str
    signed_text: str


class InclusionProof(View):
    """An event, the hash before it in its aggregate's chain, and its RFC 9162 audit path
    from ``leaf_hash(chain_hash)`` at ``leaf_index`` to ``root_hash`` of ``tree_size``."""

    event_id: str
    aggregate_id: str
    version: int
    topic: str
    state: str
    previous_hash: str
    chain_hash: str
    leaf_index: int
    tree_size: int
    root_hash: str
    audit_path: list[str]


class ConsistencyProof(View):
    """RFC 9162 consistency proof: the log of ``first`` entries is a prefix of ``second``."""

    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str]
