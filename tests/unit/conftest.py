"""Fixtures for unit tests that need no database."""
from __future__ import annotations

import pytest
from flask_babel import force_locale

from grants import create_app


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory):
    """An app for its translations only: the code under test reads transient objects, no database is opened."""
    path = tmp_path_factory.mktemp("bare")
    return create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{path}/unused.db", "INSTANCE_PATH": str(path),
                       "SECRET_KEY": "unit-test-secret", "MAIL_BACKGROUND": False})


@pytest.fixture
def in_english(bare_app):
    """Inside the bare app, with messages in English (the tests quote them)."""
    with bare_app.app_context(), force_locale("en"):
        yield
