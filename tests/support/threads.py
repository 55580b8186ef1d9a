"""Requests from several test browsers released at the same moment (threads behind one barrier)."""
from __future__ import annotations

import threading


def post_at_once(requests: list[tuple], headers: dict | None = None) -> list[int]:
    """POST each (client, path, form) from its own thread, all released together; the status codes."""
    barrier, answers = threading.Barrier(len(requests)), []

    def send(client, path, form):
        barrier.wait()
        answers.append(client.post(path, data=form, headers=headers or {}).status_code)

    threads = [threading.Thread(target=send, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers
