"""Real local receivers for channel tests: an SMTP server (aiosmtpd) and HTTP servers that
stand in for Slack, Teams, Twilio and webhook receivers.

A receiver records every request (headers, parsed body, raw body, path) and answers as the
test says: a fixed status or an `answer` function (429 with Retry-After for a
while, say). With `honours_keys`, it behaves like a receiver that honours idempotency keys:
a request whose `Idempotency-Key` it has already accepted is answered 200 and not counted
as a new message (`accepted`).

A receiver can also hold requests (`hold_next`): a held request is recorded and its answer
started, but not finished until the test releases it, and the test is told which
connection it came on. That makes "a message is on its way right now" a fact the test can
act on (kill the sender, send something else meanwhile) instead of a moment it hopes to
hit, for as long as the test needs.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email import message_from_bytes
from email import policy as email_policy
from email.message import Message as EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from aiosmtpd.controller import Controller

from tests.ports import free_port

TRICKLE_S = 0.2
"""How often a held request's answer gets another byte: far more often than any timeout."""


@dataclass
class Mailbox:
    """Every message the SMTP server accepted, parsed; `refuse` answers RCPT for addresses
    it holds with that reply instead (such as "552 mailbox full")."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
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


Answer = tuple[int, dict[str, str], bytes]


@dataclass(frozen=True)
class Held:
    """A request whose answer a receiver holds back until `release` is set. `port` is the sender's
    end of its connection (the local port of the sender's socket), which names the process
    that sent it; `key` is its Idempotency-Key."""

    port: int
    key: str
    release: threading.Event


@dataclass
class Receiver:
    """What an HTTP receiver got and how it answers (see the module docstring)."""

    requests: list[tuple[dict[str, str], dict[str, Any], bytes]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    status: int = 200
    reply: bytes = b""
    answer: Callable[[Received], Answer] | None = None
    honours_keys: bool = False
    accepted: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    to_hold: int = 0
    held: queue.Queue[Held] = field(default_factory=queue.Queue)
    releases: list[threading.Event] = field(default_factory=list)

    def keys(self) -> list[str]:
        """The Idempotency-Key of every request, repeats included."""
        with self.lock:
            return [r.headers.get("Idempotency-Key", "") for r in self.received]

    def hold_next(self, count: int = 1) -> None:
        """Hold the next `count` requests (each one is put on `held` as it arrives)."""
        with self.lock:
            self.to_hold += count

    def next_held(self, *, guard_s: float = 120.0) -> Held:
        """The next request held; `guard_s` only guards against a hang."""
        try:
            return self.held.get(timeout=guard_s)
        except queue.Empty:
            raise AssertionError(f"hang guard ({guard_s:.0f} s): no request came") from None

    def release_all(self) -> None:
        """Answer every held request, and hold no more (on leaving the test)."""
        with self.lock:
            self.to_hold = 0
            for release in self.releases:
                release.set()

    def hold_if_asked(self, port: int, key: str) -> threading.Event | None:
        """The event a request just received waits for, if it is to be held."""
        with self.lock:
            if not self.to_hold:
                return None
            self.to_hold -= 1
            release = threading.Event()
            self.releases.append(release)
        self.held.put(Held(port, key, release))
        return release


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
            got = Received(dict(self.headers), body, raw, self.path)
            key = got.headers.get("Idempotency-Key", "")
            with receiver.lock:
                receiver.requests.append((got.headers, body, raw))
                receiver.received.append(got)
            release = receiver.hold_if_asked(self.client_address[1], key)
            if receiver.answer is not None:
                status, headers, reply = receiver.answer(got)
            else:
                status, headers, reply = receiver.status, {}, receiver.reply
            try:
                if release is not None:
                    self.answer_slowly(status, headers, reply, release)
                else:
                    self.answer_at_once(status, headers, reply)
            except OSError:  # the sender hung up (or was killed) before its answer
                self.close_connection = True
                return
            if 200 <= status < 300 and receiver.honours_keys:
                with receiver.lock:
                    if key not in receiver.accepted:
                        receiver.accepted.append(key)

        def answer_at_once(self, status: int, headers: dict[str, str], reply: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def answer_slowly(
            self, status: int, headers: dict[str, str], reply: bytes, release: threading.Event
        ) -> None:
            """Start the answer, then keep it coming a byte of whitespace at a time (which
            JSON and our channels ignore) until `release`: the sender keeps reading, so it
            waits however long the test holds it and never reaches its read timeout."""
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            while not release.wait(TRICKLE_S):
                self.wfile.write(b"1\r\n \r\n")
            if reply:
                self.wfile.write(f"{len(reply):x}\r\n".encode() + reply + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            self.close_connection = True

        def handle(self) -> None:
            # The sender may die between requests (a crash test kills it): not our error.
            with suppress(ConnectionResetError):
                super().handle()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", receiver
    finally:
        receiver.release_all()
        server.shutdown()
        server.server_close()


def twilio_answer(got: Received) -> Answer:
    """What Twilio answers a create: 201 with the new resource's SID."""
    kind = "CA" if got.path.endswith("/Calls.json") else "SM"
    sid = f"{kind}{abs(hash(got.raw)) % 10**32:032d}"
    return 201, {"content-type": "application/json"}, json.dumps({"sid": sid}).encode()
