"""Importing statushouders from a CSV file: read and check the file, then either a dry run (every row
checked, nothing written) or the real import (all rows in one transaction, only when no row has an
error). Nothing is ever half-imported.

The dry run applies the rules of the "new client" and PIP forms without writing; the import then
creates every row through the code of those forms (accounts.create_statushouder and
casework.add_pip_version), which check everything once more inside the transaction.
"""
import base64
import csv
import datetime
import io
import re
import zlib
from dataclasses import dataclass, field
from decimal import Decimal

from peewee import IntegrityError

from . import accounts, casework, i18n, validation
from .audit import record
from .domain.pip import PipDraft, validate_pip
from .extensions import db
from .models import AuditLog, User
from .validation import FieldErrors

MAX_BYTES = 1024 * 1024
MAX_ROWS = 2000
MAX_CELL = 200
NAME_MAX = 120  # as User.name and the "new client" form
# The payload of the preview's "Import" form (compressed file) must stay under the form size limit.
MAX_PAYLOAD = 400_000
REQUIRED = ("name", "contactpersoon_username", "language", "coupled_on")
COLUMNS = ("name", "username", "contactpersoon_username", "language", "coupled_on", "duty_start",
           "pip_dagtekening", "leerroute", "niveau")
PIP_COLUMNS = ("pip_dagtekening", "leerroute", "niveau")
DATE_COLUMNS = ("coupled_on", "duty_start", "pip_dagtekening")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Dutch Excel saves dates as 31-3-2024: day first, always with a four-digit year, so never ambiguous.
DUTCH_DATE = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$")
BATCH = re.compile(r"^[0-9a-f]{32}$")
# Where the errors of create_statushouder and add_pip_version belong in the file.
FIELD_TO_COLUMN = {"name": "name", "username": "username", "coupled_on": "coupled_on", "duty_start": "duty_start",
                   "contactpersoon": "contactpersoon_username", "locale": "language",
                   "dagtekening": "pip_dagtekening", "leerroute": "leerroute", "niveau": "niveau",
                   "change_reason": "pip_dagtekening", "geschatte_intensiteit_b1": "pip_dagtekening",
                   "local_label": "pip_dagtekening", "agreements": "pip_dagtekening"}


class FileError(Exception):
    """The file as a whole cannot be read (code, and the columns concerned when it is about columns)."""

    def __init__(self, code: str, columns: tuple[str, ...] = ()):
        super().__init__(code)
        self.code = code
        # Names from the file are shown back: a few, and short.
        self.columns = tuple(c if len(c) <= 40 else c[:39] + "…" for c in columns[:10])


@dataclass
class Row:
    """One data row of the file: its line number (the header is line 1), values and errors per column."""

    number: int
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    username: str | None = None
    user: User | None = None
    client: object = None
    code: str | None = None
    forms: dict = field(default_factory=dict)

    @property
    def pip(self) -> bool:
        return any(self.values.get(c) for c in PIP_COLUMNS)


def decode(data: bytes) -> str:
    """The file's text: UTF-8, with or without a byte order mark."""
    if len(data) > MAX_BYTES:
        raise FileError("file_too_large")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileError("not_utf8") from None
    if "\x00" in text:
        raise FileError("not_utf8")
    if not text.strip():
        raise FileError("empty")
    return text


