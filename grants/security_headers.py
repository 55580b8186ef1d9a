"""Security headers on every answer: a strict Content-Security-Policy, HSTS over HTTPS, no sniffing, no framing.

Set by flask-talisman. Pages carry no inline script or style: scripts and styles come from the app's
static folder and Bootstrap's, wired by data- attributes, so the policy needs no nonce.
"""
from __future__ import annotations

from flask import Flask
from flask_talisman import DENY, Talisman

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",  # Bootstrap's icons (select arrows, close buttons) are data: SVGs in its CSS
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

talisman = Talisman()


def init_app(app: Flask) -> None:
    talisman.init_app(
        app,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options=DENY,
        referrer_policy="same-origin",
        # TLS ends at the proxy in production and the demo runs on plain http: redirect only when asked.
        force_https=app.config["FORCE_HTTPS"],
        # Sent only on HTTPS answers (browsers ignore it on plain http anyway). Not for subdomains: the
        # app may live on one host of a domain whose other sites are not ours to force onto HTTPS.
        strict_transport_security=True,
        strict_transport_security_max_age=app.config["HSTS_MAX_AGE"],
        strict_transport_security_include_subdomains=False,
        # The cookie flags are set in grants/config.py (secure outside the demo); talisman must not change them.
        session_cookie_secure=False,
        session_cookie_http_only=False,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )
