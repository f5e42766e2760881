"""`python -m bench --size full --db sqlite,postgresql`: generate, measure, print one table."""
import argparse
import os
import sys
import time
from pathlib import Path

from . import sizes
from .report import Result, render

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def database_url(kind: str, size) -> str:
    if kind == "sqlite":
        path = Path(os.environ.get("BENCH_SQLITE_DIR", ROOT / "instance")) / f"bench-{size.name}.sqlite3"
        return f"sqlite:///{path}"
    if kind in ("postgresql", "postgres"):
        base = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
        return f"{base.rstrip('/')}/mijnroute_bench_{size.name}"
    raise SystemExit(f"unknown database {kind!r}: sqlite or postgresql")


def _dataset_file(kind: str, size) -> Path:
    """Where a run notes what it generated (for --reuse); BENCH_RESULTS moves it (the smoke test)."""
    return Path(os.environ.get("BENCH_RESULTS", RESULTS)) / f"dataset-{size.name}-{kind}.json"


def run_one(kind: str, size, *, loadtest: bool = True, fanout: bool = True, reuse: bool = False,
            log=print) -> Result:
    """Generate the data set on one database (or, with `reuse`, take the one generated before) and
    measure every figure."""
    import dataclasses
    import json
    from tracker import create_app
    from tracker import db as database
    from tracker.extensions import db

    from . import fanout as fan, generate, pages

    started = time.perf_counter()
    url = database_url(kind, size)
    result = Result("SQLite" if kind == "sqlite" else "PostgreSQL")
    saved = _dataset_file(kind, size)
    if reuse and saved.exists():
        fields = json.loads(saved.read_text())
        data = generate.Dataset(size=size, **{k: v for k, v in fields.items() if k != "size"})
        log(f"[{result.database}] reusing the data set generated before ({url})")
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key", "PUSH_ALLOW_LOCAL_HTTP": True,
                          "RATELIMIT_ENABLED": False})
        database.migrate()
    else:
        log(f"[{result.database}] fresh database {url}")
        generate.fresh_database(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key", "PUSH_ALLOW_LOCAL_HTTP": True,
                          "RATELIMIT_ENABLED": False})
        database.migrate()
        log(f"[{result.database}] generating size {size.name} …")
        with app.app_context(), db.connection_context():
            data = generate.generate(size, log=log)
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.write_text(json.dumps({k: v for k, v in dataclasses.asdict(data).items() if k != "size"}))
    result.generated_seconds, result.counts = data.seconds, data.counts
    log(f"[{result.database}] generated in {data.seconds:.0f} s: {data.counts}")
    from tracker.warmup import warm_up
    warm_up(app)   # as gunicorn's post_worker_init does in production (deploy/gunicorn.conf.py)
    result.figures = pages.measure(app, data, size, log=log)
    result.planning_seconds, result.planning = fan.plan_everybody(app)
    log(f"[{result.database}] planning {result.planning_seconds:.1f} s {result.planning}")
    if fanout:
        result.fanout = fan.fanout(app, size.pushes, log=log)
        log(f"[{result.database}] fan-out {result.fanout}")
    if not loadtest or not size.loadtest_seconds:
        result.loadtest = "not run (size or --no-loadtest)"
    elif kind == "sqlite":
        result.loadtest = "PostgreSQL only"
    else:
        from . import loadtest as lt
        result.loadtest = lt.run(url, data, size, log=log)
    result.seconds = time.perf_counter() - started
    log(f"[{result.database}] done in {result.seconds:.0f} s")
    if not db.is_closed():
        db.close()
    pool = app.extensions["database"]
    if hasattr(pool, "close_all"):
        pool.close_all()
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--size", default="small", help=f"one of {', '.join(sizes.SIZES)}")
    parser.add_argument("--db", default="sqlite,postgresql", help="sqlite, postgresql or both (comma)")
    parser.add_argument("--no-loadtest", action="store_true")
    parser.add_argument("--no-fanout", action="store_true")
    parser.add_argument("--reuse", action="store_true",
                        help="measure again on the data set the last run generated (same size) instead of a new one")
    args = parser.parse_args(argv)
    size = sizes.get(args.size)
    results = []
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    for kind in [k.strip() for k in args.db.split(",") if k.strip()]:
        results.append(run_one(kind, size, loadtest=not args.no_loadtest, fanout=not args.no_fanout,
                               reuse=args.reuse, log=log))
    table = render(results, size)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"bench-{size.name}-{time.strftime('%Y%m%d-%H%M%S')}.txt").write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
