"""Build the push sender from configuration, or say clearly why push is off."""
import logging

from . import vapid
from .push import Pusher

log = logging.getLogger(__name__)


def make_pusher(app, workers: int = 8, processes: int = 0) -> Pusher | None:
    """A Pusher when a VAPID key and a real contact address are configured; otherwise None (inbox only)."""
    key = vapid.load(app)
    if key is None:
        log.warning("push is off: no VAPID key (run `flask --app app vapid-keys`)")
        return None
    try:
        subject = vapid.check_subject(app.config.get("VAPID_SUBJECT"))
    except vapid.VapidError as exc:
        log.warning("push is off: %s", exc)
        return None
    return Pusher(key, subject, workers=workers, processes=processes)
