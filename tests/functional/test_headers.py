"""Security headers: a strict Content-Security-Policy on every answer, nosniff, no framing, and HSTS
only over HTTPS; the demo over plain http is neither redirected nor told to use HTTPS."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from grants import create_app, demo

HREF = re.compile(r'href="([^"#]*)')
NOT_A_PAGE = re.compile(r"\.(csv|xlsx)$|/attachments/\d+$|/calls/\d+/documents/\d+$|^/logout$|^/(static|bootstrap)/")


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def assert_strict(response, where: str) -> None:
    directives = policy(response)
    assert directives, f"{where}: no Content-Security-Policy"
    assert directives["default-src"] == ["'self'"], where
    script_src = directives.get("script-src", directives["default-src"])
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, where
    assert "'unsafe-inline'" not in directives.get("style-src", directives["default-src"]), where
    assert directives["object-src"] == ["'none'"], where
    assert directives["frame-ancestors"] == ["'none'"], where
    assert directives["base-uri"] == ["'self'"], where
    assert directives["form-action"] == ["'self'"], where
    assert response.headers["X-Content-Type-Options"] == "nosniff", where
    assert response.headers["X-Frame-Options"] == "DENY", where
    assert response.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin"), where


def crawl(client, start: str, limit: int = 60) -> list[str]:
    """Every page reachable by links from `start` (GET only, bounded), each answer checked."""
    queue, seen = [start], {start}
    while queue and len(seen) - len(queue) < limit:
        path = queue.pop(0)
        response = client.get(path)
        assert_strict(response, path)
        if response.status_code in (301, 302, 303):
            targets = [response.headers["Location"]]
        elif response.mimetype == "text/html":
            targets = HREF.findall(response.get_data(as_text=True))
        else:
            continue
        for target in targets:
            parts = urlsplit(target.replace("&amp;", "&"))
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            if parts.netloc in ("", "localhost") and parts.path.startswith("/") and not NOT_A_PAGE.search(parts.path) \
                    and link not in seen:
                seen.add(link)
                queue.append(link)
    return sorted(seen)


def test_every_page_of_every_demo_role_carries_the_policy(app, client, auth):
    result = app.test_cli_runner().invoke(args=["pomost", "seed-demo"])
    assert result.exit_code == 0, result.output
    visited = crawl(client, "/")
    for email, _name, _role in demo.ACCOUNTS:
        auth.login(email, demo.PASSWORD)
        visited += crawl(client, "/")
        auth.logout()
    assert len(set(visited)) > 30
    assert_strict(client.get("/no/such/page"), "404")
    assert_strict(client.get("/healthz"), "/healthz")


def test_hsts_only_over_https(client):
    secure = client.get("/login", base_url="https://localhost")
    assert secure.status_code == 200
    assert re.fullmatch(r"max-age=\d{8,}", secure.headers["Strict-Transport-Security"])
    plain = client.get("/login")
    assert plain.status_code == 200, "plain http must not be redirected unless FORCE_HTTPS is set"
    assert "Strict-Transport-Security" not in plain.headers


def test_force_https_redirects_plain_http_when_configured(app_config):
    app = create_app({**app_config, "FORCE_HTTPS": True})
    client = app.test_client()
    response = client.get("/login?next=/calls/")
    assert response.status_code in (301, 302)
    assert response.headers["Location"] == "https://localhost/login?next=/calls/"
    assert client.get("/login", base_url="https://localhost").status_code == 200


@pytest.mark.parametrize("same_site", ["Strict", "Lax"])
def test_the_headers_leave_the_session_cookie_settings_alone(app_config, same_site):
    app = create_app({**app_config, "SESSION_COOKIE_SAMESITE": same_site, "SESSION_COOKIE_SECURE": False})
    client = app.test_client()
    client.get("/login", base_url="https://localhost")
    assert app.config["SESSION_COOKIE_SAMESITE"] == same_site
    assert app.config["SESSION_COOKIE_SECURE"] is False
