"""Run jobs in separate OS processes, each with its own app and database connection, so a test can make
real clients race for the same rows (as two gunicorn workers or a worker and cron would).

Processes are started with the "spawn" method: a child shares nothing with the parent but what is
passed to it (the app configuration, ids, a barrier), so it opens its own connections. A job is a
module-level function `job(sync, *args)`; it runs inside an app context of a fresh `create_app(config)`
and returns something picklable. `sync.together()` waits until every job has reached the same point.
A child that raises reports its traceback, and `run_processes` fails the test with it.
"""
from __future__ import annotations

import multiprocessing
import queue
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest

SPAWN = multiprocessing.get_context("spawn")
WAIT = 20.0  # seconds a job may wait at the barrier or for an event before it gives up


@dataclass
class Sync:
    """Shared between the jobs of one run: a barrier for all of them and named one-shot events."""

    barrier: Any
    events: dict[str, Any] = field(default_factory=dict)

    def together(self) -> None:
        """Return once every job has called this (raises BrokenBarrierError when one of them died)."""
        self.barrier.wait(timeout=WAIT)

    def signal(self, name: str) -> None:
        self.events[name].set()

    def wait_for(self, name: str) -> None:
        if not self.events[name].wait(timeout=WAIT):
            raise TimeoutError(f"event {name!r} was never signalled")

    def abort(self) -> None:
        self.barrier.abort()


def attempt(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Call fn (e.g. fire) and commit. A refusal (the engine's own, or one an area's effect raised) is rolled
    back and reported as its class name and message; any other exception propagates and crashes the job."""
    from grants.errors import Refusal
    from grants.extensions import db

    started = time.monotonic()
    try:
        fn(*args, **kwargs)
        db.session.commit()
    except Refusal as refusal:
        db.session.rollback()
        return {"outcome": type(refusal).__name__, "refused": True, "message": str(refusal),
                "message_pl": refusal.text("pl"), "elapsed": time.monotonic() - started}
    return {"outcome": "ok", "refused": False, "message": None, "message_pl": None,
            "elapsed": time.monotonic() - started}


def _child(config: dict, name: str, job: Callable[..., Any], args: tuple, sync: Sync, results) -> None:
    try:
        from grants import create_app
        from grants.extensions import db

        app = create_app(config)
        with app.app_context():
            try:
                value = job(sync, *args)
            finally:
                db.session.remove()
                db.engine.dispose()
        results.put((name, True, value))
    except BaseException:  # noqa: BLE001 - everything goes back to the parent
        sync.abort()  # release the other jobs instead of leaving them at the barrier
        results.put((name, False, traceback.format_exc()))


def run_processes(config: dict, jobs: dict[str, tuple[Callable[..., Any], tuple]], *, events: tuple[str, ...] = (),
                  timeout: float = 60.0) -> dict[str, Any]:
    """Run each job in its own spawned process at once; return {name: the job's return value}.

    Fails the test with every crashed child's traceback, or when a child hangs past `timeout` or dies
    without reporting. Every child is joined (and terminated if it hangs) before this returns.
    """
    sync = Sync(barrier=SPAWN.Barrier(len(jobs)), events={name: SPAWN.Event() for name in events})
    results = SPAWN.Queue()
    processes = {
        name: SPAWN.Process(target=_child, args=(config, name, job, args, sync, results), name=f"race-{name}",
                            daemon=True)
        for name, (job, args) in jobs.items()
    }
    for process in processes.values():
        process.start()

    reports: dict[str, tuple[bool, Any]] = {}
    problems: list[str] = []
    deadline = time.monotonic() + timeout
    dead_since: dict[str, float] = {}
    try:
        # Drain the queue before joining: a child blocks on exit until what it put has been read.
        while len(reports) < len(processes):
            try:
                name, ok, payload = results.get(timeout=0.2)
                reports[name] = (ok, payload)
                continue
            except queue.Empty:
                pass
            now = time.monotonic()
            pending = [n for n in processes if n not in reports]
            for n in pending:
                if not processes[n].is_alive():
                    dead_since.setdefault(n, now)
            silent = [n for n in pending if now - dead_since.get(n, now) > 2]  # its report would be here
            if silent:
                sync.abort()
                problems += [f"child {n!r} died without reporting (exit code {processes[n].exitcode})"
                             for n in silent]
                break
            if now > deadline:
                sync.abort()
                problems += [f"child {n!r} did not finish within {timeout:.0f} s" for n in pending]
                break
    finally:
        for name, process in processes.items():
            process.join(timeout=max(deadline - time.monotonic(), 5))
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
                problems.append(f"child {name!r} had to be terminated")
            elif process.exitcode != 0 and name in reports:
                problems.append(f"child {name!r} reported but exited with code {process.exitcode}")
        results.close()
        results.join_thread()

    crashed = [(name, payload) for name, (ok, payload) in reports.items() if not ok]
    # A child that crashed first broke the barrier for the others: its traceback goes first.
    crashed.sort(key=lambda crash: "BrokenBarrierError" in crash[1])
    problems += [f"child {name!r} crashed:\n{payload}" for name, payload in crashed]
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)
    return {name: payload for name, (ok, payload) in reports.items()}
