"""The app under gunicorn on a free local port, and wrk to load it.

The same settings serve every HTTP figure, so pages compare as ratios: 2 sync workers
(gunicorn's default class, one process per core of the 2-core benchmark machine; a sync worker
closes the connection after each response, so every request includes a loopback connect),
development config with a fixed SECRET_KEY. wrk runs 1 thread with 8 connections, enough to
keep both workers busy while leaving them the cores.
"""

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
WORKERS = 2
WRK_THREADS = 1
WRK_CONNECTIONS = 8
SECRET_KEY = "bench-secret-key-not-for-production"  # noqa: S105
START_TIMEOUT_SECONDS = 30


class Reply(NamedTuple):
    status: int
    content_type: str
    body: bytes


@contextmanager
def gunicorn(database_url: str) -> Iterator[int]:
    """Yield the port of the app served by gunicorn on 127.0.0.1; stopped however the block ends."""
    port = _free_port()
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": database_url}
    env["SECRET_KEY"] = SECRET_KEY
    command = [sys.executable, "-m", "gunicorn", "--bind", f"{HOST}:{port}"]
    command += ["--workers", str(WORKERS), "--worker-class", "sync", "app:app"]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            _wait_until_answering(process, port, log)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def fetch(port: int, path: str) -> Reply:
    """One GET to the local app, redirects not followed."""
    connection = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return Reply(response.status, response.getheader("Content-Type", ""), response.read())
    finally:
        connection.close()


def requests_per_second(port: int, path: str, seconds: int) -> float:
    """wrk's Requests/sec for GET path; fails on any socket error or 4xx/5xx response."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is missing: `make bench` installs it as root (apt-get install wrk)")
    command = [wrk, f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--timeout", "5s"]
    result = subprocess.run(
        [*command, f"http://{HOST}:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    )
    output = result.stdout
    if re.search(r"^\s*(Non-2xx or 3xx responses|Socket errors):", output, re.MULTILINE):
        raise RuntimeError(f"wrk saw failed requests on {path}:\n{output}")
    match = re.search(r"^Requests/sec:\s+([0-9.]+)", output, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no Requests/sec in wrk's output:\n{output}")
    return float(match.group(1))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _wait_until_answering(process: subprocess.Popen, port: int, log: IO[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if fetch(port, "/health/ready").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    log.seek(0)
    raise RuntimeError(f"gunicorn did not answer on port {port}:\n{log.read().decode()}")