def delimiter(header_line: str) -> str:
    """Comma or semicolon (Dutch Excel), whichever the header uses more."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def parse(data: bytes) -> list[Row]:
    """The rows of an uploaded file, or FileError for problems with the file as a whole."""
    text = decode(data)
    first_line = next(line for line in text.splitlines() if line.strip())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(first_line), strict=True)
    try:
        records = [(number, cells) for number, cells in enumerate(reader, start=1)]
    except csv.Error:
        raise FileError("bad_csv") from None
    # Line numbers are the record's position, as a spreadsheet shows them; empty lines are skipped.
    records = [(number, cells) for number, cells in records if any(cell.strip() for cell in cells)]
    if not records:
        raise FileError("empty")
    header = [h.strip().lower().replace(" ", "_") for h in records[0][1]]
    unknown = tuple(h for h in header if h and h not in COLUMNS)
    if unknown:
        raise FileError("unknown_columns", unknown)
    seen = set()
    doubled = tuple(h for h in header if h and (h in seen or seen.add(h)))
    if doubled:
        raise FileError("duplicate_columns", doubled)
    missing = tuple(c for c in REQUIRED if c not in header)
    if missing:
        raise FileError("missing_columns", missing)
    rows = []
    for number, cells in records[1:]:
        if len(rows) >= MAX_ROWS:
            raise FileError("too_many_rows")
        values = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header) if name}
        row = Row(number=number, values=values)
        extra = cells[len(header):]
        if any(cell.strip() for cell in extra):
            row.errors["_row"] = "too_many_values"
        rows.append(row)
    if not rows:
        raise FileError("no_rows")
    return rows


def parse_date(raw: str) -> datetime.date:
    """YYYY-MM-DD, or D-M-YYYY as Dutch Excel writes it; ValueError otherwise."""
    raw = raw.strip()
    if ISO_DATE.match(raw):
        return datetime.date.fromisoformat(raw)
    match = DUTCH_DATE.match(raw)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return datetime.date(year, month, day)
    raise ValueError(raw)


def language(raw: str) -> str | None:
    """A language code, alias or the language's own name → an enabled locale, or None."""
    raw = raw.strip()
    code = i18n.normalize(raw)
    if code:
        return code
    by_name = {name.casefold(): code for code, name in i18n.LANGUAGES.items()}
    return by_name.get(raw.casefold())


def _check(row: Row, contactpersonen: dict[str, User], taken: set[str], in_file: set[str], today, rules) -> None:
    """Every rule of the "new client" and PIP forms for one row, without writing anything; the errors
    go on the row and the forms for accounts.create_statushouder and casework.add_pip_version into
    `row.forms`. `taken`: explicit usernames that exist already; `in_file`: those of earlier rows."""
    values, errors = row.values, row.errors
    for column, value in values.items():
        if len(value) > MAX_CELL:
            errors.setdefault(column, "too_long")
    name = validation.clean(values.get("name"), NAME_MAX, "name", errors, required=True)
    username = values.get("username", "").lower()
    if username:
        if not accounts.USERNAME.match(username):
            errors.setdefault("username", "invalid")
        elif username in in_file:
            errors.setdefault("username", "duplicate_in_file")
        elif username in taken:
            errors.setdefault("username", "username_taken")
    locale = None
    if not values.get("language"):
        errors.setdefault("language", "required")
    else:
        locale = language(values["language"])
        if locale is None:
            errors.setdefault("language", "unknown_language")
    contactpersoon = None
    cp_name = values.get("contactpersoon_username", "").lower()
    if not cp_name:
        errors.setdefault("contactpersoon_username", "required")
    else:
        contactpersoon = contactpersonen.get(cp_name)
        if contactpersoon is None:
            errors.setdefault("contactpersoon_username", "unknown_contactpersoon")
    dates = {}
    for column in DATE_COLUMNS:
        raw = values.get(column, "")
        if not raw:
            if column == "coupled_on":
                errors.setdefault(column, "required")
            continue
        try:
            dates[column] = parse_date(raw)
        except ValueError:
            errors.setdefault(column, "bad_date")
            continue
        if column != "pip_dagtekening" and dates[column] > today:
            errors.setdefault(column, "date_in_future")
    row.forms = {"account": {"name": name, "username": username, "locale": locale,
                             "contactpersoon": str(contactpersoon.public_id) if contactpersoon else None,
                             "coupled_on": dates.get("coupled_on"), "duty_start": dates.get("duty_start")}}
    if not row.pip:
        return
    if not values.get("pip_dagtekening"):
        errors.setdefault("pip_dagtekening", "required")
        return
    if "pip_dagtekening" in errors:
        return
    # The rules add_pip_version applies to the first PIP of a new client (no hours yet).
    draft = PipDraft(dagtekening=dates["pip_dagtekening"], leerroute=values.get("leerroute", "").upper() or None,
                     niveau=values.get("niveau", "").upper() or None, change_reason="INITIEEL")
    for name_, code in validate_pip(draft, [], dates.get("duty_start"), dates.get("coupled_on"), today,
                                    Decimal(0), Decimal(0), rules).items():
        errors.setdefault(FIELD_TO_COLUMN.get(name_, "_row"), code)
    row.forms["pip"] = {"dagtekening": draft.dagtekening, "leerroute": draft.leerroute, "niveau": draft.niveau,
                        "change_reason": draft.change_reason}


