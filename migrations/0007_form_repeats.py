"""A form sent without its one-time key: the digest of the user's last such submit, so the same
submit repeated within a short window saves nothing twice."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column("form_key", "digest", CharField(max_length=64, null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("form_key", "digest"))
