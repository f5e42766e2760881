"""peewee tables. Rules live in tracker.domain; these classes only hold data and compose queries."""
import datetime
import json
import uuid

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
    UUIDField,
)

from flask_login import UserMixin

from .extensions import db


def utcnow() -> datetime.datetime:
    """Naive UTC now: every stored moment is UTC; pages convert to the gemeente's zone."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


class JSONField(TextField):
    """JSON stored as text, so SQLite and PostgreSQL behave the same."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class PublicModel(BaseModel):
    """Rows that appear in URLs get a random public id; row ids never leave the server."""

    public_id = UUIDField(unique=True, default=uuid.uuid4)


class Gemeente(PublicModel):
    name = CharField(max_length=120)
    slug = CharField(max_length=60, unique=True)
    timezone = CharField(max_length=60, default="Europe/Amsterdam")
    # Per-gemeente rule overrides (domain.Rules fields) and local labels, e.g. {"map_waiver": true}.
    settings = JSONField(default=dict)
    created_at = DateTimeField(default=utcnow)


class User(UserMixin, PublicModel):
    ROLES = ("statushouder", "contactpersoon", "admin")

    gemeente = ForeignKeyField(Gemeente, backref="users", on_delete="RESTRICT")
    role = CharField(max_length=20, index=True)
    username = CharField(max_length=80, unique=True)
    name = CharField(max_length=120)
    email = CharField(max_length=200, null=True)
    phone = CharField(max_length=40, null=True)
    password_hash = CharField(max_length=255, null=True)
    locale = CharField(max_length=10, default="nl")
    # Part of the login id: rotating it ends every other session of this user.
    session_token = CharField(max_length=64, default=lambda: uuid.uuid4().hex)
    active = BooleanField(default=True)
    failed_logins = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    last_login_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    # Reminders: kinds switched off ({"kind": false}), quiet hours as "HH:MM" in the gemeente's zone.
    reminder_prefs = JSONField(default=dict)
    quiet_start = CharField(max_length=5, default="21:00")
    quiet_end = CharField(max_length=5, default="08:00")
    # Secret for the private calendar feed; None when the user switched the feed off.
    calendar_token = CharField(max_length=64, null=True, unique=True)
    # Two-factor login (TOTP) for staff; recovery codes are stored hashed, each usable once.
    totp_secret = CharField(max_length=64, null=True)
    # The 30-second step of the last code used: a code seen once (shoulder, replay) never works again.
    totp_last_step = IntegerField(null=True)
    recovery_codes = JSONField(default=list)
    anonymised_at = DateTimeField(null=True)

    def get_id(self) -> str:
        """Login id = public id + rotatable token, so a token change ends old sessions."""
        return f"{self.public_id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active


class Client(PublicModel):
    """The statushouder's inburgering file: one per statushouder account."""

    user = ForeignKeyField(User, unique=True, backref="client_file", on_delete="CASCADE")
    gemeente = ForeignKeyField(Gemeente, backref="clients", on_delete="RESTRICT")
    contactpersoon = ForeignKeyField(User, null=True, backref="caseload", on_delete="SET NULL")
    duty_start = DateField(null=True)
    coupled_on = DateField()
    maatschappelijk_begeleider = CharField(max_length=200, null=True)
    pvt_signed_on = DateField(null=True)
    map_eindgesprek_on = DateField(null=True)
    z_eindgesprek_on = DateField(null=True)
    taalschakel_done_on = DateField(null=True)
    # Set when the duty ended (fulfilled, exempted, moved away …): the retention period counts from here.
    duty_ended_on = DateField(null=True)
    # The risk reasons the last planning run saw, so the digest can say which ones are new.
    risk_seen = JSONField(default=list)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("gemeente", "contactpersoon"), False),)


class ActivationCode(BaseModel):
    user = ForeignKeyField(User, backref="activation_codes", on_delete="CASCADE")
    code_hash = CharField(max_length=64, unique=True)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)


class PipVersion(PublicModel):
    client = ForeignKeyField(Client, backref="pip_versions", on_delete="CASCADE")
    version = IntegerField()
    dagtekening = DateField()
    leerroute = CharField(max_length=1)
    niveau = CharField(max_length=2, null=True)
    local_label = CharField(max_length=80, null=True)
    geschatte_intensiteit_b1 = IntegerField(null=True)
    change_reason = CharField(max_length=20)
    agreements = JSONField(default=list)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("client", "version"), True),)


