"""rows_per_client gives the same rows, value for value, as peewee's own SELECT of each table."""
import datetime

from tests import factories
from tracker.extensions import db
from tracker.json_rows import rows_per_client
from tracker.models import PipVersion, Step, Verlenging


def _data(rows):
    return sorted((dict(r.__data__) for r in rows), key=lambda d: d["id"])


def test_each_list_equals_what_peewee_reads(app, world):
    with db.connection_context():
        PipVersion.create(client=world.client, version=2, dagtekening=factories.today(), leerroute="Z",
                          niveau=None, change_reason="WIJZIGING", created_by=world.cp,
                          agreements=["Werk 16 uur", 'Quote " and \\ backslash', "مرحبا 👋"])
        Verlenging.create(client=world.client, einddatum=factories.today() + datetime.timedelta(days=400),
                          grond="Ziekte – lang", decided_on=factories.today())
        Step.create(client=world.client, code="PIP", status="DONE", date=factories.today(),
                    note="Notitie\nmet regel", updated_by=world.cp)
        Step.create(client=world.client, code="KENNISMAKING", status="TODO")
        Step.create(client=world.other_client, code="PIP", status="DONE")   # another client's rows stay out

        pips, verlengingen, steps = rows_per_client((PipVersion, Verlenging, Step), [world.client.id])

        for model, got in ((PipVersion, pips), (Verlenging, verlengingen), (Step, steps)):
            expected = model.select().where(model.client == world.client.id)
            assert set(got) == {world.client.id}
            assert _data(got[world.client.id]) == _data(expected), model
        assert pips[world.client.id][0].client_id == world.client.id
        assert not any(p._dirty for p in pips[world.client.id])     # loaded rows, not unsaved changes


def test_no_ids_and_ids_without_rows(app, world):
    with db.connection_context():
        assert [dict(d) for d in rows_per_client((PipVersion, Step), [])] == [{}, {}]
        assert [dict(d) for d in rows_per_client((Verlenging, Step), [world.client.id])] == [{}, {}]
