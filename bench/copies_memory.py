"""The memory the copies kept in memory (the registry, the open opportunities, the impact work)
cost one web node of 4 workers at 1,000,000 profiles, on PostgreSQL.

bench.registry_data loads the registry and bench.matching 10,000 open opportunities. The node is
built the way gunicorn builds one with gunicorn.conf.py (preload_app and its hooks): this process
is the master, `changelog.mirror.before_fork` loads the copies in it, and 4 workers are forked
from it. Before they are measured, 1,000 profiles change (through the app, so the change log
names them), and each worker catches its copies up with the log. The same node is then measured
again after each worker has also answered 20 candidate and 20 recommendation calls (on stderr:
what the calls add is their working memory, not the copies').

Memory is the proportional set size (PSS, /proc/<pid>/smaps_rollup) summed over the master and
its workers: a page shared by five processes counts a fifth in each, so the sum is what the node
holds. The same node without copies (workers forked from a master that never loaded them) is
measured first; the difference is the copies' share.

Figures (PostgreSQL only: they name their database size, not the database):
  matching.copy_mb_per_node.<size>: the copies of a node of 4 workers;
  matching.copy_mb_per_process.<size>: one process that loads copies of its own, as each
    worker did before they were shared (4 workers held 4 of them).
BENCH_COPIES_PROFILES (e.g. "20000") makes a quicker run; the figures then name that size.
"""

import os
import random
import signal
import sys
from collections.abc import Callable

from sqlalchemy import make_url, select

from bench.figures import Figure
from bench.matching import OPPORTUNITIES, _size_name, load_opportunities
from bench.registry_data import TODAY, load_registry
from diaspora import create_app
from diaspora.auth.models import User
from diaspora.changelog import mirror
from diaspora.config import Config
from diaspora.extensions import db
from diaspora.matching import engine
from diaspora.opportunities.models import Opportunity
from diaspora.registry import privacy
from diaspora.registry.models import StaffProfile

PROFILES = 1_000_000
WORKERS = 4
CHANGED = 1_000
CALLS = 20
SEED = 5


def run(database_url: str, *, loaded: bool = False) -> list[Figure]:
    """`loaded`: the database holds the registry and the opportunities already."""
    if make_url(database_url).get_backend_name() != "postgresql":
        return []
    profiles = int(os.environ.get("BENCH_COPIES_PROFILES", PROFILES))
    if not loaded:
        load_registry(database_url, profiles)
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        if not loaded:
            load_opportunities(OPPORTUNITIES)
        work = _work(app, coordinator=profiles + 1)  # as bench.registry_data numbers them
        db.session.remove()
        db.engine.dispose()

    bare = _node(app, lambda: None)
    own = _node(app, lambda: mirror.warm(app), workers=1)
    mirror.before_fork(app)
    with app.app_context():
        _change_profiles(profiles)
        db.session.remove()
        db.engine.dispose()
    shared = _node(app, lambda: mirror.warm(app))  # caught up with the changes
    working = _node(app, work)
    per_node = (sum(shared) - sum(bare)) / 1024
    per_process = (own[1] - bare[1]) / 1024
    size = _size_name(profiles)
    workers = ", ".join(f"{(s - b) / 1024:.0f}" for s, b in zip(shared[1:], bare[1:], strict=True))
    print(
        f"copies_memory at {size} profiles: node without copies {sum(bare) / 1024:.0f} MB,"
        f" with copies {sum(shared) / 1024:.0f} MB (master"
        f" {(shared[0] - bare[0]) / 1024:.0f} MB, workers {workers} MB);"
        f" after {CALLS} candidate and {CALLS} recommendation calls in each worker"
        f" {sum(working) / 1024:.0f} MB (their working memory);"
        f" a process with copies of its own {per_process:.0f} MB; load average"
        f" {os.getloadavg()[0]:.1f}",
        file=sys.stderr,
        flush=True,
    )
    return [
        Figure(f"matching.copy_mb_per_node.{size}", per_node, "MB", suffixed=False),
        Figure(f"matching.copy_mb_per_process.{size}", per_process, "MB", suffixed=False),
    ]


def _work(app, coordinator: int) -> Callable[[], None]:
    """Catch up, and answer calls as a worker serving requests would."""
    rng = random.Random(SEED)
    audience = frozenset(privacy.listable_audiences(db.session, db.session.get(User, coordinator)))
    opportunities = db.session.scalars(select(Opportunity.id)).all()
    people = db.session.scalars(
        select(StaffProfile.user_id).where(StaffProfile.completed_at.is_not(None)).limit(10_000)
    ).all()
    chosen = [(rng.choice(opportunities), rng.choice(people)) for _ in range(CALLS)]

    def work() -> None:
        mirror.warm(app)  # catch up with the changes made since the master loaded
        with app.app_context():
            for opportunity_id, user_id in chosen:
                opportunity = db.session.get(Opportunity, opportunity_id)
                engine.candidates(db.session, opportunity, audience=audience, today=TODAY)
                engine.recommendations(db.session, db.session.get(User, user_id), today=TODAY)
                db.session.rollback()
            db.session.remove()

    return work


def _change_profiles(profiles: int) -> None:
    """CHANGED profiles (at most all) change their hours, through the app: the log names them."""
    chosen = random.Random(SEED).sample(range(1, profiles + 1), min(CHANGED, profiles))
    for profile in db.session.scalars(select(StaffProfile).where(StaffProfile.id.in_(chosen))):
        profile.hours_per_month = (profile.hours_per_month or 0) % 40 + 1
    db.session.commit()


def _node(app, work: Callable[[], None], *, workers: int = WORKERS) -> list[int]:
    """Fork `workers` processes from this one, each doing `work`; the PSS in kB of this process
    and of each worker once all are done, the workers then stopped."""
    done_read, done_write = os.pipe()
    children = []
    for _ in range(workers):
        child = os.fork()
        if child == 0:  # a worker: its work, then wait to be measured and stopped
            outcome = b"!"
            try:
                work()
                outcome = b"."
            finally:
                os.write(done_write, outcome)
                if outcome == b".":
                    signal.pause()
                os._exit(0)
        children.append(child)
    try:
        outcomes = b"".join(os.read(done_read, 1) for _ in children)
        if outcomes != b"." * workers:
            raise RuntimeError("a worker failed before being measured")
        return [_pss_kb(pid) for pid in (os.getpid(), *children)]
    finally:
        for child in children:
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)
        os.close(done_read)
        os.close(done_write)


def _pss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    raise RuntimeError(f"no Pss for process {pid}")
