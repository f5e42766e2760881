"""The confirmation inbox at speed: filters, countersigning the supervisor's confirmations, common
rejection reasons shown in the client's language, keyboard shortcuts, a fixed number of queries."""
import datetime
import html
import re
from urllib.parse import urlencode

from flask_babel import force_locale

from tests import factories
from tests.helpers import csrf, login, q, text
from tracker import entries as entry_store
from tracker.models import AuditLog, Entry, Placement, SupervisorRequest, User, utcnow
from tracker.web import labels

VRIJWILLIG = "PARTICIPATIE_VRIJWILLIGERSWERK"


def reload(row):
    return q(lambda: type(row).get_by_id(row.id))


def shown(page: str) -> set[str]:
    """Public ids of the entries listed (their checkboxes)."""
    return set(re.findall(r'name="entry" value="([0-9a-f-]{36})"', page))


def supervised(page: str) -> set[str]:
    return set(re.findall(r'name="supervised" value="([0-9a-f-]{36})"', page))


def audit(action: str) -> list[AuditLog]:
    return q(lambda: list(AuditLog.select().where(AuditLog.action == action).order_by(AuditLog.id)))


def supervisor_answer(entry, decision="confirmed", name="Henk Jansen", organisation="Voedselbank Nijkerk",
                      reason=None, stale=False):
    """Record a supervisor's answer on an entry, as the link would."""
    def build():
        placement = Placement.create(client=entry.client_id, organisation=organisation, supervisor_name=name,
                                     category=entry.category)
        now = utcnow()
        req = SupervisorRequest.create(placement=placement, token_hash=f"{entry.id:064d}",
                                       expires_at=now + datetime.timedelta(days=14), used_at=now)
        Entry.update(supervisor_request=req, supervisor_decision=decision, supervisor_reason=reason,
                     supervisor_decided_at=now,
                     updated_at=now + datetime.timedelta(seconds=5) if stale else now - datetime.timedelta(seconds=5)
                     ).where(Entry.id == entry.id).execute()
    q(build)


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def test_filters_each_narrow(app, world):
    c = world.client
    other = q(lambda: factories.client(world.gemeente, world.cp, "sh-a2", name="Bilal Rahimi"))
    not_mine = q(lambda: factories.client(world.gemeente, world.cp2, "sh-a3", name="Noor Ahmadi"))
    today = factories.today()
    this_week = monday_of(today)
    q(lambda: Entry.delete().execute())   # start from the entries made here
    a_taal = q(lambda: factories.entry(c, category="TAALLES", days_ago=(today - this_week).days))
    a_vrij = q(lambda: factories.entry(c, category=VRIJWILLIG, days_ago=(today - this_week).days + 7))
    b_vrij = q(lambda: factories.entry(other, category=VRIJWILLIG, days_ago=(today - this_week).days + 14))
    n_taal = q(lambda: factories.entry(not_mine, category="TAALLES", days_ago=1))
    supervisor_answer(a_vrij)
    supervisor_answer(b_vrij, decision="rejected", reason="Niet gezien")
    ids = {name: str(e.public_id) for name, e in
           {"a_taal": a_taal, "a_vrij": a_vrij, "b_vrij": b_vrij, "n_taal": n_taal}.items()}
    cp = login(app, "cp-a")

    def listed(**params):
        response = cp.get("/staff/inbox?" + urlencode(params))
        assert response.status_code == 200, (params, text(response)[:300])
        return shown(text(response))

    assert listed() == {ids["a_taal"], ids["a_vrij"], ids["b_vrij"]}
    assert listed(scope="all") == set(ids.values())
    # The client select offers the own clients only (all of the gemeente with scope=all), never gemeente B.
    page = text(cp.get("/staff/inbox"))
    assert "Bilal Rahimi" in page and "Noor Ahmadi" not in page and "Yonas Tesfay" not in page
    assert "Noor Ahmadi" in text(cp.get("/staff/inbox?scope=all"))

    assert listed(client=str(other.public_id)) == {ids["b_vrij"]}
    assert listed(scope="all", client=str(not_mine.public_id)) == {ids["n_taal"]}
    assert listed(category="TAALLES") == {ids["a_taal"]}
    assert listed(scope="all", category="TAALLES") == {ids["a_taal"], ids["n_taal"]}
    week = lambda monday: "{}-W{:02d}".format(*monday.isocalendar()[:2])   # noqa: E731
    assert listed(week=week(this_week)) == {ids["a_taal"]}
    assert listed(week=week(this_week - datetime.timedelta(weeks=1))) == {ids["a_vrij"]}
    assert listed(week=week(this_week - datetime.timedelta(weeks=2))) == {ids["b_vrij"]}
    assert listed(confirmed="yes") == {ids["a_vrij"]}
    assert listed(confirmed="no") == {ids["a_taal"], ids["b_vrij"]}
    assert listed(confirmed="yes", client=str(c.public_id), category=VRIJWILLIG) == {ids["a_vrij"]}
    assert listed(confirmed="yes", client=str(other.public_id)) == set()
    # An old week (beyond the select's recent weeks) still works and stays selected.
    old = week(this_week - datetime.timedelta(weeks=30))
    page = text(cp.get(f"/staff/inbox?week={old}"))
    assert f'value="{old}" selected' in page

    # Bad filter values: a message next to the field and 400, never a 500.
    for params, field in ((dict(week="2025-W99"), "week"), (dict(week="gisteren"), "week"),
                          (dict(client=str(not_mine.public_id)), "client"), (dict(client="x"), "client"),
                          (dict(category="NOPE"), "category"), (dict(confirmed="maybe"), "confirmed")):
        response = cp.get("/staff/inbox?" + urlencode(params))
        assert response.status_code == 400, params
        assert f'id="{field}-error"' in text(response), params
    # Another gemeente's client as a filter is refused and shows nothing of it.
    response = cp.get(f"/staff/inbox?scope=all&client={world.other_client.public_id}")
    assert response.status_code == 400 and "Yonas Tesfay" not in text(response)


