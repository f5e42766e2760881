"""Logging in through the real login form, as a browser would; small helpers every test file uses."""
from tests.conftest import csrf_of
from tests.factories import PASSWORD
from tracker.extensions import db


def q(fn):
    """Run fn() with a database connection (between requests)."""
    with db.connection_context():
        return fn()


def text(response) -> str:
    return response.get_data(as_text=True)


def csrf(http) -> str:
    """The CSRF token the API hands a logged-in client (also valid for its forms)."""
    response = http.get("/api/v1/csrf-token")
    assert response.status_code == 200
    return response.get_json()["csrf_token"]


def login(app, username: str, password: str = PASSWORD):
    """A test client with a logged-in session for `username`."""
    http = app.test_client()
    page = http.get("/login")
    response = http.post("/login", data={"username": username, "password": password,
                                         "csrf_token": csrf_of(page.get_data(as_text=True))})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    if response.headers["Location"].endswith("/login/code"):
        # The second factor, as the authenticator app would give it.
        import pyotp
        from tests.factories import TOTP_SECRET
        page = http.get("/login/code")
        response = http.post("/login/code", data={"code": pyotp.TOTP(TOTP_SECRET).now(),
                                                  "csrf_token": csrf_of(page.get_data(as_text=True))})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        # A code works once; a test logging in again within 30 s stands for a person who waits for
        # the next code (tests/test_auth_totp.py tests the refusal itself).
        from tracker.extensions import db
        from tracker.models import User
        with db.connection_context():
            User.update(totp_last_step=None).where(User.username == username).execute()
    return http


def token(http, path: str) -> str:
    """The CSRF token from a page the client can open."""
    return csrf_of(http.get(path).get_data(as_text=True))
