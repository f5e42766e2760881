"""Client import from CSV: a dry run that writes nothing, row-by-row errors in the user's language,
all rows or none, semicolons and a byte order mark from Dutch Excel, codes shown once."""
import datetime
import html
import re

import pytest

from tests.conftest import csrf_of
from tests.helpers import login, q
from tracker import client_import
from tracker.models import ActivationCode, AuditLog, Client, PipVersion, User

TODAY = datetime.date.today
CODE_RE = re.compile(r"\b([A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4})\b")
HEADER = "name,username,contactpersoon_username,language,coupled_on,duty_start,pip_dagtekening,leerroute,niveau"


def days_ago(n: int) -> str:
    return (TODAY() - datetime.timedelta(days=n)).isoformat()


def counts() -> dict:
    """Rows an import would write."""
    return q(lambda: {model.__name__: model.select().count()
                      for model in (User, Client, PipVersion, ActivationCode, AuditLog)})


@pytest.fixture
def admin(app, world):
    """admin-a, reading English, with a CSRF token."""
    q(lambda: User.update(locale="en").where(User.username == "admin-a").execute())
    http = login(app, "admin-a")
    page = http.get("/admin/import")
    assert page.status_code == 200
    http.csrf = csrf_of(page.get_data(as_text=True))
    return http


def upload(http, content, filename="clients.csv"):
    from io import BytesIO
    data = content.encode("utf-8") if isinstance(content, str) else content
    return http.post("/admin/import", data={"csrf_token": http.csrf, "action": "preview",
                                            "file": (BytesIO(data), filename)},
                     content_type="multipart/form-data")


def confirm(http, preview):
    """Press Import on a preview page: the form posts back the checked file."""
    page = preview.get_data(as_text=True)
    payload = html.unescape(re.search(r'name="payload" value="([^"]*)"', page).group(1))
    batch = re.search(r'name="batch" value="([^"]*)"', page).group(1)
    return http.post("/admin/import", data={"csrf_token": http.csrf, "action": "import",
                                            "payload": payload, "batch": batch})


def row_html(response, number: int) -> str:
    page = response.get_data(as_text=True)
    match = re.search(rf'<li id="row-{number}">(.*?)</dl>', page, re.S)
    assert match, f"row {number} not in the preview"
    return html.unescape(match.group(1))


GOOD = "\n".join([
    HEADER,
    f"Amira Haddad,,cp-a,ar,{days_ago(200)},,{days_ago(150)},B,B1",
    f"Yonas Kidane,yonas.k,cp2-a,ti,{days_ago(100)},{days_ago(120)},{days_ago(60)},z,",
    f"Said Ahmadi,,CP-A,fa_AF,{days_ago(10)},,,,",
]) + "\n"


def test_valid_import_creates_all_after_a_dry_run(app, world, admin):
    before = counts()
    preview = upload(admin, GOOD)
    assert preview.status_code == 200, preview.get_data(as_text=True)
    page = preview.get_data(as_text=True)
    assert "All 3 rows are correct." in page and "Import 3 clients" in page
    assert "yonas.k" in page and "Made from the name" in page
    assert counts() == before, "the dry run wrote something"

    done = confirm(admin, preview)
    assert done.status_code == 200, done.get_data(as_text=True)[:2000]
    assert "no-store" in done.headers["Cache-Control"]
    page = done.get_data(as_text=True)
    codes = CODE_RE.findall(page)
    assert len(set(codes)) == 3
    assert "amira.haddad" in page and "said.ahmadi" in page

    def check():
        people = {u.username: u for u in User.select().where(User.role == "statushouder",
                                                              User.gemeente == world.gemeente.id)}
        assert {"amira.haddad", "yonas.k", "said.ahmadi"} <= set(people)
        amira = Client.get(Client.user == people["amira.haddad"].id)
        assert amira.contactpersoon_id == world.cp.id and amira.coupled_on.isoformat() == days_ago(200)
        assert people["amira.haddad"].locale == "ar" and people["said.ahmadi"].locale == "fa_AF"
        [pip] = list(PipVersion.select().where(PipVersion.client == amira.id))
        assert (pip.leerroute, pip.niveau, pip.version, pip.change_reason) == ("B", "B1", 1, "INITIEEL")
        yonas = Client.get(Client.user == people["yonas.k"].id)
        assert yonas.contactpersoon_id == world.cp2.id and yonas.duty_start.isoformat() == days_ago(120)
        assert PipVersion.get(PipVersion.client == yonas.id).leerroute == "Z"
        said = Client.get(Client.user == people["said.ahmadi"].id)
        assert not PipVersion.select().where(PipVersion.client == said.id).exists()
        for username in ("amira.haddad", "yonas.k", "said.ahmadi"):
            assert ActivationCode.select().where(ActivationCode.user == people[username].id,
                                                 ActivationCode.used_at.is_null()).count() == 1
        assert AuditLog.select().where(AuditLog.action == "client.created").count() == 3
        batch = AuditLog.get(AuditLog.action == "clients.imported")
        assert batch.after["count"] == 3 and batch.actor_id == world.admin.id
    q(check)

    # The same form sent again creates nobody a second time.
    after = counts()
    again = confirm(admin, preview)
    assert again.status_code == 400
    assert "imported already" in again.get_data(as_text=True)
    assert counts() == after


