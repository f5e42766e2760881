"""The group of a session: only its clients get the session's reminders."""
from peewee import *


def up(migrator, db):
    class Client(Model):
        class Meta:
            database = db
            table_name = "client"

    class GroupSession(Model):
        class Meta:
            database = db
            table_name = "group_session"

    class SessionInvite(Model):
        session = ForeignKeyField(GroupSession, on_delete="CASCADE")
        client = ForeignKeyField(Client, on_delete="CASCADE")

        class Meta:
            database = db
            table_name = "session_invite"
            indexes = ((("session", "client"), True),)

    db.create_tables([SessionInvite])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("session_invite"))
