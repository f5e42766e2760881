"""`make bench` at a tiny size: the generator and the runner work and the table is complete.

Only structure is checked — every figure has a row and a value, and pages run the same number of
queries on a data set twice as large. Times are never asserted (they belong to `make bench`)."""
import sys
from pathlib import Path

import pytest

# bench/ is a folder of the repository, not an installed package (the suite imports in importlib mode).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import sizes  # noqa: E402
from bench.__main__ import run_one  # noqa: E402
from bench.report import render  # noqa: E402
from tracker.extensions import db  # noqa: E402

FIGURES = [
    "statushouder Home", "statushouder Logbook", "statushouder Exam", "contactpersoon caseload",
    "contactpersoon client detail", "contactpersoon inbox", "log an entry", "confirm",
]
ROWS = [
    "data set: entries", "generated with bulk inserts", "bare Flask, same size", "ratio (p95)",
    "queries (light account)", "weight first / repeat (gzip)", "reminder planning, all statushouders",
    "push fan-out: dispatcher", "naive loop of pywebpush.webpush()", "load test (gunicorn, 4 workers)",
    "p50 / p95 / p99", "errors",
]


@pytest.fixture
def bench_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BENCH_SQLITE_DIR", str(tmp_path))
    monkeypatch.setenv("BENCH_RESULTS", str(tmp_path))
    yield tmp_path
    if db.obj is not None and not db.is_closed():
        db.close()


def test_bench_runs_at_a_tiny_size_and_prints_every_figure(bench_dir):
    tiny = sizes.get("tiny")
    double = sizes.scaled(tiny, 2)
    small, large = run_one("sqlite", tiny, log=lambda m: None), run_one("sqlite", double, log=lambda m: None)

    table = render([small, large], tiny)
    lines = table.splitlines()
    for name in FIGURES + ROWS:
        assert any(name in line for line in lines), (name, table)
    # Every figure of the issue is measured: a time for each page and action, a bare page beside it.
    assert [f.label.split(" (")[0].split(" 1")[0] for f in small.figures][:3] == FIGURES[:3]
    assert len(small.figures) == len(FIGURES)
    for figure in small.figures:
        assert len(figure.times) == tiny.requests and len(figure.bare) == tiny.requests, figure.label
        assert figure.queries is not None and figure.queries_light is not None, figure.label
        if figure.method == "GET":
            assert figure.first_load and figure.repeat and figure.repeat <= figure.first_load, figure.label
    assert small.counts["entry"] >= tiny.entries and large.counts["entry"] >= double.entries
    assert small.planning["clients"] == tiny.statushouders
    assert small.fanout.dispatcher_sent == tiny.pushes and small.fanout.naive_sent == tiny.pushes
    assert small.fanout.rejected == 0

    # Queries per page do not grow with the data: the same at both sizes and for a light account.
    for a, b in zip(small.figures, large.figures):
        assert a.queries == b.queries, (a.label, a.queries, b.queries)
        assert a.queries == a.queries_light, (a.label, a.queries, a.queries_light)
