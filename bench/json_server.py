"""A JSON-over-HTTP server on a free local port, in a thread of this process: the base of the
local gateways (GOV.UK Notify, the WhatsApp Cloud API) that tests and benchmarks point the
application at. A subclass answers each POST with `answer(path, headers, raw)`."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class JsonServer:
    httpd: ThreadingHTTPServer | None = None
    thread: threading.Thread | None = None

    def answer(self, path: str, headers: Any, raw: bytes) -> tuple[int, dict]:
        """(status, JSON body) for one POST."""
        raise NotImplementedError

    def start(self) -> Self:
        handler = type("Handler", (_Handler,), {"gateway": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join()
            self.httpd = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    gateway: JsonServer
    protocol_version = "HTTP/1.1"  # keeps the client's connection open between messages
    # The head and the body go in two writes: without this the body waits for the client's
    # delayed acknowledgement of the head (40 ms a message).
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        status, body = self.gateway.answer(self.path, self.headers, raw)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args) -> None:  # quiet: numbers must not reach the logs
        pass
