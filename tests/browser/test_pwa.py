"""The installable app in Debian's Chromium: no installability errors, and hours logged offline
are kept on the phone and sent exactly once when the network is back."""

import pytest

from tracker.extensions import db
from tracker.models import Entry
from tests import factories
from tests.browser.conftest import ARGS, CHROMIUM, log_in

pytestmark = pytest.mark.browser


def _controlled(page):
    """Wait until the service worker controls the page (first visit installs it)."""
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=10000)


@pytest.fixture
def profile_phone(playwright, tmp_path):
    """A phone with a real (non-incognito) profile: Chrome never offers installing in incognito."""
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, args=ARGS,
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="nl-NL")
    yield context.pages[0] if context.pages else context.new_page()
    context.close()


def test_manifest_and_service_worker_make_the_app_installable(live_server, profile_phone):
    base, _world = live_server
    phone = profile_phone
    log_in(phone, base, "sh-a")
    manifest = phone.request.get(f"{base}/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["display"] == "standalone" and body["id"] == "/" and body["lang"] == "nl"
    assert {"192x192", "512x512"} <= {i["sizes"] for i in body["icons"]}
    assert any(i["purpose"] == "maskable" for i in body["icons"])
    sw = phone.request.get(f"{base}/sw.js")
    assert sw.headers["cache-control"] == "no-cache"
    phone.goto(f"{base}/me")
    _controlled(phone)
    cdp = phone.context.new_cdp_session(phone)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert errors == [], errors


def test_hours_logged_offline_are_sent_once(live_server, phone):
    base, world = live_server
    log_in(phone, base, "sh-a")
    phone.goto(f"{base}/me/logbook")
    _controlled(phone)
    phone.reload()  # now the page itself is in the service worker's cache
    phone.goto(f"{base}/me")

    phone.context.set_offline(True)
    phone.goto(f"{base}/me/logbook")          # opens from the cache
    assert phone.locator(".offline-note").is_visible()
    client_uuid = phone.locator("input[name=client_uuid]").input_value()
    phone.click("label.choice:has(input[value=TAALLES])")
    phone.click("label.choice:has(input[name=hours][value='2'])")
    phone.click("#log-form button[type=submit]")
    phone.wait_for_selector("#queued:not([hidden])")
    assert phone.locator("#queued .queued__list li").count() == 1
    with db.connection_context():
        assert Entry.select().where(Entry.client_uuid == client_uuid).count() == 0

    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    phone.wait_for_function(
        "MijnRouteQueue.list().then(function (l) { return l.length === 0; })", timeout=10000)
    phone.wait_for_load_state()
    # A second replay of the same entry (a flaky network resends it) changes nothing.
    phone.evaluate("""(uuid) => MijnRouteQueue.add({client_uuid: uuid, category: 'TAALLES',
        date: new Date().toISOString().slice(0, 10), hours: 2, place: '', note: '', online: false})
        .then(() => MijnRouteQueue.replay())""", client_uuid)
    with db.connection_context():
        rows = list(Entry.select().where(Entry.client_uuid == client_uuid))
    assert len(rows) == 1
    assert rows[0].status == "SUBMITTED" and float(rows[0].hours) == 2.0
    assert rows[0].entry_date == factories.today()     # the gemeente's today, not the machine's