class Verlenging(PublicModel):
    """An extension of the termijn decided by DUO; the only thing that moves the termijn end."""

    client = ForeignKeyField(Client, backref="verlengingen", on_delete="CASCADE")
    einddatum = DateField()
    grond = CharField(max_length=200)
    decided_on = DateField()
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)


class Step(BaseModel):
    client = ForeignKeyField(Client, backref="steps", on_delete="CASCADE")
    code = CharField(max_length=30)
    status = CharField(max_length=20, default="TODO")
    date = DateField(null=True)
    note = CharField(max_length=500, null=True)
    updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("client", "code"), True),)


class GroupSession(PublicModel):
    """A KNM, PVT or MAP group session that statushouders attend."""

    gemeente = ForeignKeyField(Gemeente, backref="sessions", on_delete="CASCADE")
    category = CharField(max_length=40)
    title = CharField(max_length=200)
    starts_at = DateTimeField(index=True)
    ends_at = DateTimeField()
    location = CharField(max_length=200, null=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)


class Placement(PublicModel):
    """Where a statushouder gains work experience, and who supervises them there."""

    client = ForeignKeyField(Client, backref="placements", on_delete="CASCADE")
    organisation = CharField(max_length=200)
    supervisor_name = CharField(max_length=120)
    supervisor_contact = CharField(max_length=200, null=True)
    category = CharField(max_length=40)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)


class SupervisorRequest(PublicModel):
    """A one-time, expiring link for a supervisor to confirm or reject a batch of entries."""

    placement = ForeignKeyField(Placement, backref="requests", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)


class Entry(PublicModel):
    """Hours or attendance logged by a statushouder, confirmed or rejected by the contactpersoon."""

    client_uuid = UUIDField(unique=True)
    # No index of its own: (client, entry_date) below serves every lookup by client (migration 0008).
    client = ForeignKeyField(Client, backref="entries", on_delete="CASCADE", index=False)
    session = ForeignKeyField(GroupSession, null=True, backref="attendance", on_delete="SET NULL")
    category = CharField(max_length=40)
    entry_date = DateField()
    hours = DecimalField(max_digits=5, decimal_places=2, auto_round=True)
    physical = BooleanField(default=True)
    place = CharField(max_length=200, null=True)
    note = TextField(null=True)
    status = CharField(max_length=20, default="SUBMITTED")
    # A common reason (code, shown in the client's language) and/or the contactpersoon's own words.
    rejection_code = CharField(max_length=40, null=True)
    rejection_reason = TextField(null=True)
    # The supervisor at the placement who saw the work (no account; through a one-time link).
    supervisor_request = ForeignKeyField(SupervisorRequest, null=True, backref="entries", on_delete="SET NULL")
    supervisor_decision = CharField(max_length=10, null=True)
    supervisor_reason = TextField(null=True)
    supervisor_decided_at = DateTimeField(null=True)
    decided_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    decided_at = DateTimeField(null=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("client", "entry_date"), False),
            (("client", "status"), False),
            (("status", "created_at"), False),
        )


class ExamPart(PublicModel):
    client = ForeignKeyField(Client, backref="exam_parts", on_delete="CASCADE")
    code = CharField(max_length=40)
    niveau = CharField(max_length=2, null=True)
    free_attempts_used_before = IntegerField(default=0)

    class Meta:
        indexes = ((("client", "code"), True),)


class ExamAttempt(PublicModel):
    part = ForeignKeyField(ExamPart, backref="attempts", on_delete="CASCADE")
    exam_date = DateField()
    niveau = CharField(max_length=2, null=True)
    result = CharField(max_length=10, null=True)
    reason_no_result = CharField(max_length=20, null=True)
    counts_as_free = BooleanField(default=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)


class SessionInvite(BaseModel):
    """A client in the group of a session. A session with a group reminds only its group; one
    without reminds everyone whose module it is (the lesson timetable of a whole gemeente would
    otherwise remind everybody of every lesson)."""

    session = ForeignKeyField(GroupSession, backref="invites", on_delete="CASCADE")
    client = ForeignKeyField(Client, backref="session_invites", on_delete="CASCADE")

    class Meta:
        indexes = ((("session", "client"), True),)


