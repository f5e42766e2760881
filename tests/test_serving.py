"""What surrounds every request in production: request ids, gzip, static files under hashed names
with a long cache life, the readiness probe's outbox lag, and confirming many entries at once."""
import datetime
import gzip
import re
import uuid

from tests import factories
from tests.conftest import csrf_of
from tests.helpers import login
from tracker import create_app
from tracker.config import TestConfig
from tracker.extensions import db
from tracker.models import AuditLog, Entry, Outbox, utcnow


def _hashed_app(app):
    """The same database with production's static URLs (the suite keeps plain names)."""
    settings = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    other = create_app({**settings, "DATABASE_URL": app.config["DATABASE_URL"], "HASHED_STATIC_URLS": True,
                        "VAPID_PRIVATE_KEY": app.config["VAPID_PRIVATE_KEY"]})
    db.initialize(app.extensions["database"])
    return other


def test_request_id_is_kept_or_made(sqlite_only_app):
    http = sqlite_only_app.test_client()
    made = http.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert http.get("/healthz", headers={"X-Request-ID": "proxy-abc-12345"}).headers["X-Request-ID"] == "proxy-abc-12345"
    # A header that could smuggle text into the logs is replaced.
    assert http.get("/healthz", headers={"X-Request-ID": "x\\n{evil}"}).headers["X-Request-ID"] != "x\\n{evil}"


def test_pages_and_assets_are_gzipped_when_asked(sqlite_only_app):
    http = sqlite_only_app.test_client()
    plain = http.get("/login")
    packed = http.get("/login", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.get_data()).decode().count("<form") == plain.get_data(as_text=True).count("<form")
    css = http.get("/static/build/app.css", headers={"Accept-Encoding": "gzip"})
    assert css.headers["Content-Encoding"] == "gzip" and len(css.get_data()) < 40_000
    assert css.headers["ETag"].startswith("W/")


def test_static_files_have_hashed_names_and_a_long_life(sqlite_only_app):
    app = _hashed_app(sqlite_only_app)
    http = app.test_client()
    page = http.get("/login").get_data(as_text=True)
    css = re.search(r'href="(/static/build/app\.[0-9a-f]{10}\.css)"', page).group(1)
    response = http.get(css)
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"] and "immutable" in response.headers["Cache-Control"]
    # The plain name still works, but is revalidated every time.
    plain = http.get("/static/build/app.css")
    assert plain.status_code == 200 and "no-cache" in plain.headers["Cache-Control"]
    assert plain.get_data() == response.get_data()
    # A stale hash never gets the long life.
    stale = http.get("/static/build/app.0000000000.css")
    assert stale.status_code == 200 and "immutable" not in stale.headers["Cache-Control"]
    # The service worker precaches the same hashed names the pages use.
    assert css in http.get("/sw.js").get_data(as_text=True)


def test_readyz_reports_outbox_lag(app, world):
    http = app.test_client()
    ok = http.get("/readyz")
    assert ok.status_code == 200 and ok.json["outbox_lag_seconds"] == 0
    with db.connection_context():
        old = utcnow() - datetime.timedelta(hours=2)
        Outbox.create(key="stuck", user=world.client.user_id, kind="inactivity", url="/me", due_at=old,
                      next_attempt_at=old)
    stuck = http.get("/readyz")
    assert stuck.status_code == 503 and stuck.json["outbox_lag_seconds"] > 3600


def test_confirming_many_runs_a_fixed_number_of_statements(app, world, count_queries):
    with db.connection_context():
        entries = [factories.entry(world.client, days_ago=1 + i % 20, hours="0.5") for i in range(40)]
        done_already = factories.entry(world.client, status="CONFIRMED", days_ago=30)
    cp = login(app, "cp-a")
    token = csrf_of(cp.get("/staff/inbox").get_data(as_text=True))
    counts = []
    for chosen in (entries[:3], entries[3:] + [done_already]):
        count_queries.count = 0
        response = cp.post("/staff/inbox", data={"csrf_token": token, "action": "confirm", "next": "/staff/inbox",
                                                 "entry": [str(e.public_id) for e in chosen]})
        assert response.status_code == 302
        counts.append(count_queries.count)
    assert counts[0] == counts[1], counts
    with db.connection_context():
        ids = [e.id for e in entries]
        assert Entry.select().where(Entry.id.in_(ids), Entry.status == "CONFIRMED").count() == 40
        assert all(e.decided_by_id == world.cp.id for e in Entry.select().where(Entry.id.in_(ids)))
        audit = {a.object_id: a for a in AuditLog.select().where(AuditLog.object_type == "Entry",
                                                                  AuditLog.action.startswith("entry."))}
        confirmed = audit[str(entries[0].public_id)]
        assert confirmed.action == "entry.confirmed" and confirmed.actor_id == world.cp.id
        assert confirmed.before["status"] == "SUBMITTED" and confirmed.after["status"] == "CONFIRMED"
        refused = audit[str(done_already.public_id)]
        assert refused.action == "entry.decision_refused" and refused.after["reason"] == "not_allowed"
    page = cp.get("/staff/inbox").get_data(as_text=True)
    assert str(uuid.UUID(str(entries[0].public_id))) not in page
