"""A synthetic national data set, bulk-loaded.

Shape (for size "full"): 342 gemeenten of very different sizes (a few large cities, many small
towns), 1,500 contactpersonen, 100,000 statushouders spread over every leerroute and every stage
(brede intake without a PIP, early/middle/late in the termijn, termijn passed with or without a
verlenging, duty fulfilled), ≥ 5,000,000 hour and attendance entries (attendance entries belong to
the gemeente's weekly group sessions), appointments, PIP versions, steps, exam parts and attempts,
inbox messages and audit rows.

Loading: the schema comes from the real migrations; then the secondary indexes (and triggers) of
the tables are dropped, the rows are written in big batches inside one transaction per table
(`executemany` on SQLite, `COPY … FROM STDIN` on PostgreSQL, foreign-key checks off), and the
indexes and triggers are created again and the tables analysed — the usual way to bulk-load.
Every column the models add later is filled with the model's default, so new columns do not
break the generator.

One contactpersoon ("bench-cp") has exactly `size.caseload` clients with `size.inbox` entries
waiting; one statushouder ("bench-sh") is a B1-route client late in the termijn with three times
the average number of entries, exam attempts and appointments. All accounts share one password.
"""
import datetime
import io
import json
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlparse

from tracker import db as database
from tracker.extensions import db
from tracker.models import (AuditLog, Appointment, Client, Entry, ExamAttempt, ExamPart, Gemeente, GroupSession,
                            Message, PipVersion, Step, User, Verlenging)
from argon2 import PasswordHasher

PASSWORD = "bench-wachtwoord"
LOCALES = ["nl"] * 20 + ["en"] * 8 + ["ar"] * 25 + ["ti"] * 20 + ["fa"] * 6 + ["fa_AF"] * 5 + ["tr"] * 8 \
    + ["ku"] * 4 + ["ps"] * 2 + ["so"] * 2
FIRST = ["Amira", "Yonas", "Samir", "Fatima", "Ahmad", "Hiwet", "Mohammed", "Selam", "Omar", "Layla", "Dawit",
         "Nour", "Reza", "Zahra", "Abdi", "Hana", "Mustafa", "Senait", "Karim", "Maryam", "Tesfay", "Rania"]
LAST = ["Haddad", "Tesfay", "Al-Masri", "Gebremedhin", "Ahmadi", "Yusuf", "Kebede", "Hosseini", "Khalil",
        "Mohammadi", "Berhane", "Osman", "Rahimi", "Nasser", "Haile", "Farah", "Karimi", "Saleh"]
