"""QR attendance codes for group sessions: pure functions (no Flask, no database).

A code is an HMAC-SHA256 over (session public id, time slot), keyed with the app's SECRET_KEY.
Time is cut into slots of 30 seconds; the trainer's screen always shows the code of the current
slot, and a code is accepted for its own slot and the next one (so 30 to 60 seconds), and only
while the session is open for attendance: from 15 minutes before the start to 15 minutes after
the end. A code names its session inside the signed text, so it never validates for another one.

Opening a fresh code gives the statushouder a *ticket*: an HMAC over (session, client, slot of the
code) that lets this one person press "I am here" a few minutes later, even when the code on the
screen has moved on. A ticket is useless to anyone else.

Moments are naive UTC (as stored) or timezone-aware datetimes.
"""
import base64
import datetime
import hashlib
import hmac
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

SLOT_SECONDS = 30
MARGIN = datetime.timedelta(minutes=15)
# How long (in slots) the person who opened a fresh code may take to press "I am here": 5 minutes.
TICKET_SLOTS = 10
MIN_HOURS = Decimal("0.25")
MAX_HOURS = Decimal("12")
# 16 bytes (128 bits) of the HMAC-SHA256: plenty against guessing, and a smaller, easier QR code.
MAC_BYTES = 16
_CODE = "mijnroute/attendance-code/v1"
_TICKET = "mijnroute/attendance-ticket/v1"
_MAX_SLOT_DIGITS = 12


class Verdict(StrEnum):
    """The outcome of checking a code or ticket."""

    OK = "ok"
    INVALID = "invalid"      # malformed, forged, or made for another session (or person)
    EXPIRED = "expired"      # an older slot: the code on the screen has moved on
    NOT_OPEN = "not_open"    # before the attendance window opens
    CLOSED = "closed"        # after the attendance window


def _utc_seconds(moment: datetime.datetime) -> float:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.timestamp()


def _naive_utc(moment: datetime.datetime) -> datetime.datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(datetime.UTC).replace(tzinfo=None)


def slot_at(moment: datetime.datetime) -> int:
    """The number of the 30-second slot `moment` falls in."""
    return int(_utc_seconds(moment) // SLOT_SECONDS)


def slot_start(slot: int) -> datetime.datetime:
    """The first moment (naive UTC) of a slot."""
    return datetime.datetime.fromtimestamp(slot * SLOT_SECONDS, datetime.UTC).replace(tzinfo=None)


def seconds_to_next_slot(now: datetime.datetime) -> int:
    """Whole seconds until the next slot starts (1 … 30): when a screen should fetch a new code."""
    remaining = SLOT_SECONDS - (_utc_seconds(now) % SLOT_SECONDS)
    return max(1, min(SLOT_SECONDS, int(remaining + 0.999)))


def window(starts_at: datetime.datetime, ends_at: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """The period in which codes are accepted: 15 minutes before the start to 15 after the end."""
    return _naive_utc(starts_at) - MARGIN, _naive_utc(ends_at) + MARGIN


def window_state(starts_at, ends_at, now) -> Verdict:
    """OK inside the window, NOT_OPEN before it, CLOSED after it."""
    opens, closes = window(starts_at, ends_at)
    now = _naive_utc(now)
    if now < opens:
        return Verdict.NOT_OPEN
    if now > closes:
        return Verdict.CLOSED
    return Verdict.OK


def _key(key: str | bytes) -> bytes:
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not key:
        raise ValueError("an attendance code needs a secret key")
    return key


def _mac(key, *parts) -> str:
    message = "|".join(str(p) for p in parts).encode("utf-8")
    digest = hmac.new(_key(key), message, hashlib.sha256).digest()[:MAC_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _same(expected: str, given) -> bool:
    """Constant-time comparison that never raises on odd input."""
    if not isinstance(given, str):
        return False
    return hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8", "replace"))


def parse_slot(raw) -> int | None:
    """A slot number from a URL, or None when it is not one."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw if raw >= 0 else None
    text = str(raw or "")
    if not text.isascii() or not text.isdigit() or len(text) > _MAX_SLOT_DIGITS:
        return None
    return int(text)


def sign(key, session_id, slot: int) -> str:
    """The signature of the code for `session_id` (its public id) in `slot`."""
    return _mac(key, _CODE, str(session_id).lower(), int(slot))


def current_code(key, session_id, now: datetime.datetime) -> tuple[int, str]:
    """(slot, signature) of the code to show now."""
    slot = slot_at(now)
    return slot, sign(key, session_id, slot)


def _slot_in_window(slot: int, starts_at, ends_at) -> bool:
    opens, closes = window(starts_at, ends_at)
    begin = slot_start(slot)
    return begin + datetime.timedelta(seconds=SLOT_SECONDS) > opens and begin <= closes


def _in_time(number: int, starts_at, ends_at, now, max_age: int) -> Verdict:
    """The time rules of a signed slot: inside the window (else NOT_OPEN or CLOSED), not a slot that
    has not begun (INVALID), and at most `max_age` slots old (else EXPIRED)."""
    state = window_state(starts_at, ends_at, now)
    if state is not Verdict.OK:
        return state
    current = slot_at(now)
    if number > current:
        return Verdict.INVALID
    if number < current - max_age:
        return Verdict.EXPIRED
    return Verdict.OK


def verify(key, session_id, slot, signature, starts_at, ends_at, now) -> Verdict:
    """Check a scanned code for this session at `now`.

    The signature is checked first (in constant time), so a forged code learns nothing about
    the time rules. Then the window, then the slot: the current slot and the one before only.
    """
    number = parse_slot(slot)
    if number is None:
        # Still compare, so a malformed code costs the same as a wrong one.
        _same(sign(key, session_id, 0), signature)
        return Verdict.INVALID
    if not _same(sign(key, session_id, number), signature):
        return Verdict.INVALID
    state = _in_time(number, starts_at, ends_at, now, max_age=1)
    if state is not Verdict.OK:
        return state
    if not _slot_in_window(number, starts_at, ends_at):
        return Verdict.NOT_OPEN
    return Verdict.OK


def sign_ticket(key, session_id, client_id, slot: int) -> str:
    """The ticket for one person who opened the code of `slot` for this session."""
    return _mac(key, _TICKET, str(session_id).lower(), str(client_id).lower(), int(slot))


def verify_ticket(key, session_id, client_id, slot, ticket, starts_at, ends_at, now) -> Verdict:
    """Check a ticket: this person, this session, a code at most TICKET_SLOTS old, inside the window."""
    number = parse_slot(slot)
    if number is None or not _same(sign_ticket(key, session_id, client_id, number), ticket):
        return Verdict.INVALID
    return _in_time(number, starts_at, ends_at, now, max_age=TICKET_SLOTS)


def session_hours(starts_at: datetime.datetime, ends_at: datetime.datetime) -> Decimal:
    """The session's length in hours, rounded to a quarter and kept within 0.25 … 12."""
    seconds = Decimal(str((_naive_utc(ends_at) - _naive_utc(starts_at)).total_seconds()))
    quarters = (seconds / 900).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(MIN_HOURS, min(MAX_HOURS, quarters / 4))
