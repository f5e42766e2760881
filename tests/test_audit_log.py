"""The audit log: append-only in the code, and readable by the gemeente admin (own gemeente only)."""
import ast
import datetime
import html
import re
from pathlib import Path

from tests.helpers import login, q, text
from tracker.audit import record
from tracker.models import AuditLog, utcnow

ROOT = Path(__file__).resolve().parent.parent / "tracker"
# Calls that change or remove rows; on AuditLog (the class or a row of it) each one is a violation.
CHANGING = {"update", "delete", "delete_instance", "save", "execute_sql", "replace", "replace_many",
            "insert_from", "truncate_table", "drop_table", "on_conflict_replace"}
RAW_SQL = re.compile(r"""\b(UPDATE\s+(ONLY\s+)?["'`]?audit_log\b|DELETE\s+FROM\s+(ONLY\s+)?["'`]?audit_log\b|"""
                     r"""TRUNCATE\s+(TABLE\s+)?[^;]*\baudit_log\b|DROP\s+TABLE\s+[^;]*\baudit_log\b)""",
                     re.IGNORECASE)
# Calls whose result is an AuditLog row (tracker.audit.record returns the row it wrote).
RETURNS_ROW = {"record"}


def _root(node):
    """The name an expression starts from: AuditLog.select().where(...) → 'AuditLog'; list(rows) → 'rows'."""
    while True:
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id in ("list", "iter", "next", "sorted", "reversed",
                                                                  "tuple") and node.args:
                node = node.args[0]
            else:
                node = node.func
        elif isinstance(node, ast.Await):
            node = node.value
        else:
            return node.id if isinstance(node, ast.Name) else None


def _returns_row(node) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Name) and func.id in RETURNS_ROW) or \
        (isinstance(func, ast.Attribute) and func.attr in RETURNS_ROW)


def _targets(target):
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for item in target.elts:
            yield from _targets(item)
    elif isinstance(target, ast.Starred):
        yield from _targets(target.value)


def _scope_violations(scope, tainted: set[str], where: str) -> list[str]:
    """Follow names bound to AuditLog, its queries and its rows through one scope (to a fixed point)."""
    tainted = set(tainted)
    nodes = list(ast.walk(scope))
    changed = True
    while changed:
        changed = False
        for node in nodes:
            value, targets = None, []
            if isinstance(node, ast.Assign):
                value, targets = node.value, node.targets
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)) and node.value is not None:
                value, targets = node.value, [node.target]
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                value, targets = node.iter, [node.target]
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None and (_root(item.context_expr) in tainted
                                                           or _returns_row(item.context_expr)):
                        for name in _targets(item.optional_vars):
                            if name not in tainted:
                                tainted.add(name)
                                changed = True
                continue
            if value is None:
                continue
            if _root(value) in tainted or _returns_row(value):
                for target in targets:
                    for name in _targets(target):
                        if name not in tainted:
                            tainted.add(name)
                            changed = True
    found = []
    for node in nodes:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CHANGING:
            receiver = node.func.value
            if _root(receiver) in tainted or _returns_row(receiver):
                found.append(f"{where}:{node.lineno}: .{node.func.attr}() on {ast.unparse(receiver)[:60]}")
    return found


def violations(source: str, where: str = "<source>") -> list[str]:
    """Every place in `source` that could change or remove audit rows."""
    tree = ast.parse(source)
    names = {"AuditLog"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names |= {alias.asname for alias in node.names if alias.name == "AuditLog" and alias.asname}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and RAW_SQL.search(node.value):
            found.append(f"{where}:{node.lineno}: raw SQL changes audit_log: {node.value[:60]!r}")
        elif isinstance(node, ast.JoinedStr):
            joined = "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
            if RAW_SQL.search(joined):
                found.append(f"{where}:{node.lineno}: raw SQL changes audit_log: {joined[:60]!r}")
    # Module level, then each function on its own (names are per scope; aliases of the class count everywhere).
    module_names = set(names)
    for node in tree.body:
        if isinstance(node, ast.Assign) and _root(node.value) in names:
            for target in node.targets:
                module_names |= set(_targets(target))
    found += _scope_violations(ast.Module(body=[n for n in tree.body if not isinstance(
        n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))], type_ignores=[]), module_names, where)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            found += _scope_violations(node, module_names, where)
    return sorted(set(found))


