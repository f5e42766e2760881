"""SELECTs that run on every request, turned into SQL once per database and then run with new values.

peewee builds a statement's text anew on every call: walking the query tree costs more than
SQLite or PostgreSQL take to answer a one-row lookup. A `Prepared` query is built once per database
with named `Param` placeholders; a call fills them in (through the same column conversion peewee
would apply) and reads the rows through the query's own row builder, so it gives the same model
instances, joins included.

    user_by_id = Prepared(lambda uid: User.select().where(User.id == uid))
    user = user_by_id.first(uid=3)

It leans on two peewee internals, the context's parameter list and the query's row builder
(`_get_cursor_wrapper`); peewee is pinned, and tests/test_prepared.py checks both.
"""
import weakref

from peewee import Node

from .extensions import db


class _Slot:
    """Where a named value goes in the compiled parameters, with the conversion of its column."""

    __slots__ = ("name", "converter")

    def __init__(self, name, converter):
        self.name, self.converter = name, converter


class Param(Node):
    """A named placeholder in a query built for `Prepared`. `convert` overrides the column's
    conversion (e.g. a list of ids passed as one array or JSON value)."""

    def __init__(self, name: str, convert=None):
        self.name, self.convert = name, convert

    def __sql__(self, ctx):
        ctx._values.append(_Slot(self.name, self.convert or ctx.state.converter))
        return ctx.literal(ctx.state.param or "?")


class Prepared:
    """A SELECT with named parameters, compiled once per database object."""

    def __init__(self, build):
        self._build = build
        self._compiled = weakref.WeakKeyDictionary()

    def _compile(self, names):
        database = db.obj
        compiled = self._compiled.get(database)
        if compiled is None:
            query = self._build(**{name: Param(name) for name in names})
            sql, params = query.sql()
            compiled = self._compiled[database] = (query, sql, tuple(params))
        return database, compiled

    def rows(self, **values):
        """A cursor wrapper over the result rows (iterate it; model instances, tuples or dicts as built)."""
        database, (query, sql, params) = self._compile(values)
        args = [_fill(p, values) if type(p) is _Slot else p for p in params]
        return query._get_cursor_wrapper(database.execute_sql(sql, args))

    def fetchall(self, **values) -> list[tuple]:
        """The result rows as the driver gives them (no conversion: dates may be text on SQLite)."""
        database, (query, sql, params) = self._compile(values)
        args = [_fill(p, values) if type(p) is _Slot else p for p in params]
        return database.execute_sql(sql, args).fetchall()

    def first(self, **values):
        """The first row, or None."""
        for row in self.rows(**values):
            return row
        return None


def _fill(slot: _Slot, values: dict):
    value = values[slot.name]
    return slot.converter(value) if slot.converter else value
