"""The one table: every figure of the issue, one column per database, with its target and ✓/✗."""
from dataclasses import dataclass, field

HOME_P95_MS = 10
HOME_RATIO = 3
CASELOAD_P95_MS = 50
MAX_QUERIES = 8
FIRST_LOAD_KB = 40
REPEAT_KB = 6
PLANNING_S = 10
FANOUT_RATE = 1000
FANOUT_RATIO = 5
LOAD_P95_MS = 100


@dataclass
class Result:
    """Everything measured on one database."""

    database: str
    generated_seconds: float = 0.0
    counts: dict = field(default_factory=dict)
    figures: list = field(default_factory=list)
    planning_seconds: float | None = None
    planning: dict = field(default_factory=dict)
    fanout: object = None
    loadtest: object = None          # bench.loadtest.LoadResult, or a str saying why there is none
    seconds: float = 0.0


def _ms(value):
    return "–" if value is None else f"{value * 1000:.1f}"


def _kb(value):
    return "–" if value is None else f"{value / 1024:.1f}"


def _mark(ok):
    return "" if ok is None else ("✓" if ok else "✗")


# Each row: (label, target text, function(result) -> (value text, ok or None)).
def rows(results: list[Result]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    out = []

    def add(label, target, fn):
        cells = []
        for r in results:
            try:
                value, ok = fn(r)
            except (IndexError, AttributeError, TypeError, KeyError, ZeroDivisionError):
                value, ok = "–", None
            cells.append((value, _mark(ok)))
        out.append((label, target, cells))

    add("data set: entries", "≥ 5,000,000 (full)", lambda r: (f"{r.counts.get('entry', 0):,}", None))
    add("  generated with bulk inserts in", "", lambda r: (f"{r.generated_seconds:.0f} s", None))
    n_pages = len(results[0].figures) if results and results[0].figures else 0
    for i in range(n_pages):
        label = results[0].figures[i].label
        is_home = label == "statushouder Home"
        is_caseload = label.startswith("contactpersoon caseload")
        page = results[0].figures[i].method == "GET"

        def fig(r, i=i):
            return r.figures[i]
        target = f"p95 ≤ {HOME_P95_MS} ms" if is_home else (f"p95 ≤ {CASELOAD_P95_MS} ms" if is_caseload else "")
        limit = HOME_P95_MS if is_home else (CASELOAD_P95_MS if is_caseload else None)
        add(f"{label}: p50 / p95", target,
            lambda r, limit=limit, fig=fig: (f"{_ms(fig(r).p50)} / {_ms(fig(r).p95)} ms",
                                             None if limit is None else fig(r).p95 * 1000 <= limit))
        add("  bare Flask, same size: p50 / p95", "",
            lambda r, fig=fig: (f"{_ms(fig(r).bare_p50)} / {_ms(fig(r).bare_p95)} ms", None))
        add("  CPU of the app process p50: page / bare", "",
            lambda r, fig=fig: (f"{_ms(fig(r).pct(fig(r).cpu, 50))} / {_ms(fig(r).pct(fig(r).bare_cpu, 50))} ms",
                                None))
        add("  ratio (p95)", f"≤ {HOME_RATIO}×" if is_home else "",
            lambda r, is_home=is_home, fig=fig: (f"{fig(r).p95 / fig(r).bare_p95:.1f}×",
                                                 fig(r).p95 / fig(r).bare_p95 <= HOME_RATIO if is_home else None))
        add("  queries (light account)", f"≤ {MAX_QUERIES}, constant",
            lambda r, fig=fig: (f"{fig(r).queries} ({fig(r).queries_light})",
                                fig(r).queries <= MAX_QUERIES and fig(r).queries == fig(r).queries_light))
        if page:
            add("  weight first / repeat (gzip)", f"≤ {FIRST_LOAD_KB} / ≤ {REPEAT_KB} KB",
                lambda r, fig=fig: (f"{_kb(fig(r).first_load)} / {_kb(fig(r).repeat)} KB"
                                    + ("" if fig(r).gzip else " (no gzip)"),
                                    fig(r).first_load <= FIRST_LOAD_KB * 1024 and fig(r).repeat <= REPEAT_KB * 1024))
    add("reminder planning, all statushouders", f"≤ {PLANNING_S} s",
        lambda r: (f"{r.planning_seconds:.1f} s ({r.planning.get('clients', 0):,} clients, "
                   f"{r.planning.get('reminders', 0):,} reminders)", r.planning_seconds <= PLANNING_S))
    add("push fan-out: dispatcher", f"≥ {FANOUT_RATE:,} msg/s",
        lambda r: (f"{r.fanout.dispatcher_rate:,.0f} msg/s ({r.fanout.dispatcher_sent:,} sent)",
                   r.fanout.dispatcher_rate >= FANOUT_RATE and r.fanout.dispatcher_sent == r.fanout.messages))
    add("  naive loop of pywebpush.webpush()", "",
        lambda r: (f"{r.fanout.naive_rate:,.0f} msg/s ({r.fanout.naive_sent:,} sent)", None))
    add("  ratio", f"≥ {FANOUT_RATIO}×",
        lambda r: (f"{r.fanout.dispatcher_rate / r.fanout.naive_rate:.1f}×",
                   r.fanout.dispatcher_rate / r.fanout.naive_rate >= FANOUT_RATIO))

    def load(fn):
        def cell(r):
            if isinstance(r.loadtest, str) or r.loadtest is None:
                return (r.loadtest or "–", None)
            return fn(r.loadtest)
        return cell
    add("load test (gunicorn, 4 workers): requests/s", "200 offered",
        load(lambda t: (f"{t.rps:.0f} req/s over {t.seconds:.0f} s, {t.requests:,} requests",
                        t.rps >= 0.95 * t.offered)))
    add("  p50 / p95 / p99", f"p95 ≤ {LOAD_P95_MS} ms",
        load(lambda t: (f"{t.p50:.0f} / {t.p95:.0f} / {t.p99:.0f} ms", t.p95 <= LOAD_P95_MS)))
    add("  errors", "0", load(lambda t: (f"{t.failures}", t.failures == 0)))
    return out


def render(results: list[Result], size) -> str:
    table = rows(results)
    head = ["figure", "target"] + [r.database for r in results]
    widths = [max(len(head[0]), *(len(label) for label, _, _ in table)),
              max(len(head[1]), *(len(target) for _, target, _ in table))]
    for k in range(len(results)):
        widths.append(max(len(head[2 + k]), *(len(cells[k][0]) + 2 for _, _, cells in table)))
    lines = [f"Mijn Route benchmark · size {size.name}: {size.gemeenten} gemeenten, {size.statushouders:,} "
             f"statushouders, {size.contactpersonen:,} contactpersonen, ≥ {size.entries:,} entries; "
             f"{size.requests} timed requests per figure after {size.warmup} warm-up"]
    fmt = lambda cols: "  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip()  # noqa: E731
    lines.append(fmt(head))
    lines.append(fmt(["-" * w for w in widths]))
    for label, target, cells in table:
        lines.append(fmt([label, target] + [f"{v} {m}".rstrip() for v, m in cells]))
    missed = [(label, r.database) for label, _, cells in table for r, (_, m) in zip(results, cells) if m == "✗"]
    lines.append(f"targets missed: {len(missed)}" + (": " + "; ".join(f"{l.strip()} [{d}]" for l, d in missed)
                                                   if missed else ""))
    return "\n".join(lines)
