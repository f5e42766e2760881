"""The clock: APScheduler in its own process (`flask --app app scheduler`), never inside web workers.
It only triggers planning, dispatch, forgetting old form keys and finished reminders, and the
nightly retention run. A lock file keeps a second scheduler from starting."""
import fcntl
import logging
import os
from pathlib import Path

from apscheduler.schedulers.blocking import BlockingScheduler

from .. import privacy
from ..extensions import db
from ..models import utcnow
from ..web import formkeys
from . import dispatch, outbox, planner
from .setup import make_pusher

log = logging.getLogger(__name__)


class AlreadyRunning(RuntimeError):
    """Another scheduler holds the lock."""


def acquire_lock(path: Path):
    """An exclusive, non-blocking lock held for the life of the process."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise AlreadyRunning(f"a scheduler is already running (lock {path})")
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def build(app, dispatching: bool, pusher, plan_minutes: int = 10, dispatch_seconds: int = 30) -> BlockingScheduler:
    """The scheduler with its jobs (not started). `pusher` None: reminders go to the inbox only."""
    def plan_job():
        with app.app_context(), db.connection_context():
            log.info("planned %s", planner.plan())

    def dispatch_job():
        with app.app_context():
            log.info("dispatched %s", dispatch.dispatch_all(pusher))

    def form_keys_job():
        with app.app_context(), db.connection_context():
            log.info("forgot %s form keys and %s finished reminders", formkeys.forget(utcnow()),
                     outbox.forget(utcnow()))

    def retention_job():
        # Each gemeente's retention period is applied every night (the CLI command does the same by hand).
        with app.app_context(), db.connection_context():
            log.info("retention %s", privacy.run_retention())

    scheduler = BlockingScheduler(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60})
    scheduler.add_job(plan_job, "interval", minutes=plan_minutes, id="plan", next_run_time=_now())
    scheduler.add_job(form_keys_job, "interval", hours=1, id="form_keys", next_run_time=_now())
    scheduler.add_job(retention_job, "cron", hour=3, minute=15, id="retention")
    if dispatching:
        scheduler.add_job(dispatch_job, "interval", seconds=dispatch_seconds, id="dispatch")
    return scheduler


def run(app, plan_minutes: int = 10, dispatch_seconds: int = 30) -> None:
    """Block forever: plan every few minutes, dispatch every half minute.

    With SCHEDULER_DISPATCH=0 it only plans, and separate `flask dispatch --loop` processes send
    (the production shape: deploy/systemd/mijnroute-dispatch@.service)."""
    lock = acquire_lock(Path(app.instance_path) / "scheduler.lock")
    dispatching = os.environ.get("SCHEDULER_DISPATCH", "1") != "0"
    pusher = make_pusher(app) if dispatching else None

    scheduler = build(app, dispatching, pusher, plan_minutes, dispatch_seconds)
    try:
        scheduler.start()
    finally:
        if pusher:
            pusher.close()
        lock.close()


def _now():
    import datetime
    return datetime.datetime.now(datetime.UTC)
