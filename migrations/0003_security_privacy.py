"""Two-factor login for staff, anonymisation and the end of the duty (for retention)."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("user", "totp_secret", CharField(max_length=64, null=True)),
        migrator.add_column("user", "recovery_codes", TextField(default="[]")),
        migrator.add_column("user", "anonymised_at", DateTimeField(null=True)),
        migrator.add_column("client", "duty_ended_on", DateField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("client", "duty_ended_on"),
        migrator.drop_column("user", "anonymised_at"),
        migrator.drop_column("user", "recovery_codes"),
        migrator.drop_column("user", "totp_secret"),
    )
