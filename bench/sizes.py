"""The size of a benchmark run: one parameter set per name, `--size NAME` (or `make bench SIZE=NAME`)."""
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Size:
    name: str
    gemeenten: int
    statushouders: int
    contactpersonen: int
    entries: int            # hour and attendance entries, at least this many
    caseload: int           # clients of the measured contactpersoon
    inbox: int              # pending entries of the measured contactpersoon
    confirm_batch: int      # entries confirmed in one request
    requests: int           # timed requests per figure (after warm-up)
    warmup: int
    pushes: int             # messages in the fan-out
    loadtest_seconds: int   # 0: no load test
    loadtest_rate: int      # target requests per second of the load test


SIZES = {
    # The smoke test (tests/test_bench_smoke.py): seconds, structure only.
    "tiny": Size("tiny", gemeenten=3, statushouders=60, contactpersonen=6, entries=2_000, caseload=20, inbox=30,
                 confirm_batch=10, requests=3, warmup=1, pushes=20, loadtest_seconds=0, loadtest_rate=0),
    # A quick look (a minute or two per database).
    "small": Size("small", gemeenten=20, statushouders=3_000, contactpersonen=60, entries=150_000, caseload=150,
                  inbox=500, confirm_batch=50, requests=60, warmup=5, pushes=1_000, loadtest_seconds=20,
                  loadtest_rate=200),
    # The national data set.
    "full": Size("full", gemeenten=342, statushouders=100_000, contactpersonen=1_500, entries=5_000_000,
                 caseload=150, inbox=500, confirm_batch=50, requests=300, warmup=20, pushes=10_000,
                 loadtest_seconds=60, loadtest_rate=200),
}


def get(name: str, **overrides) -> Size:
    """A named size, optionally with some numbers changed (e.g. the smoke test's doubled size)."""
    try:
        size = SIZES[name]
    except KeyError:
        raise SystemExit(f"unknown size {name!r}; choose one of {', '.join(SIZES)}")
    return replace(size, **overrides) if overrides else size


def scaled(size: Size, factor: float, name: str | None = None) -> Size:
    """The same shape with `factor` times the data (pages measured at two sizes must run the same queries)."""
    return replace(size, name=name or f"{size.name}x{factor:g}",
                   statushouders=int(size.statushouders * factor), entries=int(size.entries * factor),
                   caseload=int(size.caseload * factor), inbox=int(size.inbox * factor),
                   contactpersonen=max(size.contactpersonen, int(size.contactpersonen * factor)))
