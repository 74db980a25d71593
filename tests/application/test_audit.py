"""Auditors' tools on a scripted scenario with known values: history, state as of any
moment, rebuild-and-verify (equal, then tampered), export."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from changeorders.application import audit
from changeorders.bootstrap import Embedded
from changeorders.cli import app as cli
from changeorders.domain.options import Options, PrimaryChoice
from changeorders.schemas.events import parse_published
from changeorders.services.projections.verify import rebuild_in_place, verify
from devtools.orders import submit_order


def scenario(service: Embedded) -> dict[str, object]:
    """acme-dental: 40 seats of SEG-ESS; +10 seats; then SEG-ADV instead, with Awareness."""
    app = service.application
    moments: dict[str, object] = {"start": datetime.now(UTC)}
    keep = Options(10, "alice", PrimaryChoice.KEEP)
    moments["first"] = submit_order(app, "northwind", "alice", "acme-dental", keep)
    service.processing.pump()
    moments["between"] = datetime.now(UTC)
    upgrade = Options(0, "bob", PrimaryChoice.SELECT_NEW, ("SEG-ADV",), ("AWT",))
    moments["second"] = submit_order(app, "northwind", "alice", "acme-dental", upgrade)
    service.processing.pump()
    moments["end"] = datetime.now(UTC)
    return moments


def test_state_as_of_any_moment(service: Embedded) -> None:
    m = scenario(service)
    app = service.application
    at = {
        k: audit.account_as_of(app, "northwind", "acme-dental", m[k])  # type: ignore[arg-type]
        for k in ("start", "between", "end")
    }
    assert (at["start"].state.seats, at["start"].monthly_cost) == (40, Decimal("81.60"))
    assert (at["between"].state.seats, at["between"].monthly_cost) == (50, Decimal("102.00"))
    end = at["end"]
    assert end.state.primary_products == ("SEG-ADV",)
    assert end.state.add_ons == ("AWT",)
    assert end.state.implementation_lead == "bob"
    assert end.monthly_cost == Decimal("167.88") + Decimal("57.38")  # 50 x 3.3575, 50 x 1.1475
    by_version = audit.account_as_of(app, "northwind", "acme-dental", version=2)
    assert by_version.state.seats == 50
    second = audit.order_as_of(app, "northwind", m["second"], version=2)  # type: ignore[arg-type]
    assert second.status.value == "selected"


def test_history_of_an_order_and_of_a_customer(service: Embedded) -> None:
    m = scenario(service)
    app = service.application
    first = audit.order_history(app, "northwind", m["first"])  # type: ignore[arg-type]
    assert [e.type.split(".")[1] for e in first] == [
        "Drafted",
        "OptionsSelected",
        "Reviewed",
        "Confirmed",
        "Submitted",
        "Applied",
    ]
    assert [e.actor for e in first][:5] == ["alice"] * 5
    customer = audit.customer_history(app, "northwind", "acme-dental")
    positions = [e.position for e in customer]
    assert positions == sorted(positions)
    assert [e.type for e in customer].count("CustomerAccount.OrderApplied") == 2
    assert customer[0].type == "CustomerAccount.Opened"


def test_rebuild_and_verify_equal_then_tampered_then_rebuilt(service: Embedded) -> None:
    scenario(service)
    live = service.views
    live.catch_up()
    assert verify(service.application, live.recorder, service.settings).equal
    live.recorder.tables.run(
        "UPDATE {s}customer_view SET seats = 999 WHERE customer = 'acme-dental'"
    )
    result = verify(service.application, live.recorder, service.settings)
    assert not result.equal
    (difference,) = result.differences
    assert difference.table == "customer_view"
    assert [row[0] for row in difference.only_live] == ["acme-dental"]
    assert "999" in difference.only_live[0]
    assert "50" in difference.only_rebuilt[0]
    rebuild_in_place(service.application, live.recorder)
    assert verify(service.application, live.recorder, service.settings).equal


def test_cli_history_export_and_verify_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {
        "CHANGEORDERS_SQLITE_PATH": str(tmp_path / "audit.sqlite3"),
        "CHANGEORDERS_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    assert runner.invoke(cli, ["load"], env=env).exit_code == 0
    nw = ["--msp", "northwind", "--as", "alice"]
    order_id = runner.invoke(cli, ["order", "create", *nw, "acme-dental"], env=env).output.strip()
    table = runner.invoke(cli, ["history", "--msp", "northwind", order_id], env=env)
    assert table.exit_code == 0
    assert "ChangeOrder.Drafted" in table.output
    lines = runner.invoke(cli, ["export", "--msp", "northwind", "acme-dental"], env=env)
    events = [parse_published(line.encode()) for line in lines.output.splitlines()]
    assert {e.customer for e in events} == {"acme-dental"}
    assert runner.invoke(cli, ["views", "verify"], env=env).exit_code == 0
    other = runner.invoke(cli, ["history", "--msp", "bluefin", order_id], env=env)
    assert other.exit_code == 5