def test_inbox_shows_who_confirmed(app, world):
    c = world.client
    confirmed = q(lambda: factories.entry(c, category=VRIJWILLIG, days_ago=2))
    rejected = q(lambda: factories.entry(c, category=VRIJWILLIG, days_ago=3))
    supervisor_answer(confirmed, name="Henk Jansen", organisation="Voedselbank Nijkerk")
    supervisor_answer(rejected, decision="rejected", name="Els Visser", organisation="Kringloop", reason="Was er niet")
    page = text(login(app, "cp-a").get("/staff/inbox"))
    assert "Henk Jansen (Voedselbank Nijkerk)" in page
    assert "Els Visser (Kringloop)" in page and "Was er niet" in page


def test_countersign_confirms_exactly_the_supervisor_confirmed(app, world):
    c = world.client
    yes = [q(lambda i=i: factories.entry(c, category=VRIJWILLIG, days_ago=2 + i)) for i in range(3)]
    no = q(lambda: factories.entry(c, category=VRIJWILLIG, days_ago=6))
    stale = q(lambda: factories.entry(c, category=VRIJWILLIG, days_ago=7))
    plain = q(lambda: factories.entry(c, category="TAALLES", days_ago=8))
    for e in yes:
        supervisor_answer(e)
    supervisor_answer(no, decision="rejected", reason="Niet gezien")
    supervisor_answer(stale, stale=True)   # edited by the client after the supervisor's answer
    cp = login(app, "cp-a")
    page = text(cp.get("/staff/inbox"))
    assert supervised(page) == {str(e.public_id) for e in yes}
    assert 'value="countersign"' in page

    # The form posts the hidden ids; an id slipped in that the supervisor did not confirm is ignored.
    response = cp.post("/staff/inbox", data={
        "csrf_token": csrf(cp), "action": "countersign",
        "supervised": sorted(supervised(page)) + [str(no.public_id), str(stale.public_id), str(plain.public_id)],
        "entry": [str(plain.public_id)]})
    assert response.status_code == 302
    assert [reload(e).status for e in yes] == ["CONFIRMED"] * 3
    assert all(reload(e).decided_by_id == world.cp.id for e in yes)
    assert [reload(e).status for e in (no, stale, plain)] == ["SUBMITTED"] * 3
    logs = audit("entry.confirmed")
    assert sorted(log.object_id for log in logs) == sorted(str(e.public_id) for e in yes)
    assert all(log.actor_id == world.cp.id for log in logs)
    # Nothing left to countersign.
    assert supervised(text(cp.get("/staff/inbox"))) == set()


