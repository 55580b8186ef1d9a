"""A throwaway PostgreSQL cluster on 127.0.0.1 for one test session (about a second to start)."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from typing import Callable

PG_BIN_GLOBS = ("/usr/lib/postgresql/*/bin",)


class PostgresUnavailable(RuntimeError):
    pass


def _bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for pattern in PG_BIN_GLOBS:
        for folder in sorted(glob.glob(pattern), reverse=True):
            candidate = os.path.join(folder, name)
            if os.access(candidate, os.X_OK):
                return candidate
    raise PostgresUnavailable(f"{name} not found; install PostgreSQL server binaries (e.g. postgresql-15)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; run the server as the postgres system user instead.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def start_postgres() -> tuple[str, Callable[[], None]]:
    """initdb + pg_ctl start; returns a SQLAlchemy URL of an empty database and a stop function."""
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    base = tempfile.mkdtemp(prefix="pomost-pg-")
    data, sock = os.path.join(base, "data"), os.path.join(base, "sock")
    os.mkdir(sock)
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
        os.chmod(base, 0o700)
    port = free_port()
    run = dict(check=True, capture_output=True, text=True, timeout=120)
    try:
        subprocess.run(_as_postgres([initdb, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                                     "--no-sync", "--locale=C.UTF-8"]), **run)
        options = (f"-k {sock} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
        subprocess.run(_as_postgres([pg_ctl, "-D", data, "-o", options, "-l", os.path.join(base, "log"),
                                     "-w", "-t", "60", "start"]), **run)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        detail = getattr(error, "stderr", "") or ""
        log = os.path.join(base, "log")
        if os.path.exists(log):
            detail += open(log).read()[-2000:]
        shutil.rmtree(base, ignore_errors=True)
        raise PostgresUnavailable(f"could not start PostgreSQL: {error}\n{detail}") from error

    def stop() -> None:
        subprocess.run(_as_postgres([pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"]),
                       capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)

    try:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute("CREATE DATABASE pomost_test")
    except Exception:
        stop()
        raise
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/pomost_test", stop
