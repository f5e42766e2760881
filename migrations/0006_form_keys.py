"""One-time form keys, so a double submit of a form saves nothing twice."""
from peewee import *


def up(migrator, db):
    class FormKey(Model):
        key = CharField(max_length=64, unique=True)
        created_at = DateTimeField(index=True)

        class Meta:
            database = db
            table_name = "form_key"

    db.create_tables([FormKey])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("form_key"))