def test_countersign_never_reaches_another_gemeente(app, world):
    foreign = q(lambda: factories.entry(world.other_client, category=VRIJWILLIG))
    supervisor_answer(foreign)
    cp = login(app, "cp-a")
    response = cp.post("/staff/inbox", data={"csrf_token": csrf(cp), "action": "countersign",
                                             "supervised": [str(foreign.public_id)]})
    assert response.status_code == 302
    assert reload(foreign).status == "SUBMITTED" and audit("entry.confirmed") == []


def test_rejection_with_a_common_reason_in_the_clients_language(app, world):
    c = world.client
    q(lambda: User.update(locale="ar").where(User.id == c.user_id).execute())
    coded = q(lambda: factories.entry(c, days_ago=2))
    both = q(lambda: factories.entry(c, days_ago=3))
    cp = login(app, "cp-a")
    token = csrf(cp)
    page = text(cp.get("/staff/inbox"))
    for code in labels.REJECTION_REASON:
        assert f'<option value="{code}">' in page

    # An unknown code is refused; nothing changes.
    response = cp.post("/staff/inbox", data={"csrf_token": token, "action": "reject", "rejection_code": "MADE_UP",
                                             "entry": [str(coded.public_id)]})
    assert response.status_code == 302 and reload(coded).status == "SUBMITTED"
    # A code alone is enough; the typed text may be empty.
    response = cp.post("/staff/inbox", data={"csrf_token": token, "action": "reject", "rejection_code": "NO_PROOF",
                                             "reason": "", "entry": [str(coded.public_id)]})
    assert response.status_code == 302
    row = reload(coded)
    assert (row.status, row.rejection_code, row.rejection_reason) == ("REJECTED", "NO_PROOF", None)
    [log] = audit("entry.rejected")
    assert log.after["rejection_code"] == "NO_PROOF" and log.before["rejection_code"] is None
    response = cp.post("/staff/inbox", data={"csrf_token": token, "action": "reject", "rejection_code": "DATE_WRONG",
                                             "reason": "Het was op dinsdag", "entry": [str(both.public_id)]})
    row = reload(both)
    assert (row.rejection_code, row.rejection_reason) == ("DATE_WRONG", "Het was op dinsdag")

    with app.test_request_context():
        with force_locale("ar"):
            no_proof = str(labels.REJECTION_REASON["NO_PROOF"])
            date_wrong = str(labels.REJECTION_REASON["DATE_WRONG"])
        with force_locale("nl"):
            no_proof_nl = str(labels.REJECTION_REASON["NO_PROOF"])
    logbook = html.unescape(text(login(app, "sh-a").get("/me/logbook")))
    assert '<html lang="ar"' in logbook
    assert no_proof in logbook and date_wrong in logbook and "Het was op dinsdag" in logbook
    if no_proof_nl != no_proof:
        assert no_proof_nl not in logbook

    # Sending it again clears the reason and its code.
    sh = login(app, "sh-a")
    sh.post(f"/me/entries/{coded.public_id}/resubmit", data={"csrf_token": csrf(sh)})
    row = reload(coded)
    assert (row.status, row.rejection_code, row.rejection_reason) == ("SUBMITTED", None, None)


