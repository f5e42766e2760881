"""Append-only audit trail. There is deliberately no update or delete here."""
from .models import AuditLog


def record(actor, action: str, obj, *, before=None, after=None, client=None, gemeente=None) -> AuditLog:
    """Write one audit row: who (actor), what (action on obj), with values before and after."""
    if gemeente is None:
        gemeente = getattr(client, "gemeente_id", None) or getattr(actor, "gemeente_id", None)
    return AuditLog.create(
        gemeente=gemeente,
        actor=actor,
        client=client,
        action=action,
        object_type=type(obj).__name__,
        object_id=str(getattr(obj, "public_id", None) or getattr(obj, "id", "")),
        before=before,
        after=after,
    )
