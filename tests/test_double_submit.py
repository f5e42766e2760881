"""A double tap on submit: the second POST of the same rendered form saves nothing."""
import datetime
import re

from tracker.extensions import db
from tracker.models import Appointment, FormKey
from tests.helpers import login


def test_same_form_twice_saves_one_appointment(app, world):
    cp = login(app, "cp-a")
    page = cp.get(f"/staff/clients/{world.client.public_id}").get_data(as_text=True)
    form = page[page.index('action="/staff/clients/' + str(world.client.public_id) + '/appointments"'):]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    key = re.search(r'name="form_key" value="([0-9a-f]{32})"', form).group(1)
    starts = (datetime.datetime.now() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT10:00")
    data = {"csrf_token": csrf, "form_key": key, "kind": "VOORTGANGSGESPREK", "starts_at": starts,
            "location": "Gemeentehuis"}
    referrer = f"http://localhost/staff/clients/{world.client.public_id}"
    first = cp.post(f"/staff/clients/{world.client.public_id}/appointments", data=data,
                    headers={"Referer": referrer})
    second = cp.post(f"/staff/clients/{world.client.public_id}/appointments", data=data,
                     headers={"Referer": referrer})
    assert first.status_code == 302 and second.status_code == 302
    assert second.headers["Location"].endswith(f"/staff/clients/{world.client.public_id}")
    with db.connection_context():
        assert Appointment.select().where(Appointment.client == world.client.id).count() == 1
        assert FormKey.select().where(FormKey.key == key).count() == 1
    # A freshly rendered form has a new key, so planning a second appointment on purpose works.
    page = cp.get(f"/staff/clients/{world.client.public_id}").get_data(as_text=True)
    assert key not in page
