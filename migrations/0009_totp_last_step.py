"""The last TOTP time step a user logged in with, so one code works only once."""
from peewee import IntegerField


def up(migrator, db):
    migrator.migrate(migrator.add_column("user", "totp_last_step", IntegerField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("user", "totp_last_step"))
