from __future__ import annotations

from pathlib import Path

import pytest

from fireline.settings import SettingsError, load_settings


def test_defaults_put_sqlite_in_the_data_directory(tmp_path: Path) -> None:
    settings = load_settings({"FIRELINE_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'fireline.db'}"
    assert (settings.policy, settings.log_level, settings.request_threads) == ("default", "info", 8)


def test_a_plain_postgresql_url_is_given_the_psycopg_driver() -> None:
    settings = load_settings({"FIRELINE_DATABASE_URL": "postgresql://u@h/db"})
    assert settings.database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("FIRELINE_DATABASE_URL", "mysql://x", "sqlite:///PATH"),
        ("FIRELINE_LOG_LEVEL", "loud", "debug, info, warning, error"),
        ("FIRELINE_MIGRATE_ON_START", "maybe", "true, false"),
        ("FIRELINE_REQUEST_THREADS", "0", "a whole number 1-256"),
        ("FIRELINE_REQUEST_THREADS", "many", "a whole number 1-256"),
        ("FIRELINE_SECRET_KEY", "short", "at least 32 characters"),
    ],
)
def test_a_bad_value_names_the_variable_and_what_is_allowed(
    name: str, value: str, allowed: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({name: value})
    assert name in str(raised.value)
    assert allowed in str(raised.value)


def test_a_secret_may_come_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("k" * 40 + "\n")
    assert load_settings({"FIRELINE_SECRET_KEY_FILE": str(secret)}).secret_key == "k" * 40


def test_an_unreadable_secret_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="FIRELINE_SECRET_KEY_FILE"):
        load_settings({"FIRELINE_SECRET_KEY_FILE": str(tmp_path / "missing")})


def test_a_worker_is_taken_for_dead_after_20_silent_seconds_unless_told_otherwise() -> None:
    assert load_settings({}).worker_stale_after == 20
    assert load_settings({"FIRELINE_WORKER_STALE_AFTER": "45"}).worker_stale_after == 45


@pytest.mark.parametrize("value", ["5", "0", "soon", "100000"])
def test_a_stale_after_shorter_than_two_beats_or_unreadable_is_refused(value: str) -> None:
    with pytest.raises(SettingsError, match=r"FIRELINE_WORKER_STALE_AFTER.*10-86400"):
        load_settings({"FIRELINE_WORKER_STALE_AFTER": value})
