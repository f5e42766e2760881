"""A live server on 127.0.0.1 with a small world, and Debian's headless Chromium through Playwright."""
import datetime
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tracker.extensions import db
from tracker.models import Appointment, ExamAttempt, ExamPart, GroupSession, utcnow
from tests import factories

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = ROOT / "test-artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

if not os.path.exists(CHROMIUM):
    # `make test` installs it. In CI a missing browser is a failure, never a quiet skip.
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium")
    pytest.skip("Debian chromium is installed by `make test`", allow_module_level=True)


def _furnish(world):
    """Enough rows that every page shows real content: entries of each status, an exam, plans."""
    c = world.client
    factories.entry(c, status="CONFIRMED", hours="3", days_ago=10, place="Taalschool Nijkerk")
    factories.entry(c, status="REJECTED", hours="2", days_ago=8, category="PARTICIPATIE_VRIJWILLIGERSWERK",
                    rejection_reason="Datum klopt niet", place="Voedselbank")
    part = ExamPart.create(client=c, code="LE")
    ExamAttempt.create(part=part, exam_date=factories.today() - datetime.timedelta(days=40), niveau="B1",
                       result="GEZAKT")
    ExamPart.create(client=c, code="KNM")
    Appointment.create(client=c, kind="VOORTGANGSGESPREK", starts_at=utcnow() + datetime.timedelta(days=3),
                       location="Gemeentehuis", with_whom="Sanne de Vries")
    GroupSession.create(gemeente=world.gemeente, category="PVT_SESSIE", title="PVT: vrijheid",
                        starts_at=utcnow() - datetime.timedelta(days=2),
                        ends_at=utcnow() - datetime.timedelta(days=2, hours=-2), location="Bibliotheek")


@pytest.fixture
def live_server(sqlite_only_app):
    with db.connection_context():
        world = factories.build_world()
        _furnish(world)
    server = make_server("127.0.0.1", 0, sqlite_only_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", world
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def playwright():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright):
    instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield instance
    instance.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="nl-NL")
    yield context.new_page()
    context.close()


def log_in(page, base, username, password=factories.PASSWORD):
    """Log in through the form and wait for the first page."""
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.card button[type=submit]")
    page.wait_for_load_state()
    if page.url.endswith("/login/code"):
        import pyotp
        page.fill("input[name=code]", pyotp.TOTP(factories.TOTP_SECRET).now())
        page.click("form.card button[type=submit]")
        page.wait_for_load_state()


def choose_language(page, code):
    """Switch language with the switcher in the top bar, as a person would."""
    page.select_option("#lang-select", code)
    # Wait for the page the choice leads to: wait_for_load_state() alone returned at once (the old
    # page was loaded), and a goto() right after could cut the POST off before it was saved.
    with page.expect_navigation():
        page.click(".lang-form button[type=submit]")
    page.wait_for_function(f"document.documentElement.lang === {code.replace('_', '-')!r}")
