"""Configuration: safe defaults, overridden by environment variables prefixed POMOST_."""
from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

ENV_PREFIX = "POMOST"
# A key that ships in the source is no secret; refusing it outside demo mode is the point.
INSECURE_SECRET_KEYS = frozenset({"", "dev", "change-me", "changeme", "secret"})


class ConfigurationError(RuntimeError):
    """The app cannot start with this configuration; the message says what to set."""


class Defaults:
    DEMO = False
    SECRET_KEY = None
    # Seals the audit log and signs its checkpoints (HMAC-SHA256); kept out of the database, so that whoever
    # can write to the database cannot recompute the chain after an edit. Required outside demo mode.
    AUDIT_KEY = None
    # Days S3 object lock keeps each audit checkpoint (COMPLIANCE mode) where the bucket has object lock and
    # no default retention of its own; ten years covers the usual keeping of grant records.
    AUDIT_CHECKPOINT_RETENTION_DAYS = 3650
    DATABASE_URL = None  # default: SQLite file in the instance folder
    DASHBOARD_CACHE_SECONDS = 60  # how long a worker keeps a dashboard's figures (0: never)
    # Migrations (flask db upgrade) connect as the owner of the schema when this is set; the app's own role
    # (DATABASE_APP_ROLE, else the user in DATABASE_URL) then gets only what it needs (grants/database_roles.py).
    DATABASE_OWNER_URL = None
    DATABASE_APP_ROLE = None
    STORAGE = "local"  # local | s3
    STORAGE_PATH = None  # default: <instance>/storage
    S3_ENDPOINT_URL = None
    S3_REGION = "us-east-1"
    S3_BUCKET = "pomost"
    S3_ACCESS_KEY_ID = None
    S3_SECRET_ACCESS_KEY = None
    S3_URL_TTL = 300  # seconds a presigned download URL stays valid
    S3_CONNECT_TIMEOUT = 5
    S3_READ_TIMEOUT = 60
    S3_MAX_ATTEMPTS = 3
    # "smtp" sends through SMTP_*; "console" prints each message to the server's output and marks it
    # sent (the demo's default, so that confirmation links can be followed without a mail server).
    MAIL_BACKEND = "smtp"
    SMTP_HOST = "127.0.0.1"
    SMTP_PORT = 25
    SMTP_USERNAME = None
    SMTP_PASSWORD = None
    SMTP_STARTTLS = False
    SMTP_TIMEOUT = 10
    MAIL_FROM = "Pomost <no-reply@pomost.invalid>"
    MAIL_MAX_ATTEMPTS = 8
    MAIL_BACKGROUND = True  # a sender thread per worker delivers the outbox after each request
    BASE_URL = "http://127.0.0.1:5000"
    BENCH_ENDPOINTS = False  # bench/ scripts turn on a bare one-row read to compare pages against
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    # Reverse proxies in front of the app whose X-Forwarded-For and -Proto are trusted (0: none,
    # the peer's address is the client's). Sign-in locks count per client address, so set it behind a proxy.
    PROXY_COUNT = 0
    # A programme that has not saved its settings requires a second factor of its staff; the demo does not.
    REQUIRE_STAFF_2FA = True
    PASSWORD_RESET_TTL = 3600
    EMAIL_CONFIRM_TTL = 7 * 24 * 3600
    # Redirect plain-http requests to https in the app itself; normally the TLS-terminating proxy does it.
    FORCE_HTTPS = False
    HSTS_MAX_AGE = 365 * 24 * 3600  # seconds browsers keep to HTTPS after an HTTPS answer
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    BABEL_DEFAULT_LOCALE = "pl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Warsaw"
    LANGUAGES = ("pl", "en")
    BOOTSTRAP_SERVE_LOCAL = True
    # Uploads are spooled to disk by the form parser, never held in memory; each call sets its own
    # per-attachment limit, and this caps any request so a huge upload is refused before it is read.
    MAX_CONTENT_LENGTH = 210 * 1024 * 1024
    UPLOAD_MAX_SIZE = 20 * 1024 * 1024  # per attachment, where a call's requirement sets none
    # The operator's own account, the payer of the bank files (Elixir-O, SEPA); none: no bank file is made.
    PAYER_NAME = None
    PAYER_ACCOUNT = None
    PAYER_BIC = None


