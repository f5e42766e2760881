"""Casework tools: placements and supervisor links; rejection codes; supervisor decisions on entries."""
from peewee import *


def up(migrator, db):
    class Client(Model):
        class Meta:
            database = db
            table_name = "client"

    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class Placement(Model):
        public_id = UUIDField(unique=True)
        client = ForeignKeyField(Client, on_delete="CASCADE")
        organisation = CharField(max_length=200)
        supervisor_name = CharField(max_length=120)
        supervisor_contact = CharField(max_length=200, null=True)
        category = CharField(max_length=40)
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "placement"

    class SupervisorRequest(Model):
        public_id = UUIDField(unique=True)
        placement = ForeignKeyField(Placement, on_delete="CASCADE")
        token_hash = CharField(max_length=64, unique=True)
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "supervisor_request"

    db.create_tables([Placement, SupervisorRequest])
    migrator.migrate(
        migrator.add_column("entry", "rejection_code", CharField(max_length=40, null=True)),
        migrator.add_column("entry", "supervisor_request_id",
                            ForeignKeyField(SupervisorRequest, null=True, on_delete="SET NULL",
                                            field=SupervisorRequest.id)),
        migrator.add_column("entry", "supervisor_decision", CharField(max_length=10, null=True)),
        migrator.add_column("entry", "supervisor_reason", TextField(null=True)),
        migrator.add_column("entry", "supervisor_decided_at", DateTimeField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("entry", "supervisor_decided_at"),
        migrator.drop_column("entry", "supervisor_reason"),
        migrator.drop_column("entry", "supervisor_decision"),
        migrator.drop_column("entry", "supervisor_request_id"),
        migrator.drop_column("entry", "rejection_code"),
        migrator.drop_table("supervisor_request"),
        migrator.drop_table("placement"),
    )
