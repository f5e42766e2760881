"""Reminders: push subscriptions, the outbox, the in-app inbox, and per-user reminder settings."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("user", "reminder_prefs", TextField(default="{}")),
        migrator.add_column("user", "quiet_start", CharField(max_length=5, default="21:00")),
        migrator.add_column("user", "quiet_end", CharField(max_length=5, default="08:00")),
        migrator.add_column("user", "calendar_token", CharField(max_length=64, null=True)),
        migrator.add_index("user", ("calendar_token",), unique=True),
        migrator.add_column("client", "risk_seen", TextField(default="[]")),
    )

    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class PushSubscription(Model):
        user = ForeignKeyField(User, on_delete="CASCADE")
        endpoint = TextField(unique=True)
        p256dh = CharField(max_length=200)
        auth = CharField(max_length=100)
        label = CharField(max_length=200, null=True)
        created_at = DateTimeField()
        last_seen_at = DateTimeField()

        class Meta:
            database = db
            table_name = "push_subscription"

    class Outbox(Model):
        key = CharField(max_length=200, unique=True)
        user = ForeignKeyField(User, on_delete="CASCADE")
        kind = CharField(max_length=40)
        params = TextField()
        url = CharField(max_length=300)
        urgency = CharField(max_length=10)
        ttl = IntegerField()
        topic = CharField(max_length=32, null=True)
        due_at = DateTimeField()
        status = CharField(max_length=10)
        attempts = IntegerField()
        next_attempt_at = DateTimeField()
        claimed_at = DateTimeField(null=True)
        sent_at = DateTimeField(null=True)
        last_error = CharField(max_length=300, null=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "outbox"
            indexes = ((("status", "next_attempt_at"), False),)

    class Message(Model):
        user = ForeignKeyField(User, on_delete="CASCADE")
        outbox_key = CharField(max_length=200, null=True, unique=True)
        kind = CharField(max_length=40)
        params = TextField()
        url = CharField(max_length=300)
        created_at = DateTimeField()
        read_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "message"
            indexes = ((("user", "read_at"), False),)

    db.create_tables([PushSubscription, Outbox, Message])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("message"), migrator.drop_table("outbox"),
                     migrator.drop_table("push_subscription"))
    migrator.migrate(
        migrator.drop_column("client", "risk_seen"),
        migrator.drop_index("user", "user_calendar_token"),
        migrator.drop_column("user", "calendar_token"),
        migrator.drop_column("user", "quiet_end"),
        migrator.drop_column("user", "quiet_start"),
        migrator.drop_column("user", "reminder_prefs"),
    )
