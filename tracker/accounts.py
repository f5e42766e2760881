"""Creating statushouders and contactpersonen, and moving clients between contactpersonen."""
import datetime
import re
import unicodedata
import uuid

from . import i18n
from .audit import record
from .extensions import db
from .models import Client, User
from .validation import FieldErrors, clean, parse_date

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")


def suggest_username(name: str) -> str:
    """'Amira Al-Hassan' → 'amira.al-hassan'; non-Latin names fall back to 'client'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", ".", ascii_name).strip(".")[:30] or "client"
    if len(base) < 3:
        base = f"{base}.user"
    candidate, n = base, 1
    while User.select().where(User.username == candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def _username(form: dict, name: str | None, errors: dict) -> str | None:
    raw = (form.get("username") or "").strip().lower()
    if not raw:
        return suggest_username(name or "")
    if not USERNAME.match(raw):
        errors["username"] = "invalid"
    elif User.select().where(User.username == raw).exists():
        errors["username"] = "username_taken"
    return raw


def create_statushouder(gemeente, form: dict, actor, today: datetime.date) -> tuple[User, Client]:
    """A new statushouder account and file in the actor's gemeente (no password yet)."""
    errors: dict[str, str] = {}
    name = clean(form.get("name"), 120, "name", errors, required=True)
    username = _username(form, name, errors)
    locale = i18n.normalize(form.get("locale")) or i18n.DEFAULT
    coupled_on = parse_date(form.get("coupled_on"), "coupled_on", errors)
    duty_start = parse_date(form.get("duty_start"), "duty_start", errors, required=False)
    for field, value in (("coupled_on", coupled_on), ("duty_start", duty_start)):
        if value and value > today:
            errors[field] = "date_in_future"
    begeleider = clean(form.get("maatschappelijk_begeleider"), 200, "maatschappelijk_begeleider", errors)
    contactpersoon = actor if actor.role == "contactpersoon" else None
    if form.get("contactpersoon"):
        try:
            chosen = uuid.UUID(str(form["contactpersoon"]))
        except ValueError:  # not an id: on PostgreSQL the uuid column would refuse it with a 500
            chosen = None
        contactpersoon = chosen and User.get_or_none(User.public_id == chosen, User.gemeente == gemeente.id,
                                                     User.role == "contactpersoon", User.active == True)  # noqa: E712
        if contactpersoon is None:
            errors["contactpersoon"] = "invalid"
    if errors:
        raise FieldErrors(errors)
    with db.atomic():
        user = User.create(gemeente=gemeente, role="statushouder", username=username, name=name, locale=locale)
        client = Client.create(user=user, gemeente=gemeente, contactpersoon=contactpersoon, coupled_on=coupled_on,
                               duty_start=duty_start, maatschappelijk_begeleider=begeleider)
        # Audit rows outlive anonymisation and erasure: never the person's name or username in them.
        record(actor, "client.created", client, client=client,
               after={"user": str(user.public_id), "coupled_on": coupled_on.isoformat()})
    return user, client


def create_staff(gemeente, form: dict, actor, role: str = "contactpersoon") -> User:
    """A new contactpersoon (or admin) in the actor's gemeente."""
    errors: dict[str, str] = {}
    name = clean(form.get("name"), 120, "name", errors, required=True)
    username = _username(form, name, errors)
    email = clean(form.get("email"), 200, "email", errors)
    if email and "@" not in email:
        errors["email"] = "invalid"
    phone = clean(form.get("phone"), 40, "phone", errors)
    if role not in ("contactpersoon", "admin"):
        errors["role"] = "invalid"
    if errors:
        raise FieldErrors(errors)
    with db.atomic():
        user = User.create(gemeente=gemeente, role=role, username=username, name=name, email=email, phone=phone)
        record(actor, "staff.created", user, after={"name": name, "username": username, "role": role})
    return user


def reassign(client: Client, contactpersoon: User, actor) -> None:
    """Give a client another contactpersoon of the same gemeente."""
    if contactpersoon.gemeente_id != client.gemeente_id or contactpersoon.role != "contactpersoon":
        raise FieldErrors({"contactpersoon": "invalid"})
    before = client.contactpersoon_id and str(User.get_by_id(client.contactpersoon_id).public_id)
    with db.atomic():
        Client.update(contactpersoon=contactpersoon).where(Client.id == client.id).execute()
        record(actor, "client.reassigned", client, client=client,
               before={"contactpersoon": before}, after={"contactpersoon": str(contactpersoon.public_id)})


def set_active(user: User, active: bool, actor) -> None:
    """Switch a staff account on or off; switching off also ends its sessions."""
    import uuid
    with db.atomic():
        User.update(active=active, session_token=uuid.uuid4().hex).where(User.id == user.id).execute()
        record(actor, "staff.activated" if active else "staff.deactivated", user,
               before={"active": user.active}, after={"active": active})
