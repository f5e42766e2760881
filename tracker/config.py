"""Settings from the environment, with safe development defaults."""
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _secret_key() -> str:
    """Read SECRET_KEY, or keep one generated key in instance/ so sessions survive restarts."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    """Production-shaped defaults; everything can be set through the environment."""

    DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE / 'mijnroute.sqlite3'}")
    SECRET_KEY = None  # filled lazily by create_app so importing config has no side effects
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * 30
    # The session cookie (about 500 bytes) is sent again once a day, not with every response: the
    # 30 days still count from the last day of use (tracker._init_login).
    SESSION_REFRESH_EACH_REQUEST = False
    # Offline replays can come hours later; the token is bound to the session instead of a clock.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_SSL_STRICT = True
    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"
    MAX_CONTENT_LENGTH = 1024 * 1024
    ACTIVATION_DAYS = 14
    # A form sent without its one-time key (a script, an old cached page) is a repeat when it is the
    # same as that user's previous such submit and comes within this many seconds.
    FORM_REPEAT_SECONDS = 120
    # One-time form keys are forgotten after this many days (Back and submit again still saves once).
    FORM_KEY_DAYS = 7
    # Rate limits per address; use a shared store (redis://…) when running several workers.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT = "10 per minute;60 per hour"
    # The contact claim in every VAPID token: a real mailto: or https: address of the operator.
    VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT")
    TESTING = False


class TestConfig(Config):
    """Settings for the test suite: CSRF stays on, cookies work over plain http."""

    TESTING = True
    # Tests log in many times from one address; the limit itself is tested with its own setting.
    LOGIN_LIMIT = "10000 per minute"
    # The test push service listens on http://127.0.0.1; real subscriptions are always https.
    PUSH_ALLOW_LOCAL_HTTP = True
    SECRET_KEY = "test-secret-key"
    SESSION_COOKIE_SECURE = False
