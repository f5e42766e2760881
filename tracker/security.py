"""Password hashing, activation codes and login lockout."""
import datetime
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# Unambiguous characters only: people type these codes from paper.
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LOCK_AFTER = 5
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    """Argon2id hash (memory-hard)."""
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when the password matches; never raises for bad or missing hashes."""
    if not stored:
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_activation_code() -> str:
    """An 8-character code shown as XXXX-XXXX."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_code(code: str) -> str:
    """Forgive spaces, dashes and lower case when a person types a code."""
    raw = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else raw


def hash_code(code: str) -> str:
    """Activation codes are stored hashed; the plain code is shown once."""
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def lockout_until(failed: int, now: datetime.datetime) -> datetime.datetime | None:
    """Exponential backoff after LOCK_AFTER failures: 1, 2, 4 … minutes, at most a day."""
    if failed < LOCK_AFTER:
        return None
    minutes = min(2 ** (failed - LOCK_AFTER), 24 * 60)
    return now + datetime.timedelta(minutes=minutes)
