"""Several short lists of the same clients read in one statement, each as a JSON array of rows.

A client's file shows its PIP versions, verlengingen and process steps: a handful of rows each.
Three SELECTs cost three round trips to the database; one SELECT of three JSON aggregates costs
one, and the rows come back as the same model instances peewee would have made.

    pips, verlengingen, steps = rows_per_client((PipVersion, Verlenging, Step), [client.id])
    pips[client.id]   # [PipVersion, …] in no particular order: callers sort
"""
import datetime
import json
from collections import defaultdict

from peewee import DateTimeField

from .db import is_postgres
from .extensions import db


def _aggregate(model, postgres: bool) -> str:
    """A scalar subquery: every row of `model` whose client_id is in the ids, as one JSON array."""
    table = model._meta.table_name
    if postgres:
        # json_agg of the row keeps every column under its own name.
        return f'(SELECT coalesce(json_agg(t), \'[]\') FROM "{table}" AS t WHERE t."client_id" = ANY(%s))'
    pairs = ", ".join(f"'{f.column_name}', \"{f.column_name}\"" for f in model._meta.sorted_fields)
    return (f'(SELECT json_group_array(json_object({pairs})) FROM "{table}" '
            f'WHERE "client_id" IN (SELECT value FROM json_each(?)))')


def _instance(model, row: dict):
    """The model instance of one JSON row, each value converted as its column would be."""
    data = {}
    for f in model._meta.sorted_fields:
        value = row.get(f.column_name)
        if value is not None:
            # PostgreSQL's JSON writes timestamps with a "T", which peewee's formats do not read.
            value = (datetime.datetime.fromisoformat(value) if isinstance(f, DateTimeField)
                     else f.python_value(value))
        data[f.name] = value
    instance = model(__no_default__=1, **data)
    instance._dirty.clear()
    return instance


def rows_per_client(models, ids) -> list[dict[int, list]]:
    """For each model (each with a `client` foreign key), its rows per client id: one statement."""
    ids = list(ids)
    out = [defaultdict(list) for _ in models]
    if not ids:
        return out
    postgres = is_postgres()
    sql = "SELECT " + ", ".join(_aggregate(m, postgres) for m in models)
    param = ids if postgres else json.dumps(ids)
    row = db.execute_sql(sql, [param] * len(models)).fetchone()
    for model, value, per_client in zip(models, row, out):
        for item in (json.loads(value) if isinstance(value, str) else value):
            instance = _instance(model, item)
            per_client[instance.client_id].append(instance)
    return out
