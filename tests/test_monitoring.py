"""The gemeente's monitoring page: numbers on a small known data set, suppression of small counts
(with the complementary cell), the CSV equal to the page, gemeente borders, and well-formed SVG."""
import csv
import datetime
import io
import random
import re
import uuid
import xml.etree.ElementTree as ET
from decimal import Decimal
from html.parser import HTMLParser

from tests import factories
from tests.helpers import login, q
from tracker import charts
from tracker import monitoring as report_rules
from tracker.facts import rules_for
from tracker.models import Entry, ExamAttempt, ExamPart, Step, User

SVG = "{http://www.w3.org/2000/svg}"
TOTAL = report_rules.TOTAL


def _confirmed(client, category, hours, days_ago):
    return Entry.create(client_uuid=uuid.uuid4(), client=client, category=category, status="CONFIRMED",
                        entry_date=factories.today() - datetime.timedelta(days=days_ago), hours=Decimal(hours),
                        created_by=client.user)


def _attempt(client, code, result, days_ago=100):
    part, _ = ExamPart.get_or_create(client=client, code=code, defaults={"niveau": "B1"})
    return ExamAttempt.create(part=part, exam_date=factories.today() - datetime.timedelta(days=days_ago),
                              niveau="B1", result=result)


def build_data(world):
    """Gemeente A: 14 clients (with the world's sh-a).

    - B1-route: sh-a and 6 more; 3 of those 6 got their PIP 50 days after coupling, the others
      (and sh-a) after 100 days. The 6 have KOPPELING done on the coupling day and KENNISMAKING
      done 10, 12, 14, 16, 20 and 30 days later, so they are at stage WONING. Each logged 2
      confirmed lesson hours 280 days ago; 5 passed LE and 1 failed it; 2 failed LU.
    - Z-route: 5 clients (2 with a PIP in time), one of them logged 3 hours of volunteer work.
    - No PIP: 2 clients, coupled 400 days ago (so "no PIP after 10 weeks": at risk).
    Gemeente B gets rows that must never be counted in A.
    """
    a = world.gemeente
    b_clients = []
    for i in range(6):
        c = factories.client(a, world.cp, f"b-{i}", name=f"B Client {i}", coupled_days_ago=400)
        factories.pip(c, days_ago=350 if i < 3 else 300, leerroute="B", niveau="B1")
        Step.create(client=c, code="KOPPELING", status="DONE", date=c.coupled_on)
        Step.create(client=c, code="KENNISMAKING", status="DONE",
                    date=c.coupled_on + datetime.timedelta(days=(10, 12, 14, 16, 20, 30)[i]))
        _confirmed(c, "TAALLES", "2", 280)
        _attempt(c, "LE", "GESLAAGD" if i < 5 else "GEZAKT")
        b_clients.append(c)
    _attempt(b_clients[0], "LU", "GEZAKT")
    _attempt(b_clients[1], "LU", "GEZAKT")
    for i in range(5):
        c = factories.client(a, world.cp2, f"z-{i}", name=f"Z Client {i}", coupled_days_ago=400)
        factories.pip(c, days_ago=350 if i < 2 else 300, leerroute="Z", niveau=None)
        if i == 0:
            _confirmed(c, "PARTICIPATIE_VRIJWILLIGERSWERK", "3", 280)
    for i in range(2):
        factories.client(a, world.cp, f"n-{i}", name=f"N Client {i}", coupled_days_ago=400)
    # Gemeente B: hours, an exam and clients that must stay out of A's numbers.
    for i in range(3):
        c = factories.client(world.other_gemeente, world.other_cp, f"ob-{i}", name=f"Other {i}")
        factories.pip(c, days_ago=300)
        _confirmed(c, "TAALLES", "100", 280)
        _attempt(c, "LE", "GESLAAGD")
    _confirmed(world.other_client, "TAALLES", "100", 280)


def report_for(gemeente):
    from tracker.web.timeutil import local_today
    return report_rules.build(gemeente, local_today(gemeente), rules_for(gemeente))


# --- suppression rules ----------------------------------------------------------------------------