STAFF_FIRST = ["Sanne", "Pieter", "Fleur", "Daan", "Lotte", "Bram", "Eva", "Joris", "Noor", "Thijs", "Iris"]
STAFF_LAST = ["de Vries", "Bakker", "Jansen", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Bos", "Vos"]
PLACES = ["Taalschool De Brug", "Bibliotheek", "Buurthuis De Kern", "Voedselbank", "Kringloop", "ROC",
          "Vluchtelingenwerk", "Sportclub", "Zorgcentrum De Linde"]

STAGES = [("intake", 8), ("early", 25), ("mid", 28), ("late", 22), ("overdue", 6), ("done", 11)]
ROUTES = [("B", 60), ("Z", 25), ("O", 15)]
CATEGORIES = {
    "B": [("TAALLES", 45), ("KNM_LES", 10), ("PARTICIPATIE_VRIJWILLIGERSWERK", 12), ("MAP_PRAKTIJK", 8),
          ("MAP_WORKSHOP", 5), ("PVT_SESSIE", 5), ("PARTICIPATIE_STAGE", 5), ("PARTICIPATIE_BETAALD_WERK", 5),
          ("ZELFSTUDIE", 5)],
    "Z": [("TAALLES", 30), ("ALFABETISERING", 20), ("PARTICIPATIE_VRIJWILLIGERSWERK", 15),
          ("PARTICIPATIE_OVERIG", 15), ("KNM_LES", 5), ("MAP_PRAKTIJK", 5), ("MAP_WORKSHOP", 5), ("PVT_SESSIE", 5)],
    "O": [("TAALLES", 70), ("KNM_LES", 10), ("ZELFSTUDIE", 10), ("PVT_SESSIE", 5), ("PARTICIPATIE_OVERIG", 5)],
    None: [("TAALLES", 50), ("KNM_LES", 20), ("PARTICIPATIE_OVERIG", 20), ("PVT_SESSIE", 10)],
}
SESSION_CATEGORIES = ("KNM_LES", "PVT_SESSIE", "MAP_WORKSHOP")
HOURS = [1.0, 1.5, 2.0, 2.0, 2.5, 3.0, 3.0, 4.0]
EXAM_PARTS = ("LE", "LU", "SC", "SP", "KNM")
STEP_CODES = ("KOPPELING", "KENNISMAKING", "WONING", "BREDE_INTAKE", "PLAN", "PIP", "LEERROUTE", "AFRONDING")
SESSION_WEEKS = 190          # weekly group sessions from ~3.6 years ago …
SESSION_AHEAD_WEEKS = 2      # … until two weeks ahead


def _cum(pairs):
    names, total, cum = [], 0, []
    for name, weight in pairs:
        total += weight
        names.append(name)
        cum.append(total)
    return names, cum


STAGE_NAMES, STAGE_CUM = _cum(STAGES)
ROUTE_NAMES, ROUTE_CUM = _cum(ROUTES)
CAT_TABLE = {route: _cum(pairs) for route, pairs in CATEGORIES.items()}


@dataclass
class Dataset:
    """What the runner needs to know about the generated data."""

    size: object
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0
    bench_sh: str = "bench-sh"
    light_sh: str = ""
    bench_cp: str = "bench-cp"
    light_cp: str = ""
    bench_client: str = ""          # public id of bench-sh's file (client detail)
    light_client: str = ""
    log_users: list = field(default_factory=list)       # statushouders who log entries in the benchmark
    load_statushouders: list = field(default_factory=list)
    load_contactpersonen: list = field(default_factory=list)


@dataclass(slots=True)
class _Client:
    id: int
    user_id: int
    gemeente: int            # index
    cp: int | None           # user id
    stage: str
    route: str | None
    coupled: datetime.date
    pip: datetime.date | None
    n_entries: int = 0
    pending_quota: int = -1  # ≥ 0: exactly this many SUBMITTED entries (bench-cp's clients)


def _hex(rng: random.Random) -> str:
    return "%032x" % rng.getrandbits(128)


# -- the database side ---------------------------------------------------------------------------

def fresh_database(url: str) -> None:
    """An empty database at `url` (the SQLite file removed, or the PostgreSQL database recreated)."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        from pathlib import Path
        path = Path(url[len("sqlite:///"):])
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    import psycopg2
    name = parsed.path.lstrip("/")
    conn = psycopg2.connect(dbname="postgres", user=parsed.username or "postgres", host=parsed.hostname,
                            port=parsed.port or 5432, password=parsed.password)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


class BulkWriter:
    """Writes rows of tuples into a table, filling every other column with the model's default."""

    CHUNK = 50_000

    def __init__(self):
        self.pg = database.is_postgres()
        self.conn = db.connection()
        self.counts: dict[str, int] = {}

    def _value(self, value):
        if value is None:
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, (datetime.datetime, datetime.date, Decimal)):
            return str(value)
        return value

    def _extras(self, model, given):
        names, values = [], []
        for f in model._meta.sorted_fields:
            if f.name in given or f.primary_key:
                continue
            default = f.default() if callable(f.default) else f.default
            if default is None and not f.null:
                raise RuntimeError(f"{model.__name__}.{f.name}: no default; teach bench/generate.py about it")
            names.append(f.column_name)
            values.append(self._value(f.db_value(default)))
        return names, tuple(values)

    def load(self, model, given: list[str], rows) -> int:
        fields = model._meta.fields
        columns = [fields[name].column_name for name in given]
        extra_names, extra = self._extras(model, set(given))
        columns += extra_names
        table = model._meta.table_name
        count = 0
        if self.pg:
            copy = f'COPY "{table}" ({", ".join(columns)}) FROM STDIN'
            tail = "".join("\t" + ("\\N" if v is None else str(v)) for v in extra)
            with self.conn.cursor() as cur:
                buffer, n = io.StringIO(), 0
                for row in rows:
                    buffer.write("\t".join("\\N" if v is None else str(v) for v in row))
                    buffer.write(tail)
                    buffer.write("\n")
                    n += 1
                    if n == self.CHUNK:
                        buffer.seek(0)
                        cur.copy_expert(copy, buffer)
                        count += n
                        buffer, n = io.StringIO(), 0
                if n:
                    buffer.seek(0)
                    cur.copy_expert(copy, buffer)
                    count += n
        else:
            sql = (f'INSERT INTO "{table}" ({", ".join(columns)}) '
                   f'VALUES ({", ".join("?" * len(columns))})')
            batch = []
            for row in rows:
                batch.append(row + extra if extra else row)
                if len(batch) == self.CHUNK:
                    self.conn.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                self.conn.executemany(sql, batch)
                count += len(batch)
        self.counts[table] = self.counts.get(table, 0) + count
        return count

    # Secondary indexes and triggers are dropped for the load and built again afterwards.
    def drop_secondary(self, tables) -> list[str]:
        ddl = []
        if self.pg:
            with self.conn.cursor() as cur:
                cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                            "AND tablename = ANY(%s) AND indexname NOT LIKE '%%_pkey'", (list(tables),))
                for name, sql in cur.fetchall():
                    ddl.append(sql)
                    cur.execute(f'DROP INDEX "{name}"')
        else:
            marks = ", ".join("?" * len(tables))
            rows = self.conn.execute(f"SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
                                     f"AND tbl_name IN ({marks}) AND sql IS NOT NULL", list(tables)).fetchall()
            for kind, name, sql in rows:
                ddl.append(sql)
                self.conn.execute(f'DROP {kind.upper()} "{name}"')
        return ddl

    def restore(self, ddl: list[str]) -> None:
        # Indexes before triggers (a trigger may rely on none, but keep the original order).
        if self.pg:
            with self.conn.cursor() as cur:
                for sql in ddl:
                    cur.execute(sql)
        else:
            for sql in ddl:
                self.conn.execute(sql)


