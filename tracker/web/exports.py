"""Casework tools: the DUO-shaped export (per client and per gemeente, JSON and CSV) and the client import
from CSV for gemeente admins."""
import datetime
import json
import secrets

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user

from .. import client_import, duo_export
from ..audit import record
from ..client_import import FileError
from ..facts import rules_for
from ..models import Client, User
from .access import allow, staff_client
from .auth import issue_activation_code
from .labels import DUO_COUNTER, DUO_DATE, IMPORT_COLUMN, IMPORT_FILE_ERROR, error_text
from .timeutil import local_today

bp = Blueprint("exports", __name__)

# The columns of the import file: (name, required, explanation).
IMPORT_COLUMNS = tuple((name, name in client_import.REQUIRED, IMPORT_COLUMN[name]) for name in client_import.COLUMNS)


def _download(body: str, mimetype: str, filename: str):
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _gemeentecode(gemeente) -> str | None:
    return (gemeente.settings or {}).get("gemeentecode")


def _send(docs: list[dict], gemeente, fmt: str, name: str, today: datetime.date):
    """The export as a JSON document or a CSV file."""
    if fmt == "json":
        body = json.dumps(duo_export.document(gemeente.name, docs, today), ensure_ascii=False, indent=2)
        return _download(body, "application/json", f"{name}-{today.isoformat()}.json")
    return _download(duo_export.to_csv(docs), "text/csv", f"{name}-{today.isoformat()}.csv")


# --- per client (contactpersoon) ------------------------------------------------------------------

def _client_doc(client) -> tuple[dict, datetime.date]:
    today = local_today(client.gemeente)
    rows = duo_export.load([client], today)[0]
    return duo_export.client_document(rows, today, _gemeentecode(client.gemeente)), today


@bp.get("/staff/clients/<client_id>/duo")
@allow("contactpersoon")
def client_export(client_id):
    """What the export of one client holds, with the JSON and CSV downloads."""
    client = staff_client(client_id)
    doc, today = _client_doc(client)
    known_through = datetime.date.fromisoformat(doc["gevolgdeUren"]["bekendTot"]) - datetime.timedelta(days=1)
    return render_template("exports/client.html", client=client, doc=doc, today=today, known_through=known_through,
                           counters=duo_export.COUNTERS, dates=duo_export.DATES, counter_labels=DUO_COUNTER,
                           date_labels=DUO_DATE, message=error_text)


def _client_file(client_id, fmt: str):
    client = staff_client(client_id)
    doc, today = _client_doc(client)
    record(current_user, "export.duo", client, client=client,
           after={"scope": "client", "format": fmt, "count": 1})
    return _send([doc], client.gemeente, fmt, f"duo-{client.public_id}", today)


@bp.get("/staff/clients/<client_id>/duo.json")
@allow("contactpersoon")
def client_json(client_id):
    """One client's DUO bodies as JSON (the BSN is added by the gemeente's own system)."""
    return _client_file(client_id, "json")


@bp.get("/staff/clients/<client_id>/duo.csv")
@allow("contactpersoon")
def client_csv(client_id):
    """One client's DUO numbers and dates as CSV."""
    return _client_file(client_id, "csv")


# --- whole gemeente (admin) -----------------------------------------------------------------------

@bp.get("/admin/duo")
@allow("admin")
def gemeente_export():
    """The DUO export of the whole gemeente: what it holds and the downloads."""
    gemeente = current_user.gemeente
    count = Client.select().where(Client.gemeente == gemeente.id).count()
    return render_template("exports/gemeente.html", count=count, today=local_today(gemeente),
                           counters=duo_export.COUNTERS, dates=duo_export.DATES, counter_labels=DUO_COUNTER,
                           date_labels=DUO_DATE)


def _gemeente_file(fmt: str):
    gemeente = current_user.gemeente
    today = local_today(gemeente)
    clients = list(Client.select().where(Client.gemeente == gemeente.id).order_by(Client.id))
    code = _gemeentecode(gemeente)
    docs = [duo_export.client_document(rows, today, code) for rows in duo_export.load(clients, today)]
    record(current_user, "export.duo", gemeente, gemeente=gemeente.id,
           after={"scope": "gemeente", "format": fmt, "count": len(docs)})
    return _send(docs, gemeente, fmt, f"duo-{gemeente.slug}", today)


@bp.get("/admin/duo.json")
@allow("admin")
def gemeente_json():
    """Every client of the gemeente: DUO bodies as JSON."""
    return _gemeente_file("json")


@bp.get("/admin/duo.csv")
@allow("admin")
def gemeente_csv():
    """Every client of the gemeente: DUO numbers and dates as CSV."""
    return _gemeente_file("csv")


# --- client import (admin) ------------------------------------------------------------------------

def _file_error(exc: FileError) -> str:
    text = IMPORT_FILE_ERROR.get(exc.code, IMPORT_FILE_ERROR["bad_csv"])
    return str(text) % {"columns": ", ".join(exc.columns)} if exc.columns else str(text)


def _import_page(status: int = 200, **context):
    gemeente = current_user.gemeente
    context.setdefault("result", None)
    context.setdefault("file_error", None)
    context.setdefault("staff_names", {})
    return render_template("exports/import.html", columns=IMPORT_COLUMNS, message=error_text,
                           today=local_today(gemeente), **context), status


@bp.route("/admin/import", methods=["GET", "POST"])
@allow("admin")
def import_clients():
    """Import clients from CSV: first a check of every row (nothing saved), then the import of all
    rows at once, only when no row has an error. Afterwards the activation codes, shown once."""
    if request.method == "GET":
        return _import_page()
    gemeente = current_user.gemeente
    today = local_today(gemeente)
    commit = request.form.get("action") == "import"
    try:
        if commit:
            batch = request.form.get("batch", "")
            if not client_import.BATCH.match(batch):
                raise FileError("bad_payload")
            if client_import.already_imported(gemeente, batch):
                raise FileError("already_imported")
            data = client_import.unpack(request.form.get("payload", ""))
        else:
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                raise FileError("required")
            data = upload.read(client_import.MAX_BYTES + 1)
            batch = secrets.token_hex(16)
        rows = client_import.parse(data)
        payload = client_import.pack(data)
    except FileError as exc:
        return _import_page(400, file_error=_file_error(exc))

    days = current_app.config["ACTIVATION_DAYS"]
    if commit:
        try:
            result = client_import.run(rows, gemeente, current_user, today, rules_for(gemeente), batch=batch,
                                       issue_code=lambda user: issue_activation_code(user, current_user, days))
        except FileError as exc:  # imported meanwhile by the same form sent twice
            return _import_page(400, file_error=_file_error(exc))
    else:
        result = client_import.check(rows, gemeente, today, rules_for(gemeente))
    staff_names = {u.username.lower(): u.name for u in User.select(User.username, User.name).where(
        User.gemeente == gemeente.id, User.role == "contactpersoon")}
    if result.imported:
        response = current_app.make_response(render_template(
            "exports/import_done.html", rows=result.rows, staff_names=staff_names,
            expires=today + datetime.timedelta(days=days), link=url_for("auth.activate", _external=True)))
        response.headers["Cache-Control"] = "no-store"
        return response
    return _import_page(400 if result.errors else 200, result=result, payload=payload, batch=batch,
                        commit=commit, staff_names=staff_names)


@bp.get("/admin/import/template.csv")
@allow("admin")
def import_template():
    """An empty import file with the header row."""
    return _download(",".join(client_import.COLUMNS) + "\r\n", "text/csv", "clients-import.csv")