def test_reject_keeps_its_old_signature(app, world):
    entry = q(lambda: factories.entry(world.client))
    cp = q(lambda: User.get(User.username == "cp-a"))
    row = q(lambda: entry_store.reject(entry, cp, "Geen les die dag"))
    assert (row.status, row.rejection_reason, row.rejection_code) == ("REJECTED", "Geen les die dag", None)


def test_reason_codes_match_the_labels():
    assert set(labels.REJECTION_REASON) == set(entry_store.REJECTION_CODES)


def test_keyboard_shortcuts_are_offered(app, world):
    cp = login(app, "cp-a")
    page = text(cp.get("/staff/inbox"))
    assert 'src="/static/js/inbox.js"' in page
    assert 'id="inbox-keys" hidden' in page and 'aria-live="polite"' in page and "<kbd>j</kbd>" in page
    assert "<script>" not in page
    script = cp.get("/static/js/inbox.js")
    assert script.status_code == 200
    source = script.get_data(as_text=True)
    script.close()
    for key in ('"j"', '"k"', '"x"', '"a"', '"c"', '"r"'):
        assert key in source


def test_inbox_runs_at_most_three_queries_with_filters(app, world, count_queries):
    c = world.client
    for i in range(6):
        e = q(lambda i=i: factories.entry(c, category=VRIJWILLIG, days_ago=1 + i))
        if i % 2:
            supervisor_answer(e)
    cp = login(app, "cp-a")
    week = "{}-W{:02d}".format(*factories.today().isocalendar()[:2])
    for path in ("/staff/inbox", f"/staff/inbox?client={c.public_id}&category={VRIJWILLIG}&week={week}&confirmed=yes",
                 "/staff/inbox?scope=all&confirmed=no"):
        cp.get(path)
        count_queries.count = 0
        assert cp.get(path).status_code == 200
        assert count_queries.count <= 3, (path, count_queries.count)


def test_inbox_pages_of_fifty_oldest_first_with_the_full_count(app, world):
    """A long inbox comes in pages: the oldest 50 first, the total named, a link on to the newer ones
    (with the filters kept); a page past the end shows the first page."""
    q(lambda: Entry.delete().execute())
    made = [q(lambda i=i: factories.entry(world.client, category="TAALLES", days_ago=1 + i % 60)) for i in range(62)]
    oldest_first = [str(e.public_id) for e in sorted(made, key=lambda e: (e.entry_date, e.id))]
    cp = login(app, "cp-a")
    first = text(cp.get("/staff/inbox?category=TAALLES"))
    assert shown(first) == set(oldest_first[:50])
    assert "62 registraties wachten op controle" in first
    assert "page=2" in first and "category=TAALLES" in re.search(r'href="([^"]*page=2[^"]*)"', first).group(1)
    second = text(cp.get("/staff/inbox?category=TAALLES&page=2"))
    assert shown(second) == set(oldest_first[50:])
    assert 'page=1' in second and 'page=3' not in second
    assert shown(text(cp.get("/staff/inbox?page=9"))) == set(oldest_first[:50])
    assert cp.get("/staff/inbox?page=abc").status_code == 200


def test_odd_page_numbers_show_a_page_never_an_error(app, world):
    """Every paged list takes any ?page=: a huge number would overflow the database's OFFSET."""
    cp, sh, admin = login(app, "cp-a"), login(app, "sh-a"), login(app, "admin-a")
    for http, path in ((cp, "/staff/inbox"), (sh, "/me/logbook"), (sh, "/messages"), (admin, "/admin/audit")):
        for page in ("999999999999999999999", "-5", "abc", "1e3", "0", "2"):
            response = http.get(f"{path}?page={page}")
            assert response.status_code == 200, (path, page, response.status_code)
