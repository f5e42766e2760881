"""In Debian's headless Chromium at 360 × 740: log in, log hours in three taps, see them waiting."""
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tracker.extensions import db
from tests.factories import PASSWORD, build_world

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is installed by `make test`")]


@pytest.fixture
def live_server(sqlite_only_app):
    with db.connection_context():
        world = build_world()
    server = make_server("127.0.0.1", 0, sqlite_only_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", world
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def phone():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                      is_mobile=True, has_touch=True, locale="nl-NL")
        yield context.new_page()
        browser.close()


def test_log_hours_on_a_phone_and_see_them_waiting(live_server, phone):
    base, world = live_server
    ARTIFACTS.mkdir(exist_ok=True)
    phone.goto(f"{base}/login")
    phone.fill("input[name=username]", "sh-a")
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit].button--block")
    phone.wait_for_url(f"{base}/me")
    assert phone.evaluate("document.documentElement.lang") == "nl"
    phone.screenshot(path=str(ARTIFACTS / "home-nl.png"), full_page=True)

    phone.goto(f"{base}/me/logbook")
    # Three taps: what, how long, save (the date defaults to today).
    chip = phone.locator("label.choice:has(input[value=PARTICIPATIE_VRIJWILLIGERSWERK])")
    label = chip.inner_text().strip()
    chip.click()
    phone.click("label.choice:has(input[name=hours][value='3'])")
    phone.click("#log button[type=submit]")
    phone.wait_for_load_state()
    assert phone.locator(".alert--ok").count() == 1
    newest = phone.locator("ul.list > li").first
    assert label and newest.locator("strong").first.inner_text().strip() == label
    assert newest.locator(".badge--SUBMITTED").count() == 1
    # Nothing may stick out sideways at 360 px.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(ARTIFACTS / "logbook-nl.png"), full_page=True)
