"""A local SMTP sink in a process of its own that writes each message's Message-ID to a file,
one a line: for counting thousands of emails (and duplicates) without parsing them.

    python -m bench.smtp_sink --port 8025 --log ids.txt

`SinkProcess` starts one on a free port and reads the counts back.
"""

import argparse
import contextlib
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.M | re.I)


class _Handler:
    def __init__(self, log: Path) -> None:
        self.out = log.open("ab", buffering=0)

    async def handle_DATA(self, _server, _session, envelope):
        head = envelope.content.split(b"\r\n\r\n", 1)[0]
        match = _MESSAGE_ID.search(head)
        self.out.write((match.group(1) if match else b"-") + b"\n")
        return "250 Message accepted for delivery"


def serve(port: int, log: Path) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(_Handler(log), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    controller.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SinkProcess:
    """The sink as a child process, so it does not compete with the senders for the GIL."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> "SinkProcess":
        self.log.write_bytes(b"")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.smtp_sink", "--port", str(self.port), "--log", self.log],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the SMTP sink did not start")
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process.stdout.close()
            self.process = None

    def ids(self) -> Counter:
        return Counter(line for line in self.log.read_text().splitlines() if line)

    @property
    def total(self) -> int:
        return sum(self.ids().values())

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.total < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.total >= count, f"expected {count} emails, got {self.total}"

    def __enter__(self) -> "SinkProcess":
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", type=Path, required=True)
    arguments = parser.parse_args()
    serve(arguments.port, arguments.log)
