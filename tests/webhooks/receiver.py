"""A partner's receiver of our own: an HTTP server on loopback, in a thread, that records every
request (headers and exact body bytes) and answers what the test scripts (per path: a list of
statuses used up in order, then the default), optionally after a delay."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() when it arrived
    status: int


@dataclass
class Receiver:
    server: ThreadingHTTPServer
    default_status: int = 200
    delay: dict[str, float] = field(default_factory=dict)
    scripted: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str = "/hook") -> str:
        return self.base + path

    def answer(self, path: str) -> int:
        with self.lock:
            queue = self.scripted.get(path)
            return queue.pop(0) if queue else self.default_status

    def of_type(self, event_type: str) -> list[Received]:
        import json

        with self.lock:
            return [r for r in self.received if json.loads(r.body)["type"] == event_type]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_receiver() -> Receiver:
    holder: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            receiver = holder["r"]
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            path = self.path
            pause = receiver.delay.get(path, 0.0)
            if pause:
                time.sleep(pause)
            status = receiver.answer(path)
            with receiver.lock:
                receiver.received.append(
                    Received(
                        path,
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                        time.time(),
                        status,
                    )
                )
            answer = b'{"ok": true}' if status < 300 else b"receiver says no"
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = Receiver(server=server)
    holder["r"] = receiver
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver
