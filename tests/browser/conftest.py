"""Browser tests: a real Chromium (through playwright) against the app served by gunicorn.

These tests talk to the server over HTTP only. They must not use the `app`, `db` or `db_kind`
fixtures of tests/conftest.py (those would parametrise them over two databases); the served app
keeps its own SQLite database in a temporary instance folder, seeded with the demo accounts.

Screenshots go to <repo>/test-artifacts/browser/<test name>/<NN>-<name>.png (git-ignored); a
failing test leaves one named `failure` there automatically.

With CI=true a server or browser that cannot start fails the run instead of skipping it.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.postgres import free_port

REPO = Path(__file__).resolve().parents[2]
BROWSER_TESTS = Path(__file__).resolve().parent
ARTEFACTS = REPO / "test-artifacts" / "browser"
IN_CI = os.environ.get("CI", "").lower() == "true"

SERVER_START_TIMEOUT = 30  # seconds until /healthz must answer 200
COMMAND_TIMEOUT = 120  # seconds for `flask db upgrade` and `flask pomost seed-demo`
PAGE_TIMEOUT_MS = 10_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def unavailable(what: str, error: BaseException | str):
    """Same rule as tests/conftest.py: fail in CI (nothing may be skipped there), skip elsewhere."""
    message = f"{what} unavailable: {error}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


# --- marker: every test in this folder is a browser test -----------------------------------------

def pytest_collection_modifyitems(config, items):
    # This hook sees the whole session's items, not only this folder's: restrict it.
    for item in items:
        if BROWSER_TESTS in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


# --- the served app ---------------------------------------------------------------------------------

def _server_env(instance: Path) -> dict[str, str]:
    # Drop whatever POMOST_* the developer's shell carries (an S3 backend, a PostgreSQL URL, …):
    # the browser tests run against a known demo configuration only.
    env = {k: v for k, v in os.environ.items() if not k.startswith("POMOST_")}
    env.update({
        "POMOST_DEMO": "1",
        "POMOST_DATABASE_URL": f"sqlite:///{instance / 'pomost.db'}",
        "POMOST_STORAGE_PATH": str(instance / "storage"),
        "POMOST_MAIL_BACKGROUND": "false",
        # Without a key, demo mode writes one to <repo>/instance/secret_key; an explicit key keeps the
        # tests from touching the repository's instance folder.
        "POMOST_SECRET_KEY": secrets.token_hex(32),
        "POMOST_AUDIT_KEY": secrets.token_hex(32),  # likewise for <repo>/instance/audit_key
        "PYTHONUNBUFFERED": "1",
    })
    return env


def _run_flask(args: list[str], env: dict[str, str]) -> None:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    try:
        result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True,
                                timeout=COMMAND_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise RuntimeError(f"`{' '.join(args)}` did not complete: {error}") from error
    if result.returncode != 0:
        raise RuntimeError(f"`flask {' '.join(args)}` exited with {result.returncode}:\n"
                           f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}")


def _read_tail(path: Path, limit: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-limit:]
    except OSError:
        return ""


def _wait_healthy(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    last = "no answer yet"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode} before answering.\n"
                               f"--- server stderr ---\n{_read_tail(log)}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as error:
            last = f"HTTP {error.code}: {error.read()[:500]!r}"
        except (urllib.error.URLError, OSError) as error:
            last = str(error)
        time.sleep(0.1)
    raise RuntimeError(f"{url}/healthz did not answer 200 within {SERVER_START_TIMEOUT} s "
                       f"(last: {last}).\n--- server stderr ---\n{_read_tail(log)}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # SIGTERM: gunicorn's graceful shutdown
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_mail(smtp_server):
    """The SMTP sink the served app sends to, and a way to run its outbox sender now."""
    return LiveMail(smtp_server)


class LiveMail:
    def __init__(self, sink):
        self.sink = sink
        self.env: dict[str, str] = {}

    def deliver(self) -> None:
        """Send what the served app queued (the command a cron job would run)."""
        _run_flask(["pomost", "mail", "send", "--retry-now"], self.env)

    def last_link(self, to: str, path: str) -> str:
        """The newest link containing `path` in a message to `to`."""
        for message in reversed(self.sink.messages):
            if message["To"] == to:
                match = re.search(rf"https?://\S*{re.escape(path)}\S*", message.get_body(("plain",)).get_content())
                if match:
                    return match.group(0)
        raise AssertionError(f"no message to {to} with a link to {path}")


@pytest.fixture(scope="session")
def live_server(live_mail):
    """Base URL (http://127.0.0.1:<port>) of the demo app served by gunicorn with two workers."""
    instance = Path(tempfile.mkdtemp(prefix="pomost-browser-"))
    env = _server_env(instance)
    # The demo prints its mail; these journeys read it from an SMTP sink, as real users read theirs.
    env["POMOST_MAIL_BACKEND"] = "smtp"
    env["POMOST_SMTP_PORT"] = str(live_mail.sink.port)
    live_mail.env = env
    log = instance / "gunicorn.log"
    process = None
    try:
        try:
            port = free_port()
            base_url = f"http://127.0.0.1:{port}"
            env["POMOST_BASE_URL"] = base_url
            _run_flask(["db", "upgrade"], env)
            _run_flask(["pomost", "seed-demo"], env)
            with open(log, "wb") as stderr:
                process = subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
                     "--graceful-timeout", "5", "wsgi:app"],
                    cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr)
            _wait_healthy(process, base_url, log)
        except Exception as error:  # noqa: BLE001 - whatever stops the server, report it the same way
            unavailable("app server", error)
        yield base_url
    finally:
        if process is not None:
            _stop(process)
        shutil.rmtree(instance, ignore_errors=True)