def load(app, overrides: dict | None = None) -> None:
    """Fill app.config from defaults, POMOST_* environment variables and explicit overrides."""
    app.config.from_object(Defaults)
    app.config.from_prefixed_env(ENV_PREFIX)
    if overrides:
        app.config.update(overrides)
    cfg = app.config
    instance = Path(app.instance_path)
    explicit = set(overrides or {}) | {k[len(ENV_PREFIX) + 1:] for k in os.environ if k.startswith(ENV_PREFIX + "_")}
    if (cfg["DEMO"] or app.debug or app.testing) and "SESSION_COOKIE_SECURE" not in explicit:
        # A demo on a laptop is served over plain http; production keeps secure cookies.
        cfg["SESSION_COOKIE_SECURE"] = cfg["REMEMBER_COOKIE_SECURE"] = False
    if cfg["DEMO"] and "MAIL_BACKEND" not in explicit:
        cfg["MAIL_BACKEND"] = "console"
    if cfg["DEMO"] and not cfg["PAYER_ACCOUNT"]:
        cfg["PAYER_NAME"], cfg["PAYER_ACCOUNT"] = "OWES Pomost (demo)", "PL10105000997603123456789123"
    if (cfg["DEMO"] or app.debug or app.testing) and "REQUIRE_STAFF_2FA" not in explicit:
        cfg["REQUIRE_STAFF_2FA"] = False
    if not isinstance(cfg["PROXY_COUNT"], int) or isinstance(cfg["PROXY_COUNT"], bool) or cfg["PROXY_COUNT"] < 0:
        raise ConfigurationError(f"POMOST_PROXY_COUNT must be a whole number of proxies, not {cfg['PROXY_COUNT']!r}.")
    if cfg["MAIL_BACKEND"] not in ("smtp", "console"):
        raise ConfigurationError(f"POMOST_MAIL_BACKEND must be 'smtp' or 'console', not {cfg['MAIL_BACKEND']!r}.")
    _secret_key(app, instance)
    _audit_key(app, instance)
    if not cfg.get("DATABASE_URL"):
        instance.mkdir(parents=True, exist_ok=True)
        cfg["DATABASE_URL"] = f"sqlite:///{instance / 'pomost.db'}"
    cfg["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(cfg["DATABASE_URL"])
    if cfg.get("DATABASE_OWNER_URL"):
        cfg["DATABASE_OWNER_URL"] = _normalise_db_url(cfg["DATABASE_OWNER_URL"])
    cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    if not cfg.get("STORAGE_PATH"):
        cfg["STORAGE_PATH"] = str(instance / "storage")
    if cfg["STORAGE"] not in ("local", "s3"):
        raise ConfigurationError(f"POMOST_STORAGE must be 'local' or 's3', not {cfg['STORAGE']!r}.")


def _secret_key(app, instance: Path) -> None:
    key = app.config.get("SECRET_KEY")
    if key and key not in INSECURE_SECRET_KEYS:
        return
    if app.config["DEMO"] or app.debug or app.testing:
        # Keep demo sessions valid across restarts without asking anyone to invent a key.
        instance.mkdir(parents=True, exist_ok=True)
        key_file = instance / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        app.config["SECRET_KEY"] = key_file.read_text().strip()
        return
    raise ConfigurationError(
        "POMOST_SECRET_KEY is missing or is a well-known default. Set it to a long random value, "
        "e.g. POMOST_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))'), "
        "or run the demo with POMOST_DEMO=1."
    )


def _audit_key(app, instance: Path) -> None:
    key = app.config.get("AUDIT_KEY")
    # An all-digit key in the environment arrives parsed as a number; the key is its text.
    key = None if key is None else str(key)
    if key and len(key) >= 32 and key not in INSECURE_SECRET_KEYS and key != app.config["SECRET_KEY"]:
        app.config["AUDIT_KEY"] = key
        return
    if key is None and (app.config["DEMO"] or app.debug or app.testing):
        # A demo's audit log stays verifiable across restarts; the key lives beside the database, not in it.
        app.config["AUDIT_KEY"] = _instance_secret(instance, "audit_key")
        return
    raise ConfigurationError(
        "POMOST_AUDIT_KEY is missing, shorter than 32 characters, a well-known default or the same as "
        "POMOST_SECRET_KEY. It seals the audit log and signs its checkpoints, so keep it outside the database "
        "(and a copy where the database's administrators cannot change it): e.g. "
        "POMOST_AUDIT_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))'), "
        "or run the demo with POMOST_DEMO=1."
    )


def _instance_secret(instance: Path, name: str) -> str:
    """Read a generated key from the instance folder, making it first if missing (race-free across processes)."""
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / name
    if not key_file.exists():
        draft = instance / f".{name}.{secrets.token_hex(8)}"
        draft.write_text(secrets.token_hex(32))
        draft.chmod(0o600)
        try:
            # A hard link never replaces a file and never shows a half-written one: of two processes
            # starting at once, the first one's key is the key of both.
            with contextlib.suppress(FileExistsError):
                os.link(draft, key_file)
        finally:
            draft.unlink()
    return key_file.read_text().strip()


def _normalise_db_url(url: str) -> str:
    # Accept the URLs people paste (postgres://, postgresql://) and use psycopg 3 for them.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
