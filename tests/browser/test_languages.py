"""Home, Logbook, Exam and Appointments at 360 × 740 in Dutch, Arabic and Tigrinya: direction, no
sideways scrolling, tappable official terms; screenshots go to test-artifacts/ for a person to look at."""
import datetime

import pytest

from tests.browser.conftest import ARTIFACTS, choose_language, log_in
from tracker.extensions import db
from tracker.models import Appointment, utcnow

pytestmark = pytest.mark.browser
PAGES = {"home": "/me", "logbook": "/me/logbook", "exam": "/me/exam", "appointments": "/me/appointments"}


@pytest.mark.parametrize("code,direction", [("nl", "ltr"), ("ar", "rtl"), ("ti", "ltr")])
def test_statushouder_pages_in_three_languages(live_server, phone, code, direction):
    base, world = live_server
    ARTIFACTS.mkdir(exist_ok=True)
    with db.connection_context():
        # Its name holds an official term in parentheses: next to the icon it once split into
        # separate flex items, and the long Dutch word pushed the page sideways in Tigrinya.
        Appointment.create(client=world.client, kind="PVT_ONDERTEKENING", location="VluchtelingenWerk",
                           starts_at=utcnow() + datetime.timedelta(hours=20))
    log_in(phone, base, "sh-a")
    if code != "nl":
        choose_language(phone, code)
    for name, path in PAGES.items():
        phone.goto(base + path)
        assert phone.evaluate("document.documentElement.lang") == code
        assert phone.evaluate("document.documentElement.dir") == direction
        assert phone.evaluate("getComputedStyle(document.body).direction") == direction
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360, f"{name} scrolls sideways in {code}"
        phone.screenshot(path=str(ARTIFACTS / f"{name}-{code}.png"), full_page=True)
    # The official term PIP stays visible and opens its explanation in place.
    phone.goto(base + "/me/plan")
    term = phone.locator("button.term[popovertarget=gl-pip]").first
    assert term.inner_text() == "PIP"
    term.click()
    popover = phone.locator("#gl-pip")
    assert popover.is_visible()
    assert popover.locator("p").nth(1).inner_text().strip()


def test_arabic_layout_mirrors(live_server, phone):
    base, _world = live_server
    log_in(phone, base, "sh-a")
    choose_language(phone, "ar")
    phone.goto(base + "/me")
    # The current nav item and the brand sit on the right in Arabic.
    brand = phone.locator(".brand").bounding_box()
    assert brand["x"] > 360 / 2
    first_nav = phone.locator(".mainnav li").first.bounding_box()
    assert first_nav["x"] + first_nav["width"] > 300
