"""Liveness and readiness probes."""
from flask import Blueprint, current_app, jsonify

from .. import db as database
from ..extensions import db
from .access import allow

bp = Blueprint("health", __name__)
# Reminders due longer than this and still unsent mean no dispatcher is working (it polls every few
# seconds and retries back off into the future, so a healthy outbox stays far below it).
OUTBOX_LAG_MAX_SECONDS = 900


@bp.get("/healthz")
@allow("public")
def healthz():
    """The process is up."""
    return jsonify(status="ok")


@bp.get("/readyz")
@allow("public")
def readyz():
    """The database answers, every migration is applied and the reminder outbox is not stuck."""
    from ..notify.outbox import lag
    limit = float(current_app.config.get("OUTBOX_LAG_MAX_SECONDS", OUTBOX_LAG_MAX_SECONDS))
    try:
        db.execute_sql("SELECT 1")
        pending = database.pending_migrations()
        outbox_lag = None if pending else lag()
    except Exception:  # any database failure means not ready
        return jsonify(status="unavailable", database=False), 503
    if pending:
        return jsonify(status="unavailable", database=True, pending_migrations=pending), 503
    body = {"database": True, "outbox_lag_seconds": round(outbox_lag, 1), "outbox_lag_max_seconds": limit}
    if outbox_lag > limit:
        return jsonify(status="unavailable", **body), 503
    return jsonify(status="ok", **body)
