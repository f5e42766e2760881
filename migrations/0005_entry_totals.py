"""Hour totals per client, category, status and intake, kept in step with the entries by triggers.

Pages and the reminder planner read these few rows per person instead of every entry. The
triggers add and subtract each entry row (insert, delete, and an update of its client, category,
status, date, hours or physical flag); a change of a client's PIP versions recounts that client,
because the first PIP's dagtekening decides which entries are intake. Existing entries are counted
once here.
"""
from peewee import *

SQLITE_FAR = "'9999-12-31'"
PG_FAR = "DATE '9999-12-31'"

SQLITE_TRIGGERS = [
    "DROP TRIGGER IF EXISTS entry_total_insert",
    "DROP TRIGGER IF EXISTS entry_total_delete",
    "DROP TRIGGER IF EXISTS entry_total_update",
    "DROP TRIGGER IF EXISTS entry_total_pip_insert",
    "DROP TRIGGER IF EXISTS entry_total_pip_delete",
    "DROP TRIGGER IF EXISTS entry_total_pip_update",
]


def _sqlite_intake(row: str, date: str) -> str:
    return (f"({date} <= COALESCE((SELECT MIN(dagtekening) FROM pip_version WHERE client_id = {row}.client_id), "
            f"{SQLITE_FAR}))")


def _sqlite_add() -> str:
    return f"""INSERT INTO entry_total (client_id, category, status, intake, entries, hours, physical_hours, last_date)
        VALUES (NEW.client_id, NEW.category, NEW.status, {_sqlite_intake('NEW', 'NEW.entry_date')}, 1, NEW.hours,
                CASE WHEN NEW.physical THEN NEW.hours ELSE 0 END, NEW.entry_date)
        ON CONFLICT (client_id, category, status, intake) DO UPDATE SET
            entries = entries + 1, hours = hours + excluded.hours,
            physical_hours = physical_hours + excluded.physical_hours,
            last_date = MAX(COALESCE(last_date, excluded.last_date), excluded.last_date);"""


def _sqlite_remove() -> str:
    old_intake = _sqlite_intake("OLD", "OLD.entry_date")
    e_intake = _sqlite_intake("OLD", "e.entry_date")
    return f"""UPDATE entry_total SET
            entries = entries - 1, hours = hours - OLD.hours,
            physical_hours = physical_hours - CASE WHEN OLD.physical THEN OLD.hours ELSE 0 END,
            last_date = CASE WHEN last_date = OLD.entry_date THEN (
                SELECT MAX(e.entry_date) FROM entry e WHERE e.client_id = OLD.client_id AND e.category = OLD.category
                AND e.status = OLD.status AND e.id <> OLD.id AND {e_intake} = {old_intake}) ELSE last_date END
        WHERE client_id = OLD.client_id AND category = OLD.category AND status = OLD.status AND intake = {old_intake};
        DELETE FROM entry_total WHERE client_id = OLD.client_id AND entries <= 0;"""


def _sqlite_recount(row: str) -> str:
    intake = f"CASE WHEN e.entry_date <= COALESCE((SELECT MIN(dagtekening) FROM pip_version WHERE client_id = {row}.client_id), {SQLITE_FAR}) THEN 1 ELSE 0 END"
    return f"""DELETE FROM entry_total WHERE client_id = {row}.client_id;
        INSERT INTO entry_total (client_id, category, status, intake, entries, hours, physical_hours, last_date)
        SELECT e.client_id, e.category, e.status, {intake}, COUNT(*), SUM(e.hours),
               SUM(CASE WHEN e.physical THEN e.hours ELSE 0 END), MAX(e.entry_date)
        FROM entry e WHERE e.client_id = {row}.client_id
          AND EXISTS (SELECT 1 FROM client c WHERE c.id = {row}.client_id)
        GROUP BY e.client_id, e.category, e.status, {intake};"""


def sqlite_statements() -> list[str]:
    return SQLITE_TRIGGERS + [
        f"CREATE TRIGGER entry_total_insert AFTER INSERT ON entry BEGIN {_sqlite_add()} END",
        f"CREATE TRIGGER entry_total_delete AFTER DELETE ON entry BEGIN {_sqlite_remove()} END",
        "CREATE TRIGGER entry_total_update AFTER UPDATE OF client_id, category, status, entry_date, hours, physical "
        f"ON entry BEGIN {_sqlite_remove()} {_sqlite_add()} END",
        f"CREATE TRIGGER entry_total_pip_insert AFTER INSERT ON pip_version BEGIN {_sqlite_recount('NEW')} END",
        f"CREATE TRIGGER entry_total_pip_delete AFTER DELETE ON pip_version BEGIN {_sqlite_recount('OLD')} END",
        "CREATE TRIGGER entry_total_pip_update AFTER UPDATE OF client_id, dagtekening ON pip_version "
        f"BEGIN {_sqlite_recount('OLD')} {_sqlite_recount('NEW')} END",
    ]


POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION entry_total_first_pip(p_client integer) RETURNS date LANGUAGE sql STABLE AS $$
        SELECT COALESCE(MIN(dagtekening), {PG_FAR}) FROM pip_version WHERE client_id = p_client $$""",
    """CREATE OR REPLACE FUNCTION entry_total_recount(p_client integer) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE v_first date := entry_total_first_pip(p_client);
    BEGIN
        DELETE FROM entry_total WHERE client_id = p_client;
        IF EXISTS (SELECT 1 FROM client WHERE id = p_client) THEN
            INSERT INTO entry_total (client_id, category, status, intake, entries, hours, physical_hours, last_date)
            SELECT client_id, category, status, CASE WHEN entry_date <= v_first THEN 1 ELSE 0 END, COUNT(*),
                   SUM(hours), SUM(CASE WHEN physical THEN hours ELSE 0 END), MAX(entry_date)
            FROM entry WHERE client_id = p_client
            GROUP BY client_id, category, status, CASE WHEN entry_date <= v_first THEN 1 ELSE 0 END;
        END IF;
    END $$""",
    """CREATE OR REPLACE FUNCTION entry_total_on_entry() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE v_first date; v_intake integer;
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            v_first := entry_total_first_pip(OLD.client_id);
            v_intake := CASE WHEN OLD.entry_date <= v_first THEN 1 ELSE 0 END;
            UPDATE entry_total SET
                entries = entries - 1, hours = hours - OLD.hours,
                physical_hours = physical_hours - CASE WHEN OLD.physical THEN OLD.hours ELSE 0 END,
                last_date = CASE WHEN last_date = OLD.entry_date THEN (
                    SELECT MAX(e.entry_date) FROM entry e WHERE e.client_id = OLD.client_id
                    AND e.category = OLD.category AND e.status = OLD.status AND e.id <> OLD.id
                    AND (CASE WHEN e.entry_date <= v_first THEN 1 ELSE 0 END) = v_intake) ELSE last_date END
            WHERE client_id = OLD.client_id AND category = OLD.category AND status = OLD.status AND intake = v_intake;
            DELETE FROM entry_total WHERE client_id = OLD.client_id AND category = OLD.category
                AND status = OLD.status AND intake = v_intake AND entries <= 0;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            v_first := entry_total_first_pip(NEW.client_id);
            INSERT INTO entry_total (client_id, category, status, intake, entries, hours, physical_hours, last_date)
            VALUES (NEW.client_id, NEW.category, NEW.status, CASE WHEN NEW.entry_date <= v_first THEN 1 ELSE 0 END,
                    1, NEW.hours, CASE WHEN NEW.physical THEN NEW.hours ELSE 0 END, NEW.entry_date)
            ON CONFLICT (client_id, category, status, intake) DO UPDATE SET
                entries = entry_total.entries + 1, hours = entry_total.hours + EXCLUDED.hours,
                physical_hours = entry_total.physical_hours + EXCLUDED.physical_hours,
                last_date = GREATEST(entry_total.last_date, EXCLUDED.last_date);
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION entry_total_on_pip() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN PERFORM entry_total_recount(OLD.client_id); END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.client_id <> OLD.client_id) THEN
            PERFORM entry_total_recount(NEW.client_id);
        END IF;
        RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS entry_total_on_entry ON entry",
    "CREATE TRIGGER entry_total_on_entry AFTER INSERT OR DELETE OR UPDATE OF client_id, category, status, entry_date, "
    "hours, physical ON entry FOR EACH ROW EXECUTE FUNCTION entry_total_on_entry()",
    "DROP TRIGGER IF EXISTS entry_total_on_pip ON pip_version",
    "CREATE TRIGGER entry_total_on_pip AFTER INSERT OR DELETE OR UPDATE OF client_id, dagtekening ON pip_version "
    "FOR EACH ROW EXECUTE FUNCTION entry_total_on_pip()",
]


def _is_postgres(db) -> bool:
    return isinstance(db, PostgresqlDatabase)


def up(migrator, db):
    class Client(Model):
        class Meta:
            database = db
            table_name = "client"

    class EntryTotal(Model):
        client = ForeignKeyField(Client, on_delete="CASCADE", index=False)
        category = CharField(max_length=40)
        status = CharField(max_length=20)
        intake = IntegerField()
        entries = IntegerField()
        hours = DecimalField(max_digits=12, decimal_places=2, auto_round=True)
        physical_hours = DecimalField(max_digits=12, decimal_places=2, auto_round=True)
        last_date = DateField(null=True)

        class Meta:
            database = db
            table_name = "entry_total"
            indexes = ((("client", "category", "status", "intake"), True),)

    db.create_tables([EntryTotal])
    for sql in (POSTGRES if _is_postgres(db) else sqlite_statements()):
        db.execute_sql(sql)
    far = PG_FAR if _is_postgres(db) else SQLITE_FAR
    intake = f"CASE WHEN e.entry_date <= COALESCE(f.first, {far}) THEN 1 ELSE 0 END"
    db.execute_sql(
        "INSERT INTO entry_total (client_id, category, status, intake, entries, hours, physical_hours, last_date) "
        f"SELECT e.client_id, e.category, e.status, {intake}, COUNT(*), SUM(e.hours), "
        "SUM(CASE WHEN e.physical THEN e.hours ELSE 0 END), MAX(e.entry_date) FROM entry e "
        "LEFT JOIN (SELECT client_id, MIN(dagtekening) AS first FROM pip_version GROUP BY client_id) f "
        f"ON f.client_id = e.client_id GROUP BY e.client_id, e.category, e.status, {intake}")


def down(migrator, db):
    if _is_postgres(db):
        for sql in ("DROP TRIGGER IF EXISTS entry_total_on_entry ON entry",
                    "DROP TRIGGER IF EXISTS entry_total_on_pip ON pip_version",
                    "DROP FUNCTION IF EXISTS entry_total_on_entry()", "DROP FUNCTION IF EXISTS entry_total_on_pip()",
                    "DROP FUNCTION IF EXISTS entry_total_recount(integer)",
                    "DROP FUNCTION IF EXISTS entry_total_first_pip(integer)"):
            db.execute_sql(sql)
    else:
        for sql in SQLITE_TRIGGERS:
            db.execute_sql(sql)
    db.execute_sql('DROP TABLE IF EXISTS "entry_total"')
