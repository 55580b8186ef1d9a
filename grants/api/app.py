"""The JSON API joins the app: flask-smorest's Api with the OpenAPI 3.1 settings, every resource module's routes
on the one blueprint, and no CSRF token (the API reads no cookie: grants/api/core.py)."""
from __future__ import annotations

from grants.api.core import VERSION, api, bp


def init_app(app) -> None:
    app.config.update(
        API_TITLE="Pomost", API_VERSION=VERSION, OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX=f"/api/{VERSION}", OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={"components": {"securitySchemes": {"token": {
            "type": "http", "scheme": "bearer",
            "description": "A personal API token, made on the account page (Account → API tokens)."}}}},
    )
    app.config.setdefault("API_RATE_LIMIT", 600)
    api.init_app(app)
    from grants.api import (  # noqa: F401 - their routes join the blueprint
        applications,
        calls,
        control,
        evaluation,
        figures,
        finance,
        jobs,
        organisations,
        registry,
        reporting,
        transitions,
    )

    api.register_blueprint(bp)
    from grants.extensions import csrf

    csrf.exempt(bp)
