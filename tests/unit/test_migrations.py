"""The schema made by the migrations is the schema the models describe, on both databases."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from grants.extensions import db
from grants.search import include_object


def test_migrations_match_the_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
        differences = compare_metadata(context, db.metadata)
    # Alembic reports any table, column, index, foreign key or type the migrations and models disagree on.
    assert differences == []


def _migrating_app(database_url: str, instance):
    """An app on a database that the test migrates step by step."""
    from grants import create_app

    return create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "m",
                       "INSTANCE_PATH": str(instance), "MAIL_BACKGROUND": False})


def test_upgrading_keeps_existing_rows_valid(empty_database_url, tmp_path):
    """Each migration applies to a database that already holds data from the revision before it."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    app = _migrating_app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(revision="0002_workflow_objects")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO organisation (name, type, created_at) VALUES ('Spółdzielnia', "
                              "'social_cooperative', '2026-01-01 00:00:00')"))
            conn.execute(text("INSERT INTO call (call_type, title, status, budget, currency, opens_at, closes_at, "
                              "parameters, form, created_at, version) VALUES ('restructuring_grant', 'Nabór', "
                              "'published', 1000, 'PLN', '2026-01-01 00:00:00', '2026-02-01 00:00:00', '{}', '[]', "
                              "'2026-01-01 00:00:00', 1)"))
            conn.execute(text("INSERT INTO application (call_id, organisation_id, title, status, requested_amount, "
                              "answers, correction_rounds, created_at, version) VALUES (1, 1, 'Wniosek', 'draft', 10, "
                              "'{}', 0, '2026-01-01 00:00:00', 1)"))
        upgrade()
        from grants.applications.models import Application

        application = db.session.get(Application, 1)
        assert application.correction_items == [] and application.formal_checklist == {}
        assert application.call.criteria == [] and application.call.required_attachments == []
        db.session.remove()
        db.engine.dispose()


def test_search_text_is_filled_for_the_rows_already_there(empty_database_url, tmp_path):
    """0011 folds every existing user, organisation and application, across several batches."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    app = _migrating_app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(revision="0010_audit_anchor")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO organisation (name, type, created_at) VALUES (:name, 'ngo', "
                              "'2026-01-01 00:00:00')"), [{"name": f"Źródło {i}"} for i in range(2100)])
            conn.execute(text("INSERT INTO user_account (email, name, password_hash, locale, active, "
                              "session_version, created_at) VALUES ('anna@example.org', 'Anna Łęcka', 'x', 'pl', "
                              ":yes, 1, '2026-01-01 00:00:00')"), {"yes": True})
            conn.execute(text("INSERT INTO call (call_type, title, status, budget, currency, opens_at, closes_at, "
                              "parameters, form, created_at, version) VALUES ('restructuring_grant', 'Nabór', "
                              "'published', 1000, 'PLN', '2026-01-01 00:00:00', '2026-02-01 00:00:00', '{}', '[]', "
                              "'2026-01-01 00:00:00', 1)"))
            conn.execute(text("INSERT INTO application (call_id, organisation_id, number, title, status, "
                              "requested_amount, answers, correction_rounds, correction_items, formal_checklist, "
                              "created_at, version) VALUES (1, 1, 'Ł/1', 'ŻÓŁW', 'draft', 10, '{}', 0, '[]', '{}', "
                              "'2026-01-01 00:00:00', 1)"))
        upgrade()
        from grants.applications.models import Application
        from grants.auth.models import Organisation, User

        assert db.session.scalar(select(func.count()).where(Organisation.matching("ZRODLO"))) == 2100
        assert db.session.scalar(select(Organisation.search_text).where(Organisation.id == 2100)) == "zrodlo 2099"
        assert db.session.scalar(select(User.search_text)) == "anna lecka\nanna@example.org"
        assert db.session.scalar(select(Application.id).where(Application.matching("l/1"))) == 1
        assert db.session.scalar(select(Application.id).where(Application.matching("zolw"))) == 1
        db.session.remove()
        db.engine.dispose()


def test_organisations_sharing_a_nip_stop_the_upgrade_with_their_ids(empty_database_url, tmp_path):
    """0036 makes NIP and KRS unique; two organisations with the same NIP are named, to be merged first, and the
    database stays at the revision before."""
    import pytest
    from flask_migrate import upgrade
    from sqlalchemy import text

    app = _migrating_app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(revision="0035_application_submitted_order")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO organisation (name, type, nip, created_at, search_text) VALUES "
                              "(:name, 'ngo', :nip, '2026-01-01 00:00:00', '')"),
                         [{"name": "A", "nip": "5261040828"}, {"name": "B", "nip": None},
                          {"name": "C", "nip": "5261040828"}, {"name": "D", "nip": None}])
        with pytest.raises(SystemExit) as stopped:  # flask db upgrade logs why and exits 1
            upgrade()
        assert "Organisations share a NIP (5261040828: organisations 1 … 3). Merge them" in \
            str(stopped.value.__context__)
        with db.engine.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0035_application_submitted_order"
            conn.execute(text("UPDATE organisation SET nip = NULL WHERE id = 3"))
            conn.commit()
        upgrade(revision="0036_organisation_identifiers")  # two organisations without a NIP are no clash
        with db.engine.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0036_organisation_identifiers"
        db.session.remove()
        db.engine.dispose()
