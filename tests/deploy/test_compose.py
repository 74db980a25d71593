"""deploy/ holds together: each service runs a real subcommand with known settings, and every
metric the dashboard and the alerts query is one the code exports."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path
from typing import Any

import typer
import yaml
from prometheus_client import Counter, Gauge, Histogram

from changeorders.adapters import metrics
from changeorders.adapters.settings import PREFIX, Settings, variable
from changeorders.cli import app

DEPLOY = Path(__file__).parents[2] / "deploy"
METRIC = re.compile(r"\bchangeorders_[a-z_]+\b")


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def our_services() -> dict[str, dict[str, Any]]:
    return {name: spec for name, spec in compose()["services"].items() if "build" in spec}


def exported_metrics() -> set[str]:
    names = {metrics.LagCollector.name}
    for value in vars(metrics).values():
        if isinstance(value, Counter):
            names.add(f"{value._name}_total")
        elif isinstance(value, Histogram):
            names |= {f"{value._name}_{part}" for part in ("bucket", "sum", "count")}
        elif isinstance(value, Gauge):
            names.add(value._name)
    return names


def test_every_service_runs_a_real_changeorders_subcommand() -> None:
    commands = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    services = our_services()
    assert {"api", "relay", "processor", "notifier", "projections", "webhooks"} <= set(services)
    for name, spec in services.items():
        assert spec["command"][0] in commands, f"{name} runs {spec['command']}"


def test_every_environment_variable_is_a_known_setting() -> None:
    known = {variable(field.name) for field in fields(Settings)}
    env_file = (DEPLOY / "changeorders.env").read_text().splitlines()
    used = {line.split("=", 1)[0] for line in env_file if line and not line.startswith("#")}
    for spec in our_services().values():
        used |= set(spec.get("environment", {}))
    assert used, "no settings found"
    assert {name for name in used if name.startswith(PREFIX)} == used
    assert used - known == set()


def test_every_metric_the_dashboard_and_alerts_query_is_exported() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "changeorders.json").read_text())
    queried = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in METRIC.findall(target["expr"])
    }
    queried |= set(METRIC.findall((DEPLOY / "prometheus" / "alerts.yml").read_text()))
    assert len(queried) >= 6
    assert queried - exported_metrics() == set()


def test_prometheus_scrapes_every_replica_of_every_service() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    discovered = {
        name
        for job in config["scrape_configs"]
        for sd in job.get("dns_sd_configs", [])
        for name in sd["names"]
    }
    assert set(our_services()) <= discovered
    assert all("static_configs" not in job for job in config["scrape_configs"])


def test_grafana_is_provisioned_with_the_dashboard() -> None:
    grafana = compose()["services"]["grafana"]
    mounted = {volume.split(":")[0] for volume in grafana["volumes"]}
    assert {"./grafana/provisioning", "./grafana/dashboards"} <= mounted
    assert (DEPLOY / "grafana" / "provisioning" / "dashboards" / "changeorders.yml").exists()
