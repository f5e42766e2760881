"""Local dates and times for a gemeente; the database stores naive UTC."""
import datetime
from zoneinfo import ZoneInfo


def zone(gemeente) -> ZoneInfo:
    """The gemeente's time zone (Europe/Amsterdam by default)."""
    try:
        return ZoneInfo(gemeente.timezone or "Europe/Amsterdam")
    except (KeyError, ValueError):
        return ZoneInfo("Europe/Amsterdam")


def local_today(gemeente) -> datetime.date:
    """Today's date where the gemeente is: 00:30 in Amsterdam is already the next day."""
    return datetime.datetime.now(zone(gemeente)).date()


def local_to_utc(gemeente, value: datetime.datetime) -> datetime.datetime:
    """A wall-clock time typed by staff → naive UTC for storage."""
    return value.replace(tzinfo=zone(gemeente)).astimezone(datetime.UTC).replace(tzinfo=None)


def utc_to_local(gemeente, value: datetime.datetime) -> datetime.datetime:
    """Stored naive UTC → the gemeente's wall-clock time."""
    return value.replace(tzinfo=datetime.UTC).astimezone(zone(gemeente)).replace(tzinfo=None)