# --- the browser ------------------------------------------------------------------------------------

def _chromium() -> str | None:
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, driven by playwright (never `playwright install`: no network)."""
    executable = _chromium()
    if executable is None:
        unavailable("Chromium", "no /usr/bin/chromium and no `chromium` on PATH (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        unavailable("playwright", error)
    playwright = sync_playwright().start()
    chromium = None
    try:
        try:
            chromium = playwright.chromium.launch(executable_path=executable, headless=True,
                                                  args=CHROMIUM_ARGS)
        except Exception as error:  # noqa: BLE001 - playwright raises its own Error types
            unavailable("Chromium", f"{executable} did not start: {error}")
        yield chromium
    finally:
        if chromium is not None:
            chromium.close()
        playwright.stop()


# --- screenshots ------------------------------------------------------------------------------------

class Artefacts:
    """Numbered full-page screenshots of one test in test-artifacts/browser/<test name>/."""

    def __init__(self, test_name: str):
        self.folder = ARTEFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name).strip("_")
        self.count = 0
        shutil.rmtree(self.folder, ignore_errors=True)  # no stale pictures from an earlier run

    def shot(self, page, name: str) -> Path:
        self.count += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.count:02d}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def artefacts(request) -> Artefacts:
    return Artefacts(request.node.name)


def shot(page, name: str) -> Path:
    """Screenshot through the page's own Artefacts (the `page` fixture attaches one)."""
    return page._pomost_artefacts.shot(page, name)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def page(browser, artefacts, request):
    """A fresh context (Polish browser, 1280×800) and page; a screenshot is saved if the test fails."""
    context = browser.new_context(locale="pl-PL", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    context.set_default_navigation_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    page._pomost_artefacts = artefacts
    try:
        yield page
    finally:
        failed = any(getattr(getattr(request.node, f"rep_{when}", None), "failed", False)
                     for when in ("setup", "call"))
        if failed:
            try:
                artefacts.shot(page, "failure")
            except Exception:  # noqa: BLE001 - a missing screenshot must not hide the real failure
                pass
        context.close()
