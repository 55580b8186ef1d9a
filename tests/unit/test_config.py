"""Configuration from POMOST_* variables; no start without a real secret key and audit key outside demo mode."""
from __future__ import annotations

import pytest

from grants import create_app
from grants.config import ConfigurationError


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    import os

    for key in list(os.environ):
        if key.startswith("POMOST_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("POMOST_DATABASE_URL", f"sqlite:///{tmp_path}/c.db")
    return monkeypatch


@pytest.mark.parametrize("key", [None, "", "dev", "change-me"])
def test_refuses_to_start_without_a_real_secret_key(clean_env, tmp_path, key):
    if key is not None:
        clean_env.setenv("POMOST_SECRET_KEY", key)
    with pytest.raises(ConfigurationError, match="POMOST_SECRET_KEY"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_demo_mode_makes_and_keeps_a_key(clean_env, tmp_path):
    clean_env.setenv("POMOST_DEMO", "1")
    first = create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    second = create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["SESSION_COOKIE_SECURE"] is False


def test_settings_come_from_prefixed_environment(clean_env, tmp_path):
    clean_env.setenv("POMOST_SECRET_KEY", "x" * 40)
    clean_env.setenv("POMOST_AUDIT_KEY", "a" * 40)
    clean_env.setenv("POMOST_STORAGE", "s3")
    clean_env.setenv("POMOST_S3_BUCKET", "grants-prod")
    clean_env.setenv("POMOST_S3_ENDPOINT_URL", "http://127.0.0.1:9000")
    clean_env.setenv("POMOST_SMTP_PORT", "2525")
    clean_env.setenv("POMOST_DATABASE_URL", "postgresql://u:p@127.0.0.1/pomost")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["S3_BUCKET"] == "grants-prod"
    assert app.config["SMTP_PORT"] == 2525
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@127.0.0.1/pomost"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_unknown_storage_backend_is_refused(clean_env, tmp_path):
    clean_env.setenv("POMOST_SECRET_KEY", "x" * 40)
    clean_env.setenv("POMOST_AUDIT_KEY", "a" * 40)
    clean_env.setenv("POMOST_STORAGE", "ftp")
    with pytest.raises(ConfigurationError, match="POMOST_STORAGE"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


@pytest.mark.parametrize("key", [None, "", "dev", "too-short-to-be-a-key", "x" * 40])
def test_refuses_to_start_without_a_real_audit_key(clean_env, tmp_path, key):
    """Missing, well-known, short, or the session key again ("x" * 40): the audit log would not be anchored."""
    clean_env.setenv("POMOST_SECRET_KEY", "x" * 40)
    if key is not None:
        clean_env.setenv("POMOST_AUDIT_KEY", key)
    with pytest.raises(ConfigurationError, match="POMOST_AUDIT_KEY"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_the_audit_key_comes_from_the_environment_as_text(clean_env, tmp_path):
    clean_env.setenv("POMOST_SECRET_KEY", "x" * 40)
    clean_env.setenv("POMOST_AUDIT_KEY", "1" * 40)  # all digits: parsed as a number, kept as the text
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["AUDIT_KEY"] == "1" * 40


def test_demo_mode_makes_and_keeps_an_audit_key_beside_the_database(clean_env, tmp_path):
    clean_env.setenv("POMOST_DEMO", "1")
    first = create_app({"INSTANCE_PATH": str(tmp_path)}).config["AUDIT_KEY"]
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["AUDIT_KEY"] == first
    assert len(first) >= 32 and first != create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    assert (tmp_path / "audit_key").read_text() == first and (tmp_path / "audit_key").stat().st_mode & 0o077 == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".audit_key")] == []
