"""The CLI: each step of an order, readable output, and exit codes that name the failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from changeorders.cli import app
from devtools.tansu import free_port

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {"CHANGEORDERS_SQLITE_PATH": str(tmp_path / "cli.sqlite3")}
    assert runner.invoke(app, ["load"], env=env).exit_code == 0
    return env


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_load_twice_creates_nothing_the_second_time(env: dict[str, str]) -> None:
    code, out = run(env, "load")
    assert code == 0
    assert "0 created" in out


def test_customers_are_listed(env: dict[str, str]) -> None:
    code, out = run(env, "customers", "--msp", "northwind")
    assert code == 0
    assert "acme-dental" in out
    assert "riverside-clinic" not in out


def test_an_order_step_by_step(env: dict[str, str]) -> None:
    nw = ("--msp", "northwind", "--as", "alice")
    code, order_id = run(env, "order", "create", *nw, "acme-dental")
    order_id = order_id.strip()
    assert code == 0
    assert run(env, "order", "options", *nw, order_id, "--lead", "alice", "--seats", "10")[0] == 0
    code, out = run(env, "order", "review", *nw, order_id)
    assert code == 0
    assert "$81.60" in out
    assert "$102.00" in out
    assert "+$20.40" in out
    code, out = run(env, "order", "confirm", *nw, order_id, "--accept-msa")
    assert code == 3
    assert "both-confirmations-required" in out
    ticks = ("--accept-msa", "--confirm-authority")
    assert run(env, "order", "confirm", *nw, order_id, *ticks)[0] == 0
    code, out = run(env, "order", "submit", *nw, order_id)
    assert code == 0
    assert "being processed" in out
    code, out = run(env, "order", "show", "--msp", "northwind", order_id)
    assert code == 0
    assert "Submitted" in out
    code, out = run(env, "order", "submit", *nw, order_id)
    assert code == 4
    assert "submitted-order-is-immutable" in out


def test_a_rule_violation_exits_3_and_names_the_rule(env: dict[str, str]) -> None:
    nw = ("--msp", "northwind", "--as", "alice")
    order_id = run(env, "order", "create", *nw, "acme-dental")[1].strip()
    code, out = run(
        env,
        "order",
        "options",
        *nw,
        order_id,
        "--lead",
        "alice",
        "--seats",
        "-5",
        "--select-new",
        "SEG-ADV",
    )
    assert code == 3
    assert "product-change-with-seat-downgrade" in out


def test_another_msps_customer_exits_5(env: dict[str, str]) -> None:
    code, out = run(env, "customer", "--msp", "bluefin", "acme-dental")
    assert code == 5
    assert "customer-not-found" in out


def test_drafts_and_cancel(env: dict[str, str]) -> None:
    nw = ("--msp", "northwind", "--as", "alice")
    order_id = run(env, "order", "create", *nw, "acme-dental")[1].strip()
    assert order_id in run(env, "order", "drafts", "--msp", "northwind")[1]
    assert run(env, "order", "cancel", *nw, order_id)[0] == 0
    assert order_id not in run(env, "order", "drafts", "--msp", "northwind")[1]


def test_a_bad_setting_exits_6(tmp_path: Path) -> None:
    code, out = run({"CHANGEORDERS_EVENT_STORE": "oracle"}, "customers", "--msp", "northwind")
    assert code == 6
    assert "CHANGEORDERS_EVENT_STORE" in out


def test_invalid_reference_data_exits_3(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"price_list": {"version": "x", "products": []}}')
    code, out = run({"CHANGEORDERS_SQLITE_PATH": str(tmp_path / "x.db")}, "load", str(bad))
    assert code == 3
    assert "not valid reference data" in out


def test_an_order_is_applied_notified_and_its_addendum_downloaded(
    env: dict[str, str], tmp_path: Path
) -> None:
    from changeorders.adapters.settings import Settings
    from changeorders.bootstrap import build_embedded, local_notifications

    nw = ("--msp", "northwind", "--as", "alice")
    order_id = run(env, "order", "create", *nw, "acme-dental")[1].strip()
    run(env, "order", "options", *nw, order_id, "--lead", "bob", "--seats", "4")
    run(env, "order", "review", *nw, order_id)
    run(env, "order", "confirm", *nw, order_id, "--accept-msa", "--confirm-authority")
    run(env, "order", "submit", *nw, order_id)
    settings = Settings(
        sqlite_path=Path(env["CHANGEORDERS_SQLITE_PATH"]), outbox_dir=tmp_path / "outbox"
    )
    service = build_embedded(settings)
    service.processing.pump()
    local_notifications(service.application, settings).pump()
    (attachment,) = service.application.customer("northwind", "acme-dental").attachments
    service.close()
    assert len(list((tmp_path / "outbox" / "emails").glob("*.eml"))) == 2
    target = tmp_path / "addendum.pdf"
    code, out = run(
        env,
        "attachment",
        "--msp",
        "northwind",
        "acme-dental",
        attachment["attachment_id"],
        "--out",
        str(target),
    )
    assert code == 0
    assert target.read_bytes().startswith(b"%PDF-")
    assert attachment["sha256"] in out


@pytest.mark.parametrize("command", [["lag"], ["dlq", "list"], ["dlq", "replay"]])
def test_an_ops_command_without_a_broker_says_so_in_one_line_and_exits_6(
    command: list[str],
) -> None:
    address = f"127.0.0.1:{free_port()}"  # nothing listens there
    code, out = run({"CHANGEORDERS_KAFKA_BOOTSTRAP": address}, *command)
    assert code == 6
    assert f"no Kafka broker answers at {address}" in out
    assert "Traceback" not in out


@pytest.mark.parametrize(
    "command", [["customers", "--msp", "northwind"], ["emails", "list"], ["views", "verify"]]
)
def test_a_command_without_its_database_says_so_in_one_line_and_exits_6(
    command: list[str],
) -> None:
    port = free_port()  # nothing listens there
    env = os.environ | {
        "CHANGEORDERS_EVENT_STORE": "postgres",
        "CHANGEORDERS_POSTGRES_PORT": str(port),
        "COLUMNS": "200",
    }
    done = subprocess.run(
        [sys.executable, "-m", "changeorders", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 6, done.stderr
    assert f"PostgreSQL at 127.0.0.1:{port}/" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
