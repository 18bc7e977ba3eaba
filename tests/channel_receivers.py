"""Real local receivers for channel tests: an SMTP server (aiosmtpd) and HTTP servers that
stand in for Slack, Teams, Twilio and webhook receivers.

A receiver records every request (headers, parsed body, raw body, path) and answers as the
test says: a fixed status, a delay, or an `answer` function (429 with Retry-After for a
while, say). With `honours_keys`, it behaves like a receiver that honours idempotency keys:
a request whose `Idempotency-Key` it has already accepted is answered 200 and not counted
as a new message (`accepted`).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email import policy as email_policy
from email.message import Message as EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Mailbox:
    """Every message the SMTP server accepted, parsed; `refuse` answers RCPT for addresses
    it holds with that reply instead (such as "552 mailbox full")."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.delay:
            time.sleep(self.delay)  # blocks the server's loop: a slow mail server
        message = message_from_bytes(envelope.content, policy=email_policy.default)
        message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]) for m in self.messages]


@contextmanager
def smtp_server() -> Iterator[tuple[int, Mailbox]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, mailbox
    finally:
        controller.stop()


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: dict[str, Any]
    raw: bytes
    path: str
    at: float


Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Receiver:
    """What an HTTP receiver got and how it answers (see the module docstring)."""

    requests: list[tuple[dict[str, str], dict[str, Any], bytes]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    status: int = 200
    delay: float = 0.0
    reply: bytes = b""
    answer: Callable[[Received], Answer] | None = None
    honours_keys: bool = False
    accepted: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def keys(self) -> list[str]:
        """The Idempotency-Key of every request, repeats included."""
        with self.lock:
            return [r.headers.get("Idempotency-Key", "") for r in self.received]


@contextmanager
def http_receiver() -> Iterator[tuple[str, Receiver]]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length", "0")))
            kind = self.headers.get("content-type", "")
            if kind.startswith("application/x-www-form-urlencoded"):
                body: dict[str, Any] = dict(parse_qsl(raw.decode()))
            else:
                body = json.loads(raw) if raw else {}
            got = Received(dict(self.headers), body, raw, self.path, time.monotonic())
            with receiver.lock:
                receiver.requests.append((got.headers, body, raw))
                receiver.received.append(got)
            if receiver.delay:
                threading.Event().wait(receiver.delay)
            if receiver.answer is not None:
                status, headers, reply = receiver.answer(got)
            else:
                status, headers, reply = receiver.status, {}, receiver.reply
            if 200 <= status < 300 and receiver.honours_keys:
                key = got.headers.get("Idempotency-Key", "")
                with receiver.lock:
                    if key not in receiver.accepted:
                        receiver.accepted.append(key)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", receiver
    finally:
        server.shutdown()
        server.server_close()


def twilio_answer(got: Received) -> Answer:
    """What Twilio answers a create: 201 with the new resource's SID."""
    kind = "CA" if got.path.endswith("/Calls.json") else "SM"
    sid = f"{kind}{abs(hash(got.raw)) % 10**32:032d}"
    return 201, {"content-type": "application/json"}, json.dumps({"sid": sid}).encode()
