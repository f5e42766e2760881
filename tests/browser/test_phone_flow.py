"""In Debian's headless Chromium at 360 × 740: log in, log hours in three taps, see them waiting."""
import pytest

from tests.browser.conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.browser


def test_log_hours_on_a_phone_and_see_them_waiting(live_server, phone):
    base, world = live_server
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(phone, base, "sh-a")
    assert phone.url == f"{base}/me"
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
    assert phone.locator(".utrecht-alert--ok").count() == 1
    # The page returns to the saved entry itself (…/logbook#e-<id>).
    newest = phone.locator("#" + phone.url.split("#", 1)[1])
    assert label and newest.locator("strong").first.inner_text().strip() == label
    assert newest.locator(".badge--SUBMITTED").count() == 1
    # Nothing may stick out sideways at 360 px.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(ARTIFACTS / "logbook-nl.png"), full_page=True)