def test_one_bad_row_means_nothing_is_imported(app, world, admin):
    content = GOOD + f"Nobody Known,,cp-b,nl,{days_ago(5)},,,,\n"
    before = counts()
    preview = upload(admin, content)
    assert preview.status_code == 400
    page = preview.get_data(as_text=True)
    assert "1 row has an error." in page and "Nothing was imported." in page
    assert 'name="payload"' not in page, "no Import button while a row has an error"
    assert "There is no contactpersoon with this username in your gemeente." in row_html(preview, 5)
    assert "Correct" in row_html(preview, 2)
    assert counts() == before

    # Even a forged Import of the same file (the button was not there) imports nothing.
    forged = admin.post("/admin/import", data={"csrf_token": admin.csrf, "action": "import",
                                               "payload": client_import.pack(content.encode()),
                                               "batch": "0" * 32})
    assert forged.status_code == 400
    assert "There is no contactpersoon with this username in your gemeente." in row_html(forged, 5)
    assert counts() == before


def test_every_row_error_is_shown_next_to_its_row(app, world, admin):
    long_name = "A" * 121
    lines = [
        HEADER,
        f",,cp-a,nl,{days_ago(5)},,,,",                                  # 2 missing name
        f"Bad Date,,cp-a,nl,2024-13-45,,,,",                             # 3 bad date
        f"Future,,cp-a,nl,{(TODAY() + datetime.timedelta(days=3)).isoformat()},,,,",  # 4 future
        f"Taken,sh-a,cp-a,nl,{days_ago(5)},,,,",                         # 5 username exists
        f"Twice One,same.name,cp-a,nl,{days_ago(5)},,,,",                # 6 fine by itself
        f"Twice Two,same.name,cp-a,nl,{days_ago(5)},,,,",                # 7 duplicate in file
        f"Z Level,,cp-a,nl,{days_ago(50)},,{days_ago(20)},Z,B1",         # 8 Z-route has no level
        f"Bad Route,,cp-a,nl,{days_ago(50)},,{days_ago(20)},X,",         # 9 unknown route
        f"{long_name},,cp-a,nl,{days_ago(5)},,,,",                       # 10 too long
        f"No Language,,cp-a,xx,{days_ago(5)},,,,",                       # 11 unknown language
        f"PIP Without Date,,cp-a,nl,{days_ago(5)},,,B,B1",               # 12 route without dagtekening
        f"First A2,,cp-a,nl,{days_ago(50)},,{days_ago(20)},B,A2",        # 13 A2 not in first PIP
        f"PIP Early,,cp-a,nl,{days_ago(50)},,{days_ago(60)},B,B1",       # 14 PIP before coupling
        f"Wrong Staff,,admin-a,nl,{days_ago(5)},,,,",                    # 15 an admin is no contactpersoon
    ]
    before = counts()
    preview = upload(admin, "\n".join(lines))
    assert preview.status_code == 400
    assert "13 rows have an error." in preview.get_data(as_text=True)
    expected = {
        2: "name: Please fill this in.",
        3: "coupled_on: This is not a date. Write it like 2024-03-31.",
        4: "coupled_on: This date is in the future.",
        5: "username: This username is already used.",
        7: "username: This username is in the file more than once.",
        8: "niveau: The Z-route has no exam level.",
        9: "leerroute: This is not valid. Please check it.",
        10: "name: This text is too long.",
        11: "language: This language is not known.",
        12: "pip_dagtekening: Please fill this in.",
        13: "niveau: A2 is not possible in the first PIP.",
        14: "pip_dagtekening: This date is before the client came to the gemeente.",
        15: "contactpersoon_username: There is no contactpersoon with this username in your gemeente.",
    }
    for number, message in expected.items():
        text = re.sub(r"<[^>]+>", "", row_html(preview, number))
        assert message in re.sub(r"\s+", " ", text), (number, text)
    assert "Correct" in row_html(preview, 6)
    assert counts() == before