@dataclass
class Result:
    rows: list[Row]
    imported: bool

    @property
    def errors(self) -> int:
        return sum(1 for r in self.rows if r.errors)


def check(rows: list[Row], gemeente, today: datetime.date, rules) -> Result:
    """The dry run: every row checked by the rules of the forms, in two queries, writing nothing."""
    contactpersonen = {u.username.lower(): u for u in User.select(User.id, User.public_id, User.username)
                       .where(User.gemeente == gemeente.id, User.role == "contactpersoon",
                              User.active == True)}  # noqa: E712
    wanted = {r.values.get("username", "").lower() for r in rows} - {""}
    taken = {u for (u,) in User.select(User.username).where(User.username.in_(list(wanted))).tuples()} \
        if wanted else set()
    in_file: set[str] = set()
    for row in rows:
        _check(row, contactpersonen, taken, in_file, today, rules)
        if row.forms["account"]["username"]:
            in_file.add(row.forms["account"]["username"])
    return Result(rows=rows, imported=False)


class _Rollback(Exception):
    """Leaves the import transaction without keeping anything."""


def run(rows: list[Row], gemeente, actor, today: datetime.date, rules, issue_code, batch: str) -> Result:
    """The import: check every row again, then create them all in one transaction with the code of the
    "new client" and PIP forms, and give each an activation code (`issue_code(user)` → plain code).
    When any row fails, even at this last moment, nothing is kept."""
    result = check(rows, gemeente, today, rules)
    if result.errors:
        return result
    try:
        with db.atomic():
            _lock_imports(gemeente)
            if already_imported(gemeente, batch):
                raise FileError("already_imported")
            for row in rows:
                try:
                    user, client = accounts.create_statushouder(gemeente, row.forms["account"], actor, today)
                    if "pip" in row.forms:
                        casework.add_pip_version(client, row.forms["pip"], actor, today, rules)
                except FieldErrors as exc:
                    for name, code in exc.errors.items():
                        row.errors.setdefault(FIELD_TO_COLUMN.get(name, "_row"), code)
                    raise _Rollback from None
                except IntegrityError:  # someone took the username since the check
                    row.errors.setdefault("username", "username_taken")
                    raise _Rollback from None
                row.username, row.user, row.client = user.username, user, client
                row.code = issue_code(user)
            record(actor, "clients.imported", ImportBatch(batch), gemeente=gemeente.id,
                   after={"count": len(rows), "batch": batch})
    except _Rollback:
        for row in rows:
            row.username = row.user = row.client = row.code = None
        return Result(rows=rows, imported=False)
    return Result(rows=rows, imported=True)


def _lock_imports(gemeente) -> None:
    """One import per gemeente at a time, so a form sent twice at once is seen as sent twice. SQLite
    takes its write lock when the transaction begins; PostgreSQL needs a transaction-level lock."""
    from .db import is_postgres
    if is_postgres():
        db.execute_sql("SELECT pg_advisory_xact_lock(%s, %s)", (0x4D52494D, gemeente.id))


class ImportBatch:
    """The audit object of one import: its id is the batch id of the preview it came from."""

    def __init__(self, batch: str | None):
        self.public_id = batch or "-"


def already_imported(gemeente, batch: str) -> bool:
    """Whether this preview was imported before (a form sent twice must not create everyone twice)."""
    return AuditLog.select().where(AuditLog.gemeente == gemeente.id, AuditLog.action == "clients.imported",
                                   AuditLog.object_id == batch).exists()


def pack(data: bytes) -> str:
    """The file for the preview's hidden field (compressed); FileError when it would be too large."""
    payload = base64.b64encode(zlib.compress(data, 9)).decode("ascii")
    if len(payload) > MAX_PAYLOAD:
        raise FileError("file_too_large")
    return payload


def unpack(payload: str) -> bytes:
    """The file back from the preview's hidden field; FileError when it was tampered with."""
    try:
        raw = base64.b64decode(payload.encode("ascii"), validate=True)
        inflater = zlib.decompressobj()
        data = inflater.decompress(raw, MAX_BYTES + 1)
    except (ValueError, zlib.error, UnicodeEncodeError):
        raise FileError("bad_payload") from None
    if inflater.unconsumed_tail or len(data) > MAX_BYTES:
        raise FileError("file_too_large")
    return data