class Appointment(PublicModel):
    client = ForeignKeyField(Client, backref="appointments", on_delete="CASCADE")
    kind = CharField(max_length=40)
    starts_at = DateTimeField(index=True)
    location = CharField(max_length=200, null=True)
    with_whom = CharField(max_length=200, null=True)
    notes = TextField(null=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("client", "starts_at"), False),)


class AuditLog(BaseModel):
    """Append-only: who did what to which record, with the values before and after."""

    gemeente = ForeignKeyField(Gemeente, null=True, on_delete="SET NULL")
    actor = ForeignKeyField(User, null=True, on_delete="SET NULL")
    client = ForeignKeyField(Client, null=True, on_delete="SET NULL")
    action = CharField(max_length=60, index=True)
    object_type = CharField(max_length=40)
    object_id = CharField(max_length=64)
    before = JSONField(null=True)
    after = JSONField(null=True)
    created_at = DateTimeField(default=utcnow, index=True)


class PushSubscription(BaseModel):
    """One device's Web Push subscription; a user may have several."""

    user = ForeignKeyField(User, backref="push_subscriptions", on_delete="CASCADE")
    endpoint = TextField(unique=True)
    p256dh = CharField(max_length=200)
    auth = CharField(max_length=100)
    label = CharField(max_length=200, null=True)
    created_at = DateTimeField(default=utcnow)
    last_seen_at = DateTimeField(default=utcnow)


class Outbox(BaseModel):
    """A planned reminder. The unique key (kind, subject, due moment) makes planning idempotent."""

    key = CharField(max_length=200, unique=True)
    user = ForeignKeyField(User, backref="outbox", on_delete="CASCADE")
    kind = CharField(max_length=40)
    params = JSONField(default=dict)
    url = CharField(max_length=300)
    urgency = CharField(max_length=10, default="normal")
    ttl = IntegerField(default=86400)
    topic = CharField(max_length=32, null=True)
    due_at = DateTimeField()
    status = CharField(max_length=10, default="pending")
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField()
    claimed_at = DateTimeField(null=True)
    sent_at = DateTimeField(null=True)
    last_error = CharField(max_length=300, null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("status", "next_attempt_at"), False),)


class Message(BaseModel):
    """The in-app inbox: every reminder a user got, rendered in their language when shown."""

    user = ForeignKeyField(User, backref="messages", on_delete="CASCADE")
    outbox_key = CharField(max_length=200, null=True, unique=True)
    kind = CharField(max_length=40)
    params = JSONField(default=dict)
    url = CharField(max_length=300)
    created_at = DateTimeField(default=utcnow)
    read_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("user", "read_at"), False),)


class EntryTotal(BaseModel):
    """Hours per client, category, status and intake, kept in step with `entry` by database triggers
    (migrations/0005_entry_totals.py), so pages and the planner read a few totals per person instead
    of every entry. `intake` = 1 for entries dated on or before the first PIP's dagtekening (or
    before any PIP); a change of the first PIP recounts that person. Never written by the app."""

    client = ForeignKeyField(Client, backref="entry_totals", on_delete="CASCADE", index=False)
    category = CharField(max_length=40)
    status = CharField(max_length=20)
    intake = IntegerField()
    entries = IntegerField()
    hours = DecimalField(max_digits=12, decimal_places=2, auto_round=True)
    physical_hours = DecimalField(max_digits=12, decimal_places=2, auto_round=True)
    last_date = DateField(null=True)

    class Meta:
        indexes = ((("client", "category", "status", "intake"), True),)


class FormKey(BaseModel):
    """One-time keys of submitted forms: a double tap on submit is recognised and saves nothing twice.
    A form sent without its key has one row per user instead: the digest of that user's last such
    submit (see tracker/web/formkeys.py); one-time keys have no digest."""

    key = CharField(max_length=64, unique=True)
    created_at = DateTimeField(default=utcnow, index=True)
    digest = CharField(max_length=64, null=True)


MODELS = [
    Gemeente, User, Client, ActivationCode, PipVersion, Verlenging, Step, GroupSession,
    Placement, SupervisorRequest, Entry, ExamPart, ExamAttempt, Appointment, AuditLog, PushSubscription, Outbox,
    Message, FormKey, SessionInvite,
]
# Tables the database derives from the ones above (triggers keep them); no code writes, exports,
# anonymises or restores them row by row.
DERIVED = [EntryTotal]
