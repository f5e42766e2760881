"""Two-factor login: admins must give a code from their app (or a recovery code) after the
password; each code works once."""
import pyotp

from tests.conftest import csrf_of
from tests.factories import PASSWORD, TOTP_SECRET
from tracker.extensions import db
from tracker.models import User
from tracker.web.account import hash_recovery


def _password_step(app, username="admin-a"):
    http = app.test_client()
    page = http.get("/login")
    response = http.post("/login", data={"username": username, "password": PASSWORD,
                                         "csrf_token": csrf_of(page.get_data(as_text=True))})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/code")
    return http


def _code_step(http, code):
    page = http.get("/login/code")
    return http.post("/login/code", data={"code": code, "csrf_token": csrf_of(page.get_data(as_text=True))})


def _logged_in(http) -> bool:
    return http.get("/api/v1/csrf-token").status_code == 200


def test_the_password_alone_does_not_log_an_admin_in(app, world):
    http = _password_step(app)
    assert not _logged_in(http)
    wrong = _code_step(http, "000000" if pyotp.TOTP(TOTP_SECRET).now() != "000000" else "111111")
    assert wrong.status_code == 400 and not _logged_in(http)


def test_a_code_works_once(app, world):
    code = pyotp.TOTP(TOTP_SECRET).now()
    first = _password_step(app)
    assert _code_step(first, code).status_code == 302 and _logged_in(first)
    # The same code again (seen over a shoulder, or replayed) within its 30 seconds: refused.
    second = _password_step(app)
    again = _code_step(second, code)
    assert again.status_code == 400 and not _logged_in(second)
    # The next step's code (the app shows it 30 s later; one step of clock drift is accepted) works.
    following = pyotp.TOTP(TOTP_SECRET).at(pyotp.TOTP(TOTP_SECRET).timecode(
        __import__("datetime").datetime.now()) * 30 + 30)
    assert _code_step(second, following).status_code == 302 and _logged_in(second)


def test_a_recovery_code_works_once(app, world):
    with db.connection_context():
        User.update(recovery_codes=[hash_recovery("ABCDE-12345")]).where(User.username == "admin-a").execute()
    first = _password_step(app)
    assert _code_step(first, "abcde-12345").status_code == 302 and _logged_in(first)
    second = _password_step(app)
    assert _code_step(second, "ABCDE-12345").status_code == 400 and not _logged_in(second)