def test_protect_hides_the_complementary_cell():
    values = {"a": 2, "b": 7, "c": 9, "t": 18}
    cells = report_rules.protect(values, [(("a", "b", "c"), "t")], {"a"})
    assert cells["a"].state == "small"
    assert cells["b"].state == "hidden"  # the next smallest: otherwise a = 18 - 7 - 9
    assert cells["c"].shown == 9 and cells["t"].shown == 18


def test_protect_counts_zero_and_two_hidden():
    cells = report_rules.counts({"a": 0, "b": 3, "c": 4, "d": 8, "t": 15}, [(("a", "b", "c", "d"), "t")])
    assert cells["a"].shown == 0
    assert cells["b"].state == cells["c"].state == "small"
    assert cells["d"].shown == 8 and cells["t"].shown == 15


def _unsafe_groups(cells, groups):
    out = []
    for members, total in groups:
        keys = [*members, total]
        if sum(1 for k in keys if cells[k].state != "value") == 1:
            out.append((members, total))
    return out


def test_protect_never_leaves_one_hidden_cell_in_a_group():
    """Random tables with row and column totals: no row or column keeps exactly one hidden cell."""
    rng = random.Random(7)
    for _ in range(300):
        rows, cols = rng.randint(1, 5), rng.randint(1, 5)
        values = {(r, c): rng.choice((0, 0, 1, 2, 3, 5, 6, 9, 14, 30)) for r in range(rows) for c in range(cols)}
        for r in range(rows):
            values[(r, "t")] = sum(values[(r, c)] for c in range(cols))
        for c in (*range(cols), "t"):
            values[("t", c)] = sum(values[(r, c)] for r in range(rows))
        groups = [(tuple((r, c) for c in range(cols)), (r, "t")) for r in (*range(rows), "t")]
        groups += [(tuple((r, c) for r in range(rows)), ("t", c)) for c in (*range(cols), "t")]
        cells = report_rules.counts(values, groups)
        assert not _unsafe_groups(cells, groups), values
        for key, value in values.items():
            if 0 < value < 5:
                assert cells[key].state == "small"


def test_statistics_of_small_groups_are_hidden():
    assert report_rules.statistic(4, 50).state == "hidden"
    assert report_rules.statistic(5, 50).shown == 50
    assert report_rules.statistic(0, None).state == "empty"


# --- numbers on a known data set ------------------------------------------------------------------

