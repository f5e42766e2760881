"""Reminder settings (kinds, quiet hours, devices), the in-app inbox and the private calendar feed."""
import datetime
import secrets

from icalendar import Calendar, Event

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext as _
from flask_login import current_user
from ..domain.reminders import KINDS
from ..models import Appointment, Client, ExamAttempt, ExamPart, Message, PushSubscription, User, utcnow
from ..facts import client_summary
from ..notify.texts import render
from ..validation import page_number
from .access import allow
from .labels import APPOINTMENT, EXAM_PART
from .timeutil import zone

bp = Blueprint("reminders", __name__)
ROLES = ("statushouder", "contactpersoon", "admin")
# The kinds a person can switch off, grouped as people think of them.
KIND_GROUPS = {
    "statushouder": [("appointment", ("appointment_day", "appointment_soon")),
                     ("session", ("session_day", "session_soon")),
                     ("exam", ("exam_week", "exam_day", "exam_soon")),
                     ("exam_registration", ("exam_registration", "exam_retake")),
                     ("termijn", ("termijn_milestone", "verlenging_window")),
                     ("inactivity", ("inactivity",))],
    "contactpersoon": [("digest", ("digest",))],
    "admin": [],
}
PAGE = 50


def unread_count() -> int:
    """Unread messages of the logged-in user (the badge in the menu)."""
    if not current_user.is_authenticated:
        return 0
    counted = getattr(current_user, "unread_messages", None)
    if counted is not None:  # loaded with the user at login lookup
        return counted
    return Message.select().where(Message.user == current_user.id, Message.read_at.is_null()).count()


@bp.route("/settings/reminders", methods=["POST"])
@allow(*ROLES)
def save_reminders():
    """Reminder kinds on/off and quiet hours."""
    prefs = {}
    for group, kinds in KIND_GROUPS[current_user.role]:
        enabled = request.form.get(f"kind-{group}") == "1"
        for kind in kinds:
            if not enabled:
                prefs[kind] = False
    start, end = request.form.get("quiet_start", ""), request.form.get("quiet_end", "")
    try:
        start = datetime.time.fromisoformat(start).strftime("%H:%M") if start else User.quiet_start.default
        end = datetime.time.fromisoformat(end).strftime("%H:%M") if end else User.quiet_end.default
    except ValueError:
        flash(_("Fill in the times like 21:00."), "error")
        return redirect(url_for("auth.settings", _anchor="reminders"))
    User.update(reminder_prefs=prefs, quiet_start=start, quiet_end=end).where(User.id == current_user.id).execute()
    flash(_("Your reminder settings are saved."), "success")
    return redirect(url_for("auth.settings", _anchor="reminders"))


@bp.post("/settings/devices/<int:device_id>/remove")
@allow(*ROLES)
def remove_device(device_id):
    """Stop reminders on one device."""
    removed = PushSubscription.delete().where(PushSubscription.id == device_id,
                                              PushSubscription.user == current_user.id).execute()
    if not removed:
        abort(404)
    flash(_("This device gets no reminders any more."), "success")
    return redirect(url_for("auth.settings", _anchor="devices"))


@bp.post("/settings/calendar")
@allow("statushouder")
def calendar_on():
    """Make (or renew) the secret calendar link; an old link stops working."""
    token = secrets.token_urlsafe(32)
    User.update(calendar_token=token).where(User.id == current_user.id).execute()
    flash(_("Your calendar link is ready. Add it to the calendar on your phone."), "success")
    return redirect(url_for("auth.settings", _anchor="calendar"))


@bp.post("/settings/calendar/off")
@allow("statushouder")
def calendar_off():
    """Switch the calendar link off."""
    User.update(calendar_token=None).where(User.id == current_user.id).execute()
    flash(_("Your calendar link is switched off."), "success")
    return redirect(url_for("auth.settings", _anchor="calendar"))


@bp.get("/messages")
@allow(*ROLES)
def inbox():
    """Every reminder and message this person got, newest first, in their language."""
    page = page_number(request.args)
    rows = list(Message.select().where(Message.user == current_user.id)
                .order_by(Message.created_at.desc(), Message.id.desc()).offset((page - 1) * PAGE).limit(PAGE + 1))
    tz = zone(current_user.gemeente)
    items = [{"message": m, "text": render(m.kind, m.params, tz)} for m in rows[:PAGE]]
    return render_template("reminders/inbox.html", items=items, page=page, has_more=len(rows) > PAGE)


@bp.get("/messages/<int:message_id>")
@allow(*ROLES)
def open_message(message_id):
    """Mark a message read and go to the page it is about."""
    message = Message.get_or_none(Message.id == message_id, Message.user == current_user.id)
    if message is None:
        abort(404)
    if message.read_at is None:
        Message.update(read_at=utcnow()).where(Message.id == message.id).execute()
    return redirect(message.url if message.url.startswith("/") else url_for("auth.index"))


@bp.post("/messages/read")
@allow(*ROLES)
def read_all():
    """Mark every message read."""
    Message.update(read_at=utcnow()).where(Message.user == current_user.id, Message.read_at.is_null()).execute()
    return redirect(url_for(".inbox"))


@bp.get("/calendar/<token>.ics")
@allow("public")
def calendar_feed(token):
    """The private calendar feed: appointments, booked exams and the termijn end, in the user's language."""
    if not token or len(token) > 64:
        abort(404)
    user = User.get_or_none(User.calendar_token == token, User.active == True)  # noqa: E712
    client = Client.get_or_none(Client.user == user.id) if user else None
    if client is None:
        abort(404)
    calendar = Calendar()
    calendar.add("prodid", "-//Mijn Route//NL")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Mijn Route")
    since = utcnow() - datetime.timedelta(days=30)
    with force_locale(user.locale):
        for appointment in Appointment.select().where(Appointment.client == client.id, Appointment.starts_at >= since):
            event = Event()
            event.add("uid", f"appointment-{appointment.public_id}@mijnroute")
            event.add("summary", str(APPOINTMENT.get(appointment.kind, appointment.kind)))
            start = appointment.starts_at.replace(tzinfo=datetime.UTC)
            event.add("dtstart", start)
            event.add("dtend", start + datetime.timedelta(hours=1))
            event.add("dtstamp", utcnow().replace(tzinfo=datetime.UTC))
            if appointment.location:
                event.add("location", appointment.location)
            calendar.add_component(event)
        for attempt in (ExamAttempt.select(ExamAttempt, ExamPart).join(ExamPart)
                        .where(ExamPart.client == client.id, ExamAttempt.result.is_null(),
                               ExamAttempt.exam_date >= since.date())):
            event = Event()
            event.add("uid", f"exam-{attempt.public_id}@mijnroute")
            event.add("summary", _("Exam: %(part)s", part=str(EXAM_PART.get(attempt.part.code, attempt.part.code))))
            event.add("dtstart", attempt.exam_date)
            event.add("dtstamp", utcnow().replace(tzinfo=datetime.UTC))
            calendar.add_component(event)
        summary = client_summary(client).summary
        if summary.termijn:
            event = Event()
            event.add("uid", f"termijn-{client.public_id}@mijnroute")
            event.add("summary", _("Last day of your termijn"))
            event.add("dtstart", summary.termijn.last_day)
            event.add("dtstamp", utcnow().replace(tzinfo=datetime.UTC))
            calendar.add_component(event)
    response = make_response(calendar.to_ical())
    response.mimetype = "text/calendar"
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def init_app(app) -> None:
    """The unread badge for every page."""
    app.jinja_env.globals.update(unread_count=unread_count, reminder_groups=KIND_GROUPS, reminder_kinds=KINDS)
