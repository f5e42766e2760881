"""Backup and restore round-trip on both databases, through the functions and the flask commands."""
import os
import stat

import pytest

from tests import factories
from tests.helpers import q
from tracker import backup
from tracker.models import AuditLog, Client, Entry, User


def snapshot():
    return q(lambda: {
        "users": sorted(u.username for u in User.select()),
        "entries": sorted((str(e.public_id), str(e.hours), e.status) for e in Entry.select()),
        "clients": sorted(str(c.public_id) for c in Client.select()),
        "audit": AuditLog.select().count(),
    })


def load(world):
    def build():
        for days, status in ((2, "SUBMITTED"), (3, "CONFIRMED"), (4, "REJECTED")):
            factories.entry(world.client, status=status, days_ago=days, place="Taalhuis")
        factories.entry(world.other_client, status="CONFIRMED", days_ago=5)
        from tracker.audit import record
        record(world.cp, "client.viewed", world.client, client=world.client)
    q(build)


def damage(world):
    """Delete rows the restore must bring back: entries, and a whole client with their account."""
    def run():
        Entry.delete().where(Entry.client == world.client.id).execute()
        User.delete().where(User.id == world.other_client.user_id).execute()
    q(run)


def test_backup_and_restore_round_trip(app, world, tmp_path):
    load(world)
    before = snapshot()
    url = app.config["DATABASE_URL"]
    path = backup.backup(url, tmp_path / "copy.backup")
    assert path.exists() and path.stat().st_size > 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # personal data: owner only

    damage(world)
    assert snapshot() != before
    backup.restore(url, path)
    assert snapshot() == before
    # The app works on the restored database.
    from tests.helpers import login
    assert login(app, "sh-a").get("/me/logbook").status_code == 200


def test_backup_and_restore_commands(app, world, tmp_path):
    load(world)
    before = snapshot()
    runner = app.test_cli_runner()
    target = tmp_path / "nightly.backup"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert str(target) in result.output and target.exists()

    damage(world)
    # Without --yes it asks first; "n" changes nothing.
    result = runner.invoke(args=["restore", str(target)], input="n\n")
    assert result.exit_code != 0
    assert snapshot() != before
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert snapshot() == before


def test_restore_refuses_a_file_that_is_not_a_backup(app, world, tmp_path):
    before = snapshot()
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"this is not a database backup\n" * 100)
    with pytest.raises(backup.BackupError):
        backup.restore(app.config["DATABASE_URL"], junk)
    result = app.test_cli_runner().invoke(args=["restore", str(junk), "--yes"])
    assert result.exit_code != 0 and "Error" in result.output
    assert snapshot() == before


def test_backup_to_an_unwritable_place_is_a_clear_error(app, world, tmp_path):
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite"):
        with pytest.raises(backup.BackupError):
            backup.backup(url, backup._sqlite_path(url))  # the database itself
        with pytest.raises(backup.BackupError):
            backup.restore(url, backup._sqlite_path(url))
    else:
        with pytest.raises(backup.BackupError):
            backup.backup(url.rsplit("/", 1)[0] + "/no_such_database_here", tmp_path / "x.dump")
        assert not (tmp_path / "x.dump").exists()
