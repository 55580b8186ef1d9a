"""A real S3 endpoint for tests: moto's server on a free local port, spoken to over HTTP."""
from __future__ import annotations

import socket
import threading
from collections.abc import Callable

START_TIMEOUT = 10.0


def start_s3_server() -> tuple[str, Callable[[], None]]:
    """Start moto's S3 server on 127.0.0.1 and return (endpoint URL, stop function)."""
    from moto.server import ThreadedMotoServer

    # Port 0 lets the OS pick a free port at bind time, so two test runs can never race for one.
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    failure: list[BaseException] = []

    def start() -> None:
        try:
            server.start()
        except BaseException as exc:  # reported to the caller below
            failure.append(exc)

    # ThreadedMotoServer.start() waits forever if its server thread dies before binding;
    # starting it from a helper thread turns that hang into a timeout.
    starter = threading.Thread(target=start, daemon=True)
    starter.start()
    starter.join(START_TIMEOUT)
    if failure:
        raise RuntimeError(f"moto S3 server failed to start: {failure[0]}") from failure[0]
    if starter.is_alive():
        raise RuntimeError(f"moto S3 server did not start within {START_TIMEOUT} s")
    host, port = server.get_host_and_port()
    # Bound is not the same as serving; a connect proves the socket is accepting.
    with socket.create_connection((host, port), timeout=START_TIMEOUT):
        pass
    stopped = False

    def stop() -> None:
        nonlocal stopped
        if not stopped:
            stopped = True
            server.stop()

    return f"http://{host}:{port}", stop
