"""The schema made by the migrations is the schema the models describe, on both databases."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from grants.extensions import db


def test_migrations_match_the_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    # Alembic reports any table, column, index, foreign key or type the migrations and models disagree on.
    assert differences == []


def test_upgrading_keeps_existing_rows_valid(empty_database_url, tmp_path):
    """Each migration applies to a database that already holds data from the revision before it."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from grants import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": empty_database_url, "SECRET_KEY": "m",
                      "INSTANCE_PATH": str(tmp_path), "MAIL_BACKGROUND": False})
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