# -- the data ------------------------------------------------------------------------------------

def generate(size, seed: int = 20261123, log=print) -> Dataset:
    """Fill the (migrated, empty) bound database with a data set of `size`. Returns what the runner needs."""
    started = time.perf_counter()
    rng = random.Random(seed)
    today = datetime.date.today()
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
    data = Dataset(size=size)
    # A low-cost Argon2id hash for the bench accounts (the parameters travel inside the hash, so the
    # real login form and verify run): the benchmark logs in dozens of sessions and measures no login.
    password = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    day_text = {}

    def day(d: datetime.date) -> str:
        text = day_text.get(d)
        if text is None:
            text = day_text[d] = d.isoformat()
        return text

    def moment(d: datetime.date, hour: int = 10) -> str:
        return f"{day(d)} {hour:02d}:00:00"

    # Gemeenten of very different sizes: weight 1/(i+3)^0.9, the first one the largest.
    G = size.gemeenten
    weights = [1 / (i + 3) ** 0.9 for i in range(G)]
    total = sum(weights)
    per_g = [max(5, int(size.statushouders * w / total)) for w in weights]
    per_g[0] = max(per_g[0], size.caseload + 10)
    per_g[-1] += size.statushouders - sum(per_g)
    if per_g[-1] < 5:
        raise ValueError("too few statushouders for this many gemeenten")
    cps_g = [max(1, round(size.contactpersonen * n / size.statushouders)) for n in per_g]
    cps_g[0] = max(cps_g[0], 2)
    cps_g[-1] = max(1, cps_g[-1] + size.contactpersonen - sum(cps_g))

    writer = BulkWriter()
    tables = [m._meta.table_name for m in (Gemeente, User, Client, PipVersion, Verlenging, Step, GroupSession, Entry,
                                           ExamPart, ExamAttempt, Appointment, AuditLog, Message)]
    with db.atomic():
        if writer.pg:
            with writer.conn.cursor() as cur:
                cur.execute("SET LOCAL session_replication_role = replica")   # no FK checks or triggers
                cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
                cur.execute("SET LOCAL synchronous_commit = off")
        else:
            db.execute_sql("PRAGMA foreign_keys = OFF")
        ddl = writer.drop_secondary(tables)

        # Gemeenten.
        gemeente_ids = list(range(1, G + 1))
        writer.load(Gemeente, ["id", "public_id", "name", "slug", "settings"],
                    ((i + 1, _hex(rng), "Benchstad" if i == 0 else f"Gemeente {i + 1:03d}",
                      "benchstad" if i == 0 else f"g{i + 1:03d}",
                      json.dumps({"map_waiver": True} if i % 7 == 3 else {})) for i in range(G)))

        # Staff: one admin per gemeente, then the contactpersonen; bench-cp is the first of gemeente 1.
        users, uid = [], 0
        cp_ids: list[list[int]] = []
        for g in range(G):
            uid += 1
            users.append((uid, g + 1, "admin", "bench-admin" if g == 0 else f"admin-{g + 1:03d}", "nl"))
        for g in range(G):
            ids = []
            for k in range(cps_g[g]):
                uid += 1
                name = "bench-cp" if (g == 0 and k == 0) else f"cp-{uid:05d}"
                users.append((uid, g + 1, "contactpersoon", name, "nl"))
                ids.append(uid)
            cp_ids.append(ids)
        data.light_cp = next(u[3] for u in users if u[0] == cp_ids[0][1])
        data.load_contactpersonen = [u[3] for u in users if u[2] == "contactpersoon" and u[1] == 1][:10]

        # Statushouders and their files.
        clients: list[_Client] = []
        cid = 0
        for g in range(G):
            cps = cp_ids[g]
            for k in range(per_g[g]):
                uid += 1
                cid += 1
                stage = rng.choices(STAGE_NAMES, cum_weights=STAGE_CUM)[0]
                route = None if stage == "intake" else rng.choices(ROUTE_NAMES, cum_weights=ROUTE_CUM)[0]
                if g == 0 and k == 0:
                    stage, route = "late", "B"          # bench-sh
                elif g == 0 and k == 1:
                    stage, route = "intake", None       # the light statushouder
                if stage == "intake":
                    coupled = today - datetime.timedelta(days=rng.randint(40, 70))
                    pip = None
                else:
                    since_pip = {"early": (20, 365), "mid": (365, 730), "late": (730, 1080),
                                 "overdue": (1100, 1250), "done": (700, 1080)}[stage]
                    pip = today - datetime.timedelta(days=rng.randint(*since_pip))
                    coupled = pip - datetime.timedelta(days=rng.randint(40, 90))
                if g == 0 and k < size.caseload:
                    cp = cps[0]
                elif rng.random() < 0.02:
                    cp = None
                else:
                    cp = cps[1 + k % (len(cps) - 1)] if g == 0 else cps[k % len(cps)]
                name = "bench-sh" if (g == 0 and k == 0) else f"sh-{uid:06d}"
                locale = "nl" if g == 0 and k < 2 else rng.choice(LOCALES)
                users.append((uid, g + 1, "statushouder", name, locale))
                clients.append(_Client(cid, uid, g, cp, stage, route, coupled, pip))
        light = clients[1]
        data.light_sh = f"sh-{light.user_id:06d}"
        bench_clients = [c for c in clients if c.gemeente == 0]
        data.log_users = [f"sh-{c.user_id:06d}" for c in bench_clients[2:]
                          if c.stage != "intake" and (today - c.coupled).days > 60][:20]
        data.load_statushouders = ["bench-sh"] + [f"sh-{c.user_id:06d}" for c in bench_clients[2:]
                                                   if (today - c.coupled).days > 60][:200]

        staff_name = {}
        def user_rows():
            for uid_, gid, role, username, locale in users:
                if role == "statushouder":
                    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                else:
                    name = f"{rng.choice(STAFF_FIRST)} {rng.choice(STAFF_LAST)}"
                    staff_name[uid_] = name
                yield (uid_, _hex(rng), gid, role, username, name, None, None, password, locale, _hex(rng), 1, 0,
                       moment(today - datetime.timedelta(days=900)), json.dumps({}), "21:00", "08:00")
        writer.load(User, ["id", "public_id", "gemeente", "role", "username", "name", "email", "phone",
                           "password_hash", "locale", "session_token", "active", "failed_logins", "created_at",
                           "reminder_prefs", "quiet_start", "quiet_end"], user_rows())

        # Entries per client in proportion to the days since coupling; bench-sh has three times the average.
        activity = [max(1, (today - c.coupled).days) * rng.uniform(0.5, 1.5) for c in clients]
        total_activity = sum(activity)
        for c, a in zip(clients, activity):
            c.n_entries = max(1, int(size.entries * a / total_activity))
        average = size.entries / len(clients)
        clients[0].n_entries = max(clients[0].n_entries, int(3 * average))
        # Exactly `inbox` entries wait for bench-cp, spread over their clients.
        mine = [c for c in clients if c.cp == cp_ids[0][0]]
        base, extra = divmod(size.inbox, len(mine))
        for i, c in enumerate(mine):
            c.pending_quota = base + (1 if i < extra else 0)
            c.n_entries = max(c.n_entries, c.pending_quota + 3)
        shortfall = size.entries - sum(c.n_entries for c in clients)
        i = 0
        while shortfall > 0:
            clients[2 + i % (len(clients) - 2)].n_entries += 1
            shortfall -= 1
            i += 1

        def client_rows():
            for c in clients:
                u = c.user_id
                mb = None if rng.random() < 0.5 else "Vluchtelingenwerk"
                late = c.stage in ("late", "overdue", "done")
                pvt = c.pip + datetime.timedelta(days=200) if c.pip and (late or c.stage == "mid") and rng.random() < 0.7 else None
                map_end = c.pip + datetime.timedelta(days=600) if c.pip and c.route in ("B", "Z") and late and rng.random() < 0.5 else None
                z_end = c.pip + datetime.timedelta(days=900) if c.route == "Z" and c.stage == "done" else None
                taal = c.pip + datetime.timedelta(days=650) if c.route == "O" and c.stage == "done" else None
                ended = today - datetime.timedelta(days=rng.randint(1, 60)) if c.stage == "done" else None
                yield (c.id, _hex(rng), u, c.gemeente + 1, c.cp, c.coupled.isoformat(), mb,
                       pvt and day(pvt), map_end and day(map_end), z_end and day(z_end), taal and day(taal),
                       ended and day(ended), moment(c.coupled), "[]")
        writer.load(Client, ["id", "public_id", "user", "gemeente", "contactpersoon", "coupled_on",
                             "maatschappelijk_begeleider", "pvt_signed_on", "map_eindgesprek_on", "z_eindgesprek_on",
                             "taalschakel_done_on", "duty_ended_on", "created_at", "risk_seen"], client_rows())

        # PIP versions (15 % have a second one), verlengingen (half of those past the termijn), steps.
        def pip_rows():
            pid = 0
            for c in clients:
                if c.pip is None:
                    continue
                niveau = "B1" if c.route == "B" else None
                pid += 1
                yield (pid, _hex(rng), c.id, 1, day(c.pip), c.route, niveau, None, None, "INITIEEL",
                       json.dumps(["Taalles 3 dagdelen per week", "Vrijwilligerswerk 1 dag per week"]), c.cp,
                       moment(c.pip))
                if rng.random() < 0.15 and (today - c.pip).days > 200:
                    pid += 1
                    second = c.pip + datetime.timedelta(days=rng.randint(100, 199))
                    yield (pid, _hex(rng), c.id, 2, day(second), c.route, niveau, None, None, "WIJZIGING",
                           json.dumps(["Taalles 4 dagdelen per week"]), c.cp, moment(second))
        writer.load(PipVersion, ["id", "public_id", "client", "version", "dagtekening", "leerroute", "niveau",
                                 "local_label", "geschatte_intensiteit_b1", "change_reason", "agreements",
                                 "created_by", "created_at"], pip_rows())

        def verlenging_rows():
            vid = 0
            for c in clients:
                if c.stage == "overdue" and rng.random() < 0.5:
                    vid += 1
                    end = c.pip + datetime.timedelta(days=3 * 365 + 180)
                    decided = c.pip + datetime.timedelta(days=3 * 365 - 30)
                    yield (vid, _hex(rng), c.id, day(end), "Ziekte", day(decided), c.cp, moment(decided))
        writer.load(Verlenging, ["id", "public_id", "client", "einddatum", "grond", "decided_on", "created_by",
                                 "created_at"], verlenging_rows())

        def step_rows():
            sid = 0
            for c in clients:
                done = {"intake": 3, "early": 6, "mid": 6, "late": 6, "overdue": 6, "done": 8}[c.stage]
                for i, code in enumerate(STEP_CODES[:done + 1]):
                    sid += 1
                    status = "DONE" if i < done else "IN_PROGRESS"
                    when = c.coupled + datetime.timedelta(days=10 * i)
                    yield (sid, c.id, code, status, day(when) if status == "DONE" else None, None, c.cp, moment(when))
        writer.load(Step, ["id", "client", "code", "status", "date", "note", "updated_by", "updated_at"], step_rows())

        # Weekly group sessions per gemeente (KNM, PVT, MAP), on Tuesday, Wednesday and Thursday.
        first_week = today - datetime.timedelta(days=today.weekday() + 7 * SESSION_WEEKS)
        weeks = SESSION_WEEKS + SESSION_AHEAD_WEEKS

        def session_id(g, week, k):
            return (g * weeks + week) * len(SESSION_CATEGORIES) + k + 1

        def session_rows():
            for g in range(G):
                for week in range(weeks):
                    for k, category in enumerate(SESSION_CATEGORIES):
                        start = first_week + datetime.timedelta(days=7 * week + 1 + k)
                        yield (session_id(g, week, k), _hex(rng), g + 1, category, f"{category} week {week}",
                               f"{day(start)} 13:00:00", f"{day(start)} 15:00:00", "Buurthuis De Kern",
                               cp_ids[g][0], moment(start - datetime.timedelta(days=30)))
        writer.load(GroupSession, ["id", "public_id", "gemeente", "category", "title", "starts_at", "ends_at",
                                   "location", "created_by", "created_at"], session_rows())

        # The entries. Recent ones are mostly waiting; older ones mostly confirmed.
        pending_total = [0]

        def entry_rows():
            eid = 0
            rand, choices, getrandbits = rng.random, rng.choices, rng.getrandbits
            for c in clients:
                span = (today - c.coupled).days
                n = c.n_entries
                offsets = sorted(rng.randrange(span + 1) for _ in range(n))
                names, cum = CAT_TABLE[c.route]
                cats = choices(names, cum_weights=cum, k=n)
                user = c.user_id
                decider = c.cp
                submitted_from = n - c.pending_quota if c.pending_quota >= 0 else None
                for i in range(n):
                    date = c.coupled + datetime.timedelta(days=offsets[i])
                    category = cats[i]
                    session = None
                    if category in SESSION_CATEGORIES and rand() < 0.5:
                        week = (date - first_week).days // 7
                        k = SESSION_CATEGORIES.index(category)
                        sdate = first_week + datetime.timedelta(days=7 * week + 1 + k)
                        if 0 <= week < weeks and c.coupled <= sdate <= today:
                            session, date = session_id(c.gemeente, week, k), sdate
                    age = (today - date).days
                    if submitted_from is not None:
                        status = "SUBMITTED" if i >= submitted_from else ("CONFIRMED" if rand() < 0.96 else "REJECTED")
                    elif age <= 14:
                        r = rand()
                        status = "SUBMITTED" if r < 0.7 else ("CONFIRMED" if r < 0.95 else "WITHDRAWN")
                    else:
                        r = rand()
                        status = ("CONFIRMED" if r < 0.94 else "REJECTED" if r < 0.97 else
                                  "WITHDRAWN" if r < 0.99 else "SUBMITTED")
                    if status == "SUBMITTED":
                        pending_total[0] += 1
                    decided = status in ("CONFIRMED", "REJECTED")
                    created = f"{day(date)} 18:{getrandbits(5):02d}:00"
                    decided_at = moment(min(date + datetime.timedelta(days=3), today)) if decided else None
                    eid += 1
                    yield ("%032x" % getrandbits(128), "%032x" % getrandbits(128), c.id, session, category,
                           day(date), HOURS[getrandbits(3)], 0 if rand() < 0.12 else 1,
                           PLACES[eid % len(PLACES)] if rand() < 0.3 else None,
                           "Met de taalmaatje geoefend" if rand() < 0.05 else None, status,
                           "Graag de plaats erbij zetten" if status == "REJECTED" else None,
                           decider if decided else None, decided_at, user, created, decided_at or created)
        writer.load(Entry, ["public_id", "client_uuid", "client", "session", "category", "entry_date", "hours",
                            "physical", "place", "note", "status", "rejection_reason", "decided_by", "decided_at",
                            "created_by", "created_at", "updated_at"], entry_rows())

        # Exam parts and attempts for the B1-route.
        attempts = []

        def part_rows():
            pid = 0
            for c in clients:
                if c.route != "B" or c.stage in ("early",):
                    continue
                if c.stage == "mid" and rng.random() < 0.6:
                    continue
                for code in EXAM_PARTS:
                    pid += 1
                    niveau = None if code == "KNM" else "B1"
                    yield (pid, _hex(rng), c.id, code, niveau, 0)
                    base = c.pip + datetime.timedelta(days=500)
                    if c.id == 1:
                        plan = {"LE": ["GESLAAGD"], "LU": ["GEZAKT", "GESLAAGD"], "SC": ["GEZAKT", None],
                                "SP": ["GEZAKT"], "KNM": [None]}[code]
                    elif c.stage == "done":
                        plan = ["GESLAAGD"] if rng.random() < 0.8 else ["GEZAKT", "GESLAAGD"]
                    elif c.stage == "mid":
                        plan = [] if rng.random() < 0.5 else ["GEZAKT"]
                    else:
                        plan = rng.choice([[], ["GESLAAGD"], ["GEZAKT"], ["GEZAKT", "GEZAKT"], [None]])
                    for n, result in enumerate(plan):
                        when = base + datetime.timedelta(days=60 * n)
                        if result is None:
                            when = today + datetime.timedelta(days=20 + 7 * EXAM_PARTS.index(code))
                        elif when > today:
                            when = today - datetime.timedelta(days=10 + n)
                        attempts.append((pid, day(when), niveau, result, c.cp, moment(min(when, today))))
        writer.load(ExamPart, ["id", "public_id", "client", "code", "niveau", "free_attempts_used_before"],
                    part_rows())
        writer.load(ExamAttempt, ["public_id", "part", "exam_date", "niveau", "result", "reason_no_result",
                                  "counts_as_free", "created_by", "created_at"],
                    ((_hex(rng), p, d, n, r, None, 1, by, at) for p, d, n, r, by, at in attempts))

        # Appointments: past talks, and for many a coming one (some within a day, for the reminders).
        def appointment_rows():
            for c in clients:
                count = 12 if c.id == 1 else rng.randint(2, 6)
                for i in range(count):
                    if i == 0 and rng.random() < 0.4 or c.id == 1 and i < 3:
                        when = now + datetime.timedelta(hours=rng.choice([3, 20, 30, 24 * 5, 24 * 14, 24 * 30]))
                    else:
                        when = now - datetime.timedelta(days=rng.randint(1, max(2, (today - c.coupled).days)))
                    kind = ("KENNISMAKING", "INTAKE_GESPREK", "VOORTGANGSGESPREK", "PIP_GESPREK", "TAALLES")[i % 5]
                    yield (_hex(rng), c.id, kind, str(when.replace(minute=0, second=0)), "Gemeentehuis, kamer 2",
                           staff_name.get(c.cp), None, c.cp, moment(c.coupled))
        writer.load(Appointment, ["public_id", "client", "kind", "starts_at", "location", "with_whom", "notes",
                                  "created_by", "created_at"], appointment_rows())

        # Inbox messages (one read, one unread) and an audit trail.
        def message_rows():
            for c in clients:
                yield (c.user_id, None, "inactivity", json.dumps({"days": 14}), "/me/logbook",
                       moment(today - datetime.timedelta(days=20)), moment(today - datetime.timedelta(days=19)))
                yield (c.user_id, None, "termijn_milestone", json.dumps({"months": 6, "last_day": day(today)}),
                       "/me", moment(today - datetime.timedelta(days=2)), None)
        writer.load(Message, ["user", "outbox_key", "kind", "params", "url", "created_at", "read_at"], message_rows())

        def audit_rows():
            for c in clients:
                yield (c.gemeente + 1, c.cp, c.id, "client.created", "Client", _hex(rng), None,
                       json.dumps({"coupled_on": day(c.coupled)}), moment(c.coupled))
                for i in range(c.n_entries // 10):
                    yield (c.gemeente + 1, c.cp, c.id, "entry.confirmed", "Entry", _hex(rng),
                           json.dumps({"status": "SUBMITTED"}), json.dumps({"status": "CONFIRMED"}),
                           moment(c.coupled + datetime.timedelta(days=7 * i)))
        writer.load(AuditLog, ["gemeente", "actor", "client", "action", "object_type", "object_id", "before", "after",
                               "created_at"], audit_rows())

        log(f"  rows written in {time.perf_counter() - started:.0f} s; building indexes …")
        writer.restore(ddl)
        if writer.pg:
            with writer.conn.cursor() as cur:
                for model in (Gemeente, User, Client, PipVersion, Verlenging, Step, GroupSession, Entry, ExamPart,
                              ExamAttempt, Appointment, AuditLog, Message):
                    table = model._meta.table_name
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                                f"(SELECT COALESCE(MAX(id), 1) FROM \"{table}\"))")
    if not writer.pg:
        db.execute_sql("PRAGMA foreign_keys = ON")
    after_load()
    db.execute_sql("ANALYZE")
    data.counts = dict(writer.counts)
    data.counts["pending"] = pending_total[0]
    data.seconds = time.perf_counter() - started
    data.bench_client = str(Client.get(Client.id == 1).public_id)
    data.light_client = str(Client.get(Client.id == 2).public_id)
    return data


def after_load() -> None:
    """Derived data the application keeps beside the rows (rebuilt from them after a bulk load)."""
    try:
        from tracker import counters
    except ImportError:
        return
    counters.rebuild()
