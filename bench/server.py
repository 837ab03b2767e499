"""The app under gunicorn on a free local port, and wrk to load it; web nodes behind nginx.

The same settings serve every HTTP figure, so pages compare as ratios: 2 sync workers
(gunicorn's default class, one process per core of the 2-core benchmark machine; a sync worker
closes the connection after each response, so every request includes a loopback connect),
never recycled, development config with a fixed SECRET_KEY. gunicorn.conf.py gives the rest
(logs, preloading). wrk runs 1 thread with 8 connections, enough to keep both workers busy
while leaving them the cores.

`web_nodes` runs nodes as production does, with gunicorn.conf.py's own workers, threads and
recycling, in a process group of its own so that it can be killed whole; `nginx` balances
nodes with docs/nginx.conf.template (the deployment test and the two-node benchmark).
"""

import http.client
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
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
    options = ["--bind", f"{HOST}:{port}", "--workers", str(WORKERS), "--worker-class", "sync"]
    options += ["--threads", "1", "--max-requests", "0"]
    with running(_gunicorn_command(options), environment(database_url)) as (process, log):
        _wait_until_answering(process, port, log, "gunicorn")
        yield port


@dataclass
class Node:
    """A web node: a gunicorn master and its workers, one process group."""

    port: int
    process: subprocess.Popen

    def kill(self) -> None:
        """SIGKILL the master and every worker at once, as when the machine dies."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@contextmanager
def web_nodes(
    database_url: str, count: int, *, workers: int = WORKERS, **settings: str
) -> Iterator[list[Node]]:
    """`count` nodes started side by side, each served with gunicorn.conf.py's settings and
    `workers` workers (WEB_CONCURRENCY) on a free port; `settings` are more environment
    variables (the application's settings). Stopped however the block ends."""
    with ExitStack() as stack:
        started = []
        for _ in range(count):
            port = _free_port()
            env = environment(database_url) | settings
            env |= {"WEB_CONCURRENCY": str(workers), "GUNICORN_BIND": f"{HOST}:{port}"}
            started.append((port, *stack.enter_context(running(_gunicorn_command([]), env))))
        for port, process, log in started:
            _wait_until_answering(process, port, log, "gunicorn")
        yield [Node(port, process) for port, process, _ in started]


def environment(database_url: str) -> dict[str, str]:
    """The environment every process of the service is started with here."""
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": database_url}
    return env | {"SECRET_KEY": SECRET_KEY}


def _gunicorn_command(options: list[str]) -> list[str]:
    return [sys.executable, "-m", "gunicorn", *options, "app:app"]


@contextmanager
def running(
    command: list[str], env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen, IO[bytes]]]:
    """The command run from the project's directory, in a process group of its own, and the file
    its output goes to; stopped however the block ends."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
        )
        try:
            yield process, log
        finally:
            _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM (gunicorn and nginx stop their workers and exit), SIGKILL if that takes long."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# nginx --------------------------------------------------------------------------------------------

NGINX_TEMPLATE = ROOT / "docs" / "nginx.conf.template"
# What the template leaves to nginx's own configuration, here for one unprivileged run in a
# directory of its own: in the foreground, its files and logs in that directory.
NGINX_MAIN = """daemon off;
{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{
    worker_connections 1024;
}}
http {{
    log_format nodes '$request_method $uri $status $upstream_addr';
    access_log {prefix}/access.log nodes;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/diaspora.conf;
}}
"""


def nginx_binary() -> str | None:
    """Debian's nginx, which lives in /usr/sbin (not on every user's PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")


def nginx_site(nodes: list[str], listen: str) -> str:
    """docs/nginx.conf.template for these nodes (host:port) and this listening address."""
    lines = []
    for line in NGINX_TEMPLATE.read_text().splitlines():
        if "@NODE@" in line and not line.lstrip().startswith("#"):
            lines += [line.replace("@NODE@", node) for node in nodes]
        else:
            lines.append(line.replace("@LISTEN@", listen))
    return "\n".join(lines) + "\n"


@dataclass
class Balancer:
    port: int
    # One line a request: method, path, status and the node(s) that answered (host:port).
    access_log: Path

    def answered_by(self) -> list[str]:
        """The node that answered each request so far (several, comma-separated, when nginx
        tried more than one)."""
        return [line.split(" ", 3)[3] for line in self.access_log.read_text().splitlines()]


@contextmanager
def nginx(node_ports: list[int]) -> Iterator[Balancer]:
    """nginx balancing the nodes on these local ports, run as the current user in a temporary
    directory; stopped however the block ends."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError(
            "nginx is missing: `make test` installs it as root (apt-get install nginx)"
        )
    port = _free_port()
    with tempfile.TemporaryDirectory() as prefix:
        site = nginx_site([f"{HOST}:{p}" for p in node_ports], f"{HOST}:{port}")
        Path(prefix, "diaspora.conf").write_text(site)
        # As root, nginx would hand its workers to `nobody`, who cannot write here.
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
        Path(prefix, "nginx.conf").write_text(NGINX_MAIN.format(prefix=prefix, user=user))
        command = [binary, "-p", prefix, "-c", f"{prefix}/nginx.conf"]
        with running(command) as (process, log):
            _wait_until_answering(process, port, log, "nginx")
            yield Balancer(port, Path(prefix, "access.log"))


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


def _wait_until_answering(process: subprocess.Popen, port: int, log: IO[bytes], name: str) -> None:
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
    raise RuntimeError(f"{name} did not answer on port {port}:\n{log.read().decode()}")
