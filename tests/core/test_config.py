import pytest

from matcher.core.config import ConfigError, load_settings, new_data_key


def test_the_embedded_default_keeps_its_keys_under_instance(tmp_path):
    environ = {"JOBBRIDGE_INSTANCE": str(tmp_path / "instance")}
    first = load_settings(environ)
    second = load_settings(environ)
    assert first.secret_key == second.secret_key
    assert first.data_key == second.data_key and len(first.data_key) == 32
    assert first.database_url == f"sqlite:///{tmp_path / 'instance' / 'jobbridge.sqlite3'}"
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o777 == 0o600


def test_production_refuses_to_start_without_secret_key(tmp_path):
    environ = {
        "JOBBRIDGE_ENV": "production",
        "JOBBRIDGE_INSTANCE": str(tmp_path),
        "DATABASE_URL": "postgresql://x@localhost/jobbridge",
        "JOBBRIDGE_DATA_KEY": new_data_key(),
    }
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings(environ)
    assert not (tmp_path / "secret_key").exists()  # nothing invented in production


def test_production_refuses_a_missing_or_malformed_data_key(tmp_path):
    environ = {
        "JOBBRIDGE_ENV": "production",
        "SECRET_KEY": "s" * 40,
        "DATABASE_URL": "postgresql://x@localhost/jobbridge",
    }
    with pytest.raises(ConfigError, match="JOBBRIDGE_DATA_KEY"):
        load_settings(environ)
    with pytest.raises(ConfigError, match="JOBBRIDGE_DATA_KEY"):
        load_settings(environ | {"JOBBRIDGE_DATA_KEY": "too-short"})
    settings = load_settings(environ | {"JOBBRIDGE_DATA_KEY": new_data_key()})
    assert settings.production


def test_an_unknown_environment_is_refused():
    with pytest.raises(ConfigError, match="JOBBRIDGE_ENV"):
        load_settings({"JOBBRIDGE_ENV": "staging"})


def test_the_web_app_refuses_production_without_secret_key(monkeypatch):
    from web import create_app

    monkeypatch.setenv("JOBBRIDGE_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", "postgresql://x@localhost/jobbridge")
    monkeypatch.setenv("JOBBRIDGE_DATA_KEY", new_data_key())
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()