def test_report_numbers(app, world):
    q(lambda: build_data(world))
    report = q(lambda: report_for(world.gemeente))
    assert report.total.shown == 14

    # Clients per stage and route. Column B: KOPPELING 1 (sh-a) + WONING 6 = 7; the 1 is small, so
    # the 6 is hidden too, and the chain goes on through the totals (see monitoring.protect).
    rs = report.route_stage
    assert rs[("KOPPELING", "B")].state == "small"
    assert rs[("KOPPELING", "none")].state == "small"
    assert rs[("WONING", "B")].state == "hidden"
    assert rs[(TOTAL, "none")].state == "small"
    assert rs[(TOTAL, "Z")].state == "hidden"  # the complementary cell of the route totals
    assert rs[(TOTAL, "B")].shown == 7
    assert rs[(TOTAL, "O")].shown == 0
    assert rs[(TOTAL, TOTAL)].shown == 14
    groups = [(tuple((s, r) for r in report_rules.ROUTES), (s, TOTAL)) for s in (*report.stages, TOTAL)]
    groups += [(tuple((s, r) for s in report.stages), (TOTAL, r)) for r in (*report_rules.ROUTES, TOTAL)]
    assert not _unsafe_groups(rs, groups)

    # Risk: 12 need attention (no activity, MAP not moving), 2 at risk (no PIP after 10 weeks).
    # The 2 are small, so the 12 is hidden as well: otherwise 14 - 12 gives the 2 away.
    levels = report.risk_levels
    assert levels["high"].state == "small"
    assert levels["attention"].state == "hidden"
    assert levels["ok"].shown == 0 and levels["done"].shown == 0 and levels[TOTAL].shown == 14
    assert report.risk_reasons["no_pip_after_10_weeks"].state == "small"
    assert report.risk_reasons["no_activity_14_days"].shown == 11  # sh-a logged 3 days ago
    assert report.risk_reasons["map_stalled"].shown == 12

    # PIP within 10 weeks: 5 of the 12 clients with a PIP.
    assert report.pip_clients.shown == 12
    assert report.pip_in_time.shown == 42

    # Medians: KENNISMAKING 10, 12, 14, 16, 20, 30 days → 15; the first PIP 50 (5×) and 100 (7×) → 100.
    assert report.medians["KENNISMAKING"]["days"].shown == 15
    assert report.medians["KENNISMAKING"]["clients"].shown == 6
    assert report.medians["KOPPELING"]["days"].shown == 0
    assert report.medians[report_rules.PIP]["days"].shown == 100
    assert report.medians["WONING"]["days"].state == "empty"

    # Exams: LE 6 attempts with a result, 5 passed → 83%; LU only 2 attempts (2 people): hidden.
    assert report.exams["LE"]["attempts"].shown == 6
    assert report.exams["LE"]["percent"].shown == 83
    assert report.exams["LU"]["attempts"].state == "small"
    assert report.exams["LU"]["percent"].state == "hidden"
    assert report.exams["SP"]["percent"].state == "empty"

    # Hours: one month with 6 × 2 lesson hours (6 people) and 3 volunteer hours (1 person).
    month = (factories.today() - datetime.timedelta(days=280)).strftime("%Y-%m")
    assert month in report.months and len(report.months) == 12
    hours = report.hours
    assert hours[(month, "participation")].state == "small"
    assert hours[(month, "language")].state == "hidden"  # else 15 - 12 = 3 gives it away
    assert hours[(month, TOTAL)].shown == Decimal(15)
    assert hours[(TOTAL, TOTAL)].shown == Decimal(15)  # gemeente B's 400 hours are not here


def test_other_gemeente_is_never_counted(app, world):
    q(lambda: build_data(world))
    report = q(lambda: report_for(world.other_gemeente))
    # sh-b and the 3 others: 4 clients, a small count.
    assert report.total.state == "small"
    assert report.exams["LE"]["attempts"].state == "small"
    http = login(app, "admin-b")
    page = http.get("/admin/monitoring").get_data(as_text=True)
    assert "B Client" not in page and "Nijkerk" not in page


# --- the page and the CSV -------------------------------------------------------------------------

class Tables(HTMLParser):
    """The page's tables as {(caption, row label, column label): cell text}."""

    def __init__(self):
        super().__init__()
        self.cells = {}
        self.stack = []
        self.caption = None
        self.columns = []
        self.row = []
        self.text = None
        self.in_table = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "monitoring-table" in (attrs.get("class") or ""):
            self.in_table, self.columns = True, []
        elif self.in_table and tag in ("caption", "th", "td"):
            self.text = ""
        elif self.in_table and tag == "tr":
            self.row = []

    def handle_data(self, data):
        if self.text is not None:
            self.text += data

    def handle_endtag(self, tag):
        if not self.in_table:
            return
        if tag == "caption":
            self.caption, self.text = self.text.strip(), None
        elif tag in ("th", "td"):
            self.row.append(self.text.strip())
            self.text = None
        elif tag == "tr":
            if not self.columns:
                self.columns = self.row
            else:
                for column, value in zip(self.columns[1:], self.row[1:]):
                    self.cells[(self.caption, self.row[0], column)] = value
        elif tag == "table":
            self.in_table = False


