"""Every route is declared public or guarded by a permission; roles map to permissions as designed."""
from __future__ import annotations

import pytest
from flask import Flask

from grants import create_app
from grants.access import PUBLIC, ROLE_PERMISSIONS, Permission, access_of, permissions_of, require
from grants.auth.models import Role

# Endpoints served by extensions, which cannot carry our declaration.
EXTENSION_PUBLIC = {"static", "bootstrap.static", "api-docs.openapi_json"}  # the last: the OpenAPI document
EXPECTED_PUBLIC = {
    "core.home", "core.healthz", "core.set_language",
    "auth.login", "auth.login_verify", "auth.password_forgot", "auth.password_reset",
    "auth.register", "auth.confirm_email", "auth.accept_invitation", "organisations.accept", "calls.index",
    "calls.detail",
    "call_documents.download", "registry.index", "registry.show", "registry.analytics", "registry.analytics_download",
    "dashboards.stylesheet", "api.list_calls", "api.get_call", "api.list_registry", "api.get_registry_entry",
    "api_docs.index",
}


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory) -> Flask:
    path = tmp_path_factory.mktemp("routes")
    return create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{path}/x.db", "INSTANCE_PATH": str(path),
                       "SECRET_KEY": "routes-test", "MAIL_BACKGROUND": False})


def test_every_route_is_declared_public_or_protected(bare_app):
    undeclared = []
    for rule in bare_app.url_map.iter_rules():
        if rule.endpoint in EXTENSION_PUBLIC:
            continue
        access = access_of(bare_app.view_functions[rule.endpoint])
        if access is None:
            undeclared.append(f"{rule.rule} ({rule.endpoint})")
        elif access != PUBLIC:
            assert all(isinstance(p, Permission) for p in access), rule.endpoint
    assert undeclared == [], "routes with neither @public nor @require: " + ", ".join(undeclared)


def test_only_the_expected_routes_are_public(bare_app):
    public = {rule.endpoint for rule in bare_app.url_map.iter_rules()
              if access_of(bare_app.view_functions[rule.endpoint]) == PUBLIC}
    assert public == EXPECTED_PUBLIC


def test_route_walk_catches_an_undeclared_view():
    """The walk above is only worth something if it notices a missing declaration."""
    app = Flask(__name__)

    @app.route("/forgotten")
    def forgotten():
        return "oops"

    assert access_of(app.view_functions["forgotten"]) is None


def test_require_needs_a_permission():
    with pytest.raises(ValueError):
        require()


def test_every_role_has_permissions_and_separation_holds():
    assert set(ROLE_PERMISSIONS) == set(Role)
    # DESIGN §1: officers never handle payments, evaluators see only what is assigned, auditors do not manage calls.
    assert Permission.PAYMENT_ANY_MANAGE not in ROLE_PERMISSIONS[Role.PROGRAM_OFFICER]
    assert Permission.APPLICATION_ANY_READ not in ROLE_PERMISSIONS[Role.EVALUATOR]
    assert Permission.CALL_ANY_MANAGE not in ROLE_PERMISSIONS[Role.AUDITOR]
    assert Permission.APPLICATION_ANY_READ not in ROLE_PERMISSIONS[Role.APPLICANT]


class _User:
    is_authenticated = True

    def __init__(self, *roles):
        self.roles = frozenset(roles)


def test_permissions_are_the_union_of_roles_plus_self_service():
    granted = permissions_of(_User(Role.APPLICANT, Role.EVALUATOR))
    assert Permission.ACCOUNT_SELF_MANAGE in granted
    assert Permission.APPLICATION_OWN_MANAGE in granted and Permission.APPLICATION_ASSIGNED_SCORE in granted
    assert Permission.USER_ANY_MANAGE not in granted


def test_anonymous_has_no_permissions():
    class Anonymous:
        is_authenticated = False

    assert permissions_of(Anonymous()) == frozenset()


def test_the_benchmark_endpoint_exists_only_when_asked_for(bare_app, tmp_path):
    assert "core.bench_row" not in bare_app.view_functions
    bench = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/b.db", "INSTANCE_PATH": str(tmp_path),
                        "SECRET_KEY": "bench", "MAIL_BACKGROUND": False, "BENCH_ENDPOINTS": True})
    assert access_of(bench.view_functions["core.bench_row"]) == PUBLIC
