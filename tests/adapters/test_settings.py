"""Settings: every default written once, every variable named from its field, bad values
refused with the variable's name."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from changeorders.adapters.settings import Settings, SettingsError, documented


def test_no_variables_give_the_defaults() -> None:
    assert Settings.from_env({}) == Settings()


def test_each_variable_is_parsed_by_its_fields_type() -> None:
    settings = Settings.from_env(
        {
            "CHANGEORDERS_EVENT_STORE": "postgres",
            "CHANGEORDERS_POSTGRES_PORT": "6543",
            "CHANGEORDERS_SQLITE_PATH": "store/events.db",
            "CHANGEORDERS_METRICS_PORT": "9100",
            "CHANGEORDERS_SMTP_HOST": "mail.example",
            "CHANGEORDERS_DELIVERY": "kafka",
        }
    )
    assert settings.event_store == "postgres"
    assert settings.postgres_port == 6543
    assert settings.sqlite_path == Path("store/events.db")
    assert settings.metrics_port == 9100
    assert settings.smtp_host == "mail.example"
    assert settings.delivery == "kafka"


def test_an_empty_variable_counts_as_unset() -> None:
    assert Settings.from_env({"CHANGEORDERS_SMTP_HOST": ""}).smtp_host is None


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CHANGEORDERS_EVENT_STORE", "oracle", "must be 'sqlite' or 'postgres'"),
        ("CHANGEORDERS_SMTP_TLS", "tls1.0", "must be 'none' or 'starttls' or 'ssl'"),
        ("CHANGEORDERS_POSTGRES_PORT", "five", "must be a whole number"),
        ("CHANGEORDERS_METRICS_PORT", "x", "must be a whole number"),
    ],
)
def test_a_bad_value_names_its_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=f"{variable} {message}"):
        Settings.from_env({variable: value})


def test_every_setting_is_documented_under_its_variable() -> None:
    names = [variable for variable, _, _ in documented()]
    assert names == [f"CHANGEORDERS_{f.name.upper()}" for f in dataclasses.fields(Settings)]
    assert all(meaning for _, _, meaning in documented())


def test_secrets_stay_out_of_the_repr() -> None:
    settings = Settings(postgres_password="hunter2", smtp_password="s3cret")
    assert "hunter2" not in repr(settings)
    assert "s3cret" not in repr(settings)


def settings_table() -> str:
    """The README's configuration table, as the settings module documents itself."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [
        f"| `{variable}` | {f'`{default}`' if default else 'unset'} | {meaning} |"
        for variable, default, meaning in documented()
    ]
    return "\n".join(rows)


def test_the_readme_lists_every_setting_with_its_default() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert settings_table() in readme, "regenerate the README table from documented()"
