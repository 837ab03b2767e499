"""gunicorn's settings for a web node behind nginx (docs/operations.md), read from the directory
gunicorn starts in: `gunicorn app:app`. A machine's own values come from the environment:
WEB_CONCURRENCY (workers), GUNICORN_THREADS, GUNICORN_BIND and FORWARDED_ALLOW_IPS; settings
given on the command line win over this file.

Logs: gunicorn's own and the access log share the application's handler (JSON lines in
production), with each request's id and no link token or query value."""

import os

from diaspora.changelog import mirror
from diaspora.config import config_from_environment
from diaspora.core.logs import ACCESS_LOG_FORMAT, logging_config

# Where nginx reaches this node: a private address on a machine of its own.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# One worker a core (those the process may run on); each worker's threads overlap the waits on
# PostgreSQL, share one copy of the registry in memory, and keep nginx's connections open.
# Threads beyond the database pool's 5 connections would wait for one.
workers = int(os.environ.get("WEB_CONCURRENCY", len(os.sched_getaffinity(0))))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))

# The application is created once, in the master, before the workers are forked from it, and
# so are its copies in memory of the registry, the open opportunities and the impact work: the
# workers share those pages instead of each loading its own, and none starts cold
# (docs/adr/0020-copies-shared-by-a-node.md). No database connection crosses the fork.
preload_app = True


def when_ready(server):
    """The master is listening: load the copies before the first workers are forked."""
    if server.cfg.preload_app:
        mirror.before_fork(server.app.wsgi())


def pre_fork(server, worker):
    """Each later worker (a recycled or a dead one replaced) starts from copies brought up to
    date, so that it has little to catch up with and little of its own to hold."""
    if server.cfg.preload_app:
        mirror.before_fork(server.app.wsgi())


# A worker that has not told the master it is alive for this long (it hangs) is killed and
# replaced. A slow request does not count: its thread is not the one that tells. nginx gives up
# on a request after 60 s (proxy_read_timeout in docs/nginx.conf.template).
timeout = 30
# On a restart or a recycle a worker finishes the requests it has for this long.
graceful_timeout = 30
# Longer than nginx keeps an idle connection to a node (60 s): nginx always closes first, so it
# never sends a request on a connection gunicorn has just closed.
keepalive = 75
# Workers are replaced after this many requests (give or take the jitter, so they do not all
# restart at once), which bounds what any slow leak can grow to.
max_requests = 5000
max_requests_jitter = 500

# The proxies whose X-Forwarded-Proto gunicorn believes (the nginx machines); the application
# itself believes X-Forwarded-For and -Proto from PROXY_COUNT hops (README, "Configuration").
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = "-"
access_log_format = ACCESS_LOG_FORMAT
logconfig_dict = logging_config(json_lines=config_from_environment().LOG_FORMAT == "json")
