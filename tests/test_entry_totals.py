"""The hour totals (entry_total) stay in step with the entries through every kind of change, on
both databases: they are kept by triggers, so no code path can forget them."""
import datetime
from decimal import Decimal

from tests import factories
from tracker import counters, entries as entry_store
from tracker.domain.rules import Rules
from tracker.extensions import db
from tracker.models import Client, Entry, EntryTotal, PipVersion


def _in_step():
    diff = counters.differences()
    assert diff == [], diff


def test_totals_follow_every_change(app, world):
    with db.connection_context():
        _in_step()
        client, cp = world.client, world.cp
        today = factories.today()
        new, _ = entry_store.create(client, entry_store.EntryInput(
            client_uuid=None, category="TAALLES", entry_date=today - datetime.timedelta(days=2), hours=Decimal("1.5"),
            physical=False), client.user, today, Rules())
        more = [factories.entry(client, days_ago=d, category=c, hours=h) for d, c, h in
                ((1, "TAALLES", "2"), (3, "KNM_LES", "1.25"), (5, "MAP_PRAKTIJK", "4"), (9, "TAALLES", "0.5"))]
        _in_step()
        entry_store.confirm(Entry.get_by_id(new.id), cp)
        loaded = list(Entry.select(Entry, Client).join(Client).where(Entry.id.in_([e.id for e in more[:3]])))
        entry_store.confirm_many(loaded, cp)
        _in_step()
        entry_store.reject(Entry.get_by_id(more[3].id), cp, "Graag de plaats erbij")
        entry_store.resubmit(Entry.get_by_id(more[3].id), client.user)
        entry_store.withdraw(Entry.get_by_id(more[3].id), client.user)
        _in_step()
        # Edits of date, hours, category and place (the last must not matter).
        Entry.update(hours=Decimal("3"), entry_date=today - datetime.timedelta(days=40)).where(
            Entry.id == more[0].id).execute()
        Entry.update(category="PARTICIPATIE_STAGE", place="Kringloop").where(Entry.id == more[1].id).execute()
        _in_step()
        # Deleting the latest entry of a group gives the group its previous latest date.
        Entry.delete().where(Entry.id == new.id).execute()
        _in_step()
        # A first PIP later than some entries turns them into intake; moving or removing it recounts.
        pip = PipVersion.get(PipVersion.client == client.id)
        PipVersion.update(dagtekening=today - datetime.timedelta(days=4)).where(PipVersion.id == pip.id).execute()
        _in_step()
        assert EntryTotal.select().where(EntryTotal.client == client.id, EntryTotal.intake == 1).exists()
        earlier = factories.pip(client, days_ago=20, version=2, reason="WIJZIGING")
        _in_step()
        PipVersion.delete().where(PipVersion.client == client.id).execute()
        _in_step()
        assert not EntryTotal.select().where(EntryTotal.client == client.id, EntryTotal.intake == 0).exists()
        assert earlier.id
        # Removing a person removes their totals.
        other = world.other_client
        Client.delete().where(Client.id == other.id).execute()
        _in_step()
        assert not EntryTotal.select().where(EntryTotal.client == other.id).exists()
        # And a full recount changes nothing.
        before = sorted(EntryTotal.select(EntryTotal.client, EntryTotal.category, EntryTotal.status,
                                          EntryTotal.intake, EntryTotal.entries).tuples())
        counters.rebuild()
        after = sorted(EntryTotal.select(EntryTotal.client, EntryTotal.category, EntryTotal.status,
                                         EntryTotal.intake, EntryTotal.entries).tuples())
        assert before == after


def test_migration_builds_the_table_the_model_describes(app):
    from playhouse.schema_diff import diff_models

    from tracker.models import DERIVED
    with db.connection_context():
        assert not diff_models(db.obj, DERIVED)
