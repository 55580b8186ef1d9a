"""An SMTP sink (aiosmtpd) on 127.0.0.1 that keeps what it receives, and can be made to refuse mail."""
from __future__ import annotations

import email
import email.policy
import threading
from email.message import Message

from aiosmtpd.controller import Controller

from tests.support.postgres import free_port


class _Handler:
    def __init__(self):
        self.messages: list[Message] = []
        self.refuse = False
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 4.3.0 Try again later"
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


class SmtpSink:
    def __init__(self):
        self.handler = _Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[Message]:
        with self.handler.lock:
            return list(self.handler.messages)

    def clear(self) -> None:
        with self.handler.lock:
            self.handler.messages.clear()
        self.handler.refuse = False

    def refuse(self, value: bool = True) -> None:
        """Answer 451 to every message (a temporary failure) until told otherwise."""
        self.handler.refuse = value