def test_the_scanner_finds_changes_to_audit_rows():
    """The check below is only worth something if it catches the ways to change a row."""
    bad = '''
from .models import AuditLog, AuditLog as Log
def a(): AuditLog.update(action="x").where(AuditLog.id == 1).execute()
def b(): AuditLog.delete().execute()
def c():
    row = AuditLog.get_by_id(1)
    row.after = None
    row.save()
def d():
    for row in AuditLog.select().where(AuditLog.client == 3):
        row.delete_instance()
def e(): db.execute_sql("UPDATE audit_log SET before = NULL")
def f(): db.execute_sql('DELETE FROM "audit_log" WHERE id = 1')
def g():
    query = AuditLog.select()
    rows = list(query.where(AuditLog.id > 1))
    rows[0].save()
def h():
    entry = record(actor, "x", obj)
    entry.save()
def i(): Log.delete().execute()
def j(): AuditLog._meta.database.execute_sql("SELECT 1")
def k(): db.execute_sql(f"TRUNCATE audit_log, {names}")
'''
    found = violations(bad)
    lines = sorted({int(f.split(":")[1]) for f in found})
    assert lines == [3, 4, 8, 11, 12, 13, 17, 20, 21, 22, 23], found  # one per function a … k
    fine = '''
def ok(client):
    AuditLog.create(action="x")
    rows = list(AuditLog.select())
    client.save()
    Entry.update(status="X").execute()
    db.execute_sql("UPDATE entry SET status = 'X'")
    record(actor, "x", obj)
'''
    assert violations(fine) == []


def test_audit_log_is_append_only_in_the_code():
    files = sorted(ROOT.rglob("*.py"))
    assert len(files) > 20
    found = []
    for path in files:
        found += violations(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT.parent)))
    assert not found, "code that changes or deletes audit rows:\n" + "\n".join(found)


# --- the admin's audit log page ------------------------------------------------------------------


def actions_on(page: str) -> list[str]:
    return [html.unescape(a) for a in re.findall(r'<td><code dir="ltr">([^<]+)</code>', page)]


def test_admin_reads_the_audit_log_of_own_gemeente_only(app, world):
    def setup():
        record(world.cp, "entry.confirmed", world.client, client=world.client, after={"status": "CONFIRMED"})
        record(world.cp2, "pip.adopted", world.client, client=world.client)
        record(None, "retention.anonymised", world.client, client=world.client)
        record(world.other_cp, "entry.confirmed", world.other_client, client=world.other_client,
               after={"place": "Geheime plek B"})
        old = record(world.cp, "client.viewed", world.client, client=world.client)
        # Rows can only be created; this one is made "old" at creation time for the date filter.
        AuditLog.create(gemeente=world.gemeente, actor=world.cp, client=world.client, action="client.viewed",
                        object_type="Client", object_id=str(world.client.public_id),
                        created_at=utcnow() - datetime.timedelta(days=40))
        return old
    q(setup)
    admin = login(app, "admin-a")
    response = admin.get("/admin/audit")
    assert response.status_code == 200
    page = text(response)
    assert "Geheime plek B" not in page and "Yonas" not in page
    shown = actions_on(page)
    assert shown[:4] == ["client.viewed", "retention.anonymised", "pip.adopted", "entry.confirmed"], shown
    assert 'href="/admin/audit"' in page  # the menu entry

    assert set(actions_on(text(admin.get("/admin/audit?action=entry.")))) == {"entry.confirmed"}
    assert len(actions_on(text(admin.get("/admin/audit?action=entry.")))) == 1
    by_cp2 = actions_on(text(admin.get(f"/admin/audit?actor={world.cp2.public_id}")))
    assert by_cp2 == ["pip.adopted"]
    assert actions_on(text(admin.get("/admin/audit?actor=system"))) == ["retention.anonymised"]
    about = actions_on(text(admin.get(f"/admin/audit?client={world.client.public_id}")))
    assert len(about) == 5
    assert actions_on(text(admin.get(f"/admin/audit?client={world.other_client.public_id}"))) == []
    today = datetime.date.today()
    recent = actions_on(text(admin.get(f"/admin/audit?date_from={(today - datetime.timedelta(days=2)).isoformat()}")))
    assert len(recent) == 4 and len(actions_on(page)) == 5
    old = actions_on(text(admin.get(f"/admin/audit?date_to={(today - datetime.timedelta(days=30)).isoformat()}")))
    assert old == ["client.viewed"]

    for bad in ("client=not-an-id", "date_from=gisteren", "date_to=2024-13-45", "date_to=9999-12-31",
                "date_from=0001-01-01", f"actor={world.other_cp.public_id}"):
        response = admin.get(f"/admin/audit?{bad}")
        assert response.status_code == 400, bad
        assert "field-error" in text(response) and "Yonas" not in text(response)
    for odd in ("page=abc", "page=%C2%B2", "page=-1", "action=%00entry", "client=%00"):
        assert admin.get(f"/admin/audit?{odd}").status_code in (200, 400), odd


def test_audit_log_pages_by_50(app, world):
    def setup():
        for n in range(60):
            record(world.cp, f"test.row{n:02d}", world.client, client=world.client)
    q(setup)
    admin = login(app, "admin-a")
    first = text(admin.get("/admin/audit?action=test."))
    assert len(actions_on(first)) == 50 and actions_on(first)[0] == "test.row59"
    assert "page=2" in first and "page=0" not in first
    second = text(admin.get("/admin/audit?action=test.&page=2"))
    assert actions_on(second) == [f"test.row{n:02d}" for n in range(9, -1, -1)]
    assert "page=1" in second and "page=3" not in second


def test_only_admins_read_the_audit_log(app, world):
    for username in ("cp-a", "sh-a"):
        assert login(app, username).get("/admin/audit").status_code == 403