def test_csv_matches_the_page(app, world):
    q(lambda: build_data(world))
    q(lambda: User.update(locale="en").where(User.username == "admin-a").execute())
    http = login(app, "admin-a")
    page = http.get("/admin/monitoring")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    response = http.get("/admin/monitoring.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["Table", "Row", "Column", "Value"]
    from_csv = {(t, r, c): v for t, r, c, v in rows[1:]}

    parser = Tables()
    parser.feed(html)
    as_csv = {"< 5": "<5", "hidden": "x", "–": ""}
    from_page = {key: as_csv.get(value, value) for key, value in parser.cells.items()}
    assert from_page == from_csv
    # Spot checks of what the CSV says.
    assert from_csv[("On track or at risk", "At risk", "Clients")] == "<5"
    assert from_csv[("On track or at risk", "Needs attention", "Clients")] == "x"
    assert from_csv[("On track or at risk", "Total", "Clients")] == "14"
    assert from_csv[("Exam results per part", "Reading (LE)", "Passed (%)")] == "83"
    assert from_csv[("PIP within 10 weeks", "First PIP", "PIP in time (%)")] == "42"
    assert "Yonas" not in html and "Barneveld" not in html


def test_page_charts_are_well_formed_svg(app, world):
    q(lambda: build_data(world))
    http = login(app, "admin-a")
    html = http.get("/admin/monitoring").get_data(as_text=True)
    svgs = re.findall(r"<svg\b[^>]*class=\"chart\".*?</svg>", html, re.S)
    assert len(svgs) >= 6
    for markup in svgs:
        root = ET.fromstring(markup)
        assert root.tag == f"{SVG}svg"
        assert root.get("role") == "img"
        title = root.find(f"{SVG}title")
        assert title is not None and title.text.strip()
        assert root.find(f"{SVG}desc") is not None
        assert root.get("aria-labelledby") == f"{title.get('id')} {root.find(f'{SVG}desc').get('id')}"
        assert "style" not in markup.split(">", 1)[0]
        for element in root.iter():
            assert element.get("style") is None


def test_charts_escape_text_and_mirror_for_rtl():
    bars = [charts.Bar('<script>alert("x")</script> & co', 3, "3"), charts.Bar("تأخير", None, "< 5")]
    ltr = ET.fromstring(str(charts.bar_chart("c1", "Title & more", "Desc", bars)))
    texts = [t.text for t in ltr.iter(f"{SVG}text")]
    assert '<script>alert("x")</script> & co' in texts and "< 5" in texts
    assert ltr.find(f"{SVG}title").text == "Title & more"
    assert all(t.get("direction") == "ltr" for t in ltr.iter(f"{SVG}text"))
    assert ltr.find(f"{SVG}rect").get("x") == "0.0"

    rtl = ET.fromstring(str(charts.bar_chart("c2", "عنوان", "Desc", bars, rtl=True)))
    assert all(t.get("direction") == "rtl" for t in rtl.iter(f"{SVG}text"))
    rect = rtl.find(f"{SVG}rect")
    # The bar ends at the right edge: it starts at the inline start of a right-to-left page.
    assert float(rect.get("x")) + float(rect.get("width")) == charts.WIDTH

    stacked = charts.stacked_bar_chart(
        "c3", "Stacked", "Desc", [charts.Series("a", "A", charts.PRIMARY), charts.Series("b", "B", charts.OK)],
        [charts.StackedBar("Jan", {"a": 10, "b": None}, 14, "14"), charts.StackedBar("Feb", {}, None, "< 5")],
        hidden_label="Hidden")
    root = ET.fromstring(str(stacked))
    greys = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == charts.LIGHT]
    assert len(greys) == 2  # the legend swatch and the hidden 4 hours of January


def test_monitoring_is_for_admins_only(app, world):
    assert login(app, "cp-a").get("/admin/monitoring").status_code == 403
    assert login(app, "cp-a").get("/admin/monitoring.csv").status_code == 403
    assert login(app, "sh-a").get("/admin/monitoring").status_code == 403


def test_old_totals_page_links_to_monitoring(app, world):
    http = login(app, "admin-a")
    page = http.get("/admin/totals")
    assert page.status_code == 200
    assert 'href="/admin/monitoring"' in page.get_data(as_text=True)


def test_queries_do_not_grow_with_the_number_of_clients(app, world, count_queries):
    """The page reads facts a page of clients at a time with grouped queries: no query per client."""
    http = login(app, "admin-a")
    http.get("/admin/monitoring")
    count_queries.count = 0
    assert http.get("/admin/monitoring").status_code == 200
    few = count_queries.count
    q(lambda: build_data(world))
    count_queries.count = 0
    assert http.get("/admin/monitoring").status_code == 200
    assert count_queries.count == few
