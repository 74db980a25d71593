"""A real HTTP endpoint on loopback that receives webhooks and verifies each signature with
the Standard Webhooks library, as an MSP's portal would."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook


@dataclass
class Received:
    webhook_id: str
    payload: dict[str, Any]
    at: float  # time.time() when it arrived


@dataclass
class Receiver:
    port: int
    secret: str = ""
    delay_seconds: float = 0.0  # answer this slowly
    status: int = 204  # answer with this
    received: list[Received] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # signatures that did not verify

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def types(self) -> list[str]:
        return [r.payload["type"] for r in self.received]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            time.sleep(receiver.delay_seconds)
            try:
                payload = Webhook(receiver.secret).verify(body, dict(self.headers))
            except Exception as exc:  # any failure to verify is recorded, never raised
                receiver.rejected.append(f"{type(exc).__name__}: {exc}")
                self.send_response(400)
            else:
                if receiver.status < 300:
                    received = Received(self.headers["webhook-id"], payload, time.time())
                    receiver.received.append(received)
                self.send_response(receiver.status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def webhook_receiver(receiver: Receiver) -> Iterator[Receiver]:
    """Listen on ``receiver.port`` until the block ends (then the port refuses again)."""
    server = ThreadingHTTPServer(("127.0.0.1", receiver.port), _handler(receiver))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
