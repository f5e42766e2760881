"""Liveness and readiness probes."""
from flask import Blueprint, jsonify

from .. import db as database
from ..extensions import db
from .access import allow

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@allow("public")
def healthz():
    """The process is up."""
    return jsonify(status="ok")


@bp.get("/readyz")
@allow("public")
def readyz():
    """The database answers and every migration is applied."""
    try:
        db.execute_sql("SELECT 1")
        pending = database.pending_migrations()
    except Exception:  # any database failure means not ready
        return jsonify(status="unavailable", database=False), 503
    if pending:
        return jsonify(status="unavailable", database=True, pending_migrations=pending), 503
    return jsonify(status="ok", database=True)