def test_errors_are_in_the_users_language(app, world):
    """Dutch for a Dutch admin: the shared messages come from the catalog."""
    http = login(app, "admin-a")
    http.csrf = csrf_of(http.get("/admin/import").get_data(as_text=True))
    response = upload(http, HEADER + f"\nFuture,,cp-a,nl,{(TODAY() + datetime.timedelta(days=3)).isoformat()},,,,\n")
    assert response.status_code == 400
    assert "This date is in the future." not in row_html(response, 2)
    assert "toekomst" in row_html(response, 2).lower()


def test_semicolons_and_a_byte_order_mark_from_dutch_excel(app, world, admin):
    d = TODAY() - datetime.timedelta(days=40)
    lines = ["Name;Contactpersoon_Username;Language;Coupled_On;pip_dagtekening;leerroute;niveau",
             f"Fatima Noor;cp-a;Nederlands;{d.day}-{d.month}-{d.year};;;",
             f'"Haddad; Omar";cp-a;en;{days_ago(30)};{days_ago(10)};B;b1',
             ";;;;;;"]
    data = b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8") + b"\r\n"
    preview = upload(admin, data)
    assert preview.status_code == 200, preview.get_data(as_text=True)
    assert "All 2 rows are correct." in preview.get_data(as_text=True)
    done = confirm(admin, preview)
    assert done.status_code == 200

    def check():
        fatima = User.get(User.name == "Fatima Noor")
        assert fatima.locale == "nl"
        assert Client.get(Client.user == fatima.id).coupled_on == d
        omar = User.get(User.name == "Haddad; Omar")
        assert PipVersion.get(PipVersion.client == Client.get(Client.user == omar.id).id).niveau == "B1"
    q(check)


@pytest.mark.parametrize("content, message", [
    (None, "Choose a CSV file."),
    ("", "The file is empty."),
    (HEADER + "\n", "The file has a header but no clients."),
    ("name,language,coupled_on\nA,nl,2024-01-01\n", "The file misses these columns: contactpersoon_username."),
    (HEADER + ",email\n", "The file has columns that are not known: email."),
    ("name;name;contactpersoon_username;language;coupled_on\n", "The file has columns more than once: name."),
    ("name,contactpersoon_username,language,coupled_on\nZo\xeb,cp-a,nl,2024-01-01\n".encode("latin-1"),
     "The file is not UTF-8 text."),
    (HEADER + "\n" + "\n".join(f"P{n},,cp-a,nl,2024-01-01,,,," for n in range(2001)),
     "The file has more than 2,000 clients."),
])
def test_file_errors(app, world, admin, content, message):
    before = counts()
    if content is None:
        response = admin.post("/admin/import", data={"csrf_token": admin.csrf, "action": "preview"})
    else:
        response = upload(admin, content)
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert message in page
    assert 'id="file-error"' in page and 'aria-invalid="true"' in page
    assert counts() == before


def test_too_large_file_is_refused(app, world, admin):
    before = counts()
    response = upload(admin, HEADER + "\n" + "x" * (1024 * 1024))
    assert response.status_code in (400, 413)
    assert counts() == before


def test_a_tampered_payload_is_refused(app, world, admin):
    response = admin.post("/admin/import", data={"csrf_token": admin.csrf, "action": "import",
                                                 "payload": "not base64!", "batch": "0" * 32})
    assert response.status_code == 400
    assert "Please choose the file again." in html.unescape(response.get_data(as_text=True))


def test_only_admins_import(app, world):
    cp = login(app, "cp-a")
    assert cp.get("/admin/import").status_code == 403
    assert cp.get("/admin/import/template.csv").status_code == 403
    admin = login(app, "admin-a")
    template = admin.get("/admin/import/template.csv")
    assert template.status_code == 200 and template.get_data(as_text=True).strip() == HEADER


def test_the_batch_is_checked_again_inside_the_transaction(app, world):
    """Two Import presses at the same moment both pass the early check; the one that gets the lock
    second finds the first one's batch and imports nothing."""
    from tracker.audit import record
    from tracker.facts import rules_for

    def attempt():
        gemeente, admin = world.gemeente, User.get(User.username == "admin-a")
        rows = client_import.parse((HEADER + f"\nLate Twin,,cp-a,nl,{days_ago(5)},,,,\n").encode())
        record(admin, "clients.imported", client_import.ImportBatch("a" * 32), gemeente=gemeente.id,
               after={"count": 1, "batch": "a" * 32})
        with pytest.raises(client_import.FileError) as caught:
            client_import.run(rows, gemeente, admin, TODAY(), rules_for(gemeente),
                              issue_code=lambda user: pytest.fail("a refused import issues no code"),
                              batch="a" * 32)
        assert caught.value.code == "already_imported"
        assert not User.select().where(User.name == "Late Twin").exists()
    q(attempt)
