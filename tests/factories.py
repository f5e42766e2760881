"""Rows for tests, built directly with the models (fast, explicit)."""
import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from tracker.models import Client, Entry, Gemeente, PipVersion, User
from argon2 import PasswordHasher

PASSWORD = "correct horse battery"
# Gemeente admins must use two-factor login; test admins share this authenticator key.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@lru_cache(maxsize=1)
def password_hash() -> str:
    """A low-cost Argon2 hash for test accounts: login still runs the real form and verify
    (the parameters travel inside the hash), without 0.5 s per login."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


def today() -> datetime.date:
    """Today where the test gemeenten are (Europe/Amsterdam), as the app counts it: between 23:00
    and 24:00 UTC the machine's date is still yesterday there."""
    return datetime.datetime.now(ZoneInfo("Europe/Amsterdam")).date()


def gemeente(name="Nijkerk", **kw) -> Gemeente:
    return Gemeente.create(name=name, slug=kw.pop("slug", name.lower()), **kw)


def user(g, role, username=None, **kw) -> User:
    username = username or f"{role}-{uuid.uuid4().hex[:6]}"
    if role == "admin":
        kw.setdefault("totp_secret", TOTP_SECRET)
    return User.create(gemeente=g, role=role, username=username, name=kw.pop("name", username.title()),
                       password_hash=password_hash(), **kw)


def client(g, contactpersoon, username=None, coupled_days_ago=400, **kw) -> Client:
    u = user(g, "statushouder", username, locale=kw.pop("locale", "nl"), name=kw.pop("name", None) or "Amira Haddad")
    return Client.create(user=u, gemeente=g, contactpersoon=contactpersoon,
                         coupled_on=today() - datetime.timedelta(days=coupled_days_ago), **kw)


def pip(c, days_ago=300, leerroute="B", niveau="B1", version=1, reason="INITIEEL") -> PipVersion:
    return PipVersion.create(client=c, version=version, dagtekening=today() - datetime.timedelta(days=days_ago),
                             leerroute=leerroute, niveau=niveau, change_reason=reason,
                             agreements=["Taalles 3 dagdelen per week"])


def entry(c, status="SUBMITTED", hours="2", days_ago=3, category="TAALLES", **kw) -> Entry:
    return Entry.create(client_uuid=uuid.uuid4(), client=c, category=category,
                        entry_date=today() - datetime.timedelta(days=days_ago), hours=Decimal(hours),
                        status=status, created_by=c.user, **kw)


@dataclass
class World:
    gemeente: Gemeente
    admin: User
    cp: User
    cp2: User
    client: Client
    other_gemeente: Gemeente
    other_admin: User
    other_cp: User
    other_client: Client


def build_world() -> World:
    """Gemeente A with admin, two contactpersonen and a B1-route client with one pending entry;
    gemeente B with the same shape, to prove nobody crosses the border."""
    a = gemeente("Nijkerk")
    admin = user(a, "admin", "admin-a")
    cp = user(a, "contactpersoon", "cp-a", name="Sanne de Vries")
    cp2 = user(a, "contactpersoon", "cp2-a", name="Pieter Bakker")
    c = client(a, cp, "sh-a")
    pip(c)
    entry(c)
    b = gemeente("Barneveld")
    other_admin = user(b, "admin", "admin-b")
    other_cp = user(b, "contactpersoon", "cp-b")
    oc = client(b, other_cp, "sh-b", name="Yonas Tesfay")
    pip(oc)
    entry(oc)
    return World(a, admin, cp, cp2, c, b, other_admin, other_cp, oc)
