"""Short, localized title and body for each reminder kind, rendered in the current locale.

Called inside flask_babel.force_locale(user.locale) at send time (push) and at view time (inbox),
so a person always reads their own language, also after switching it.
"""
import datetime

from flask_babel import format_date, format_time, gettext as _, ngettext

from ..web import labels


def _moment(iso: str, zone) -> str:
    value = datetime.datetime.fromisoformat(iso).replace(tzinfo=datetime.UTC).astimezone(zone)
    return f"{format_date(value, 'full', rebase=False)} {format_time(value, 'short', rebase=False)}"


def _day(iso: str) -> str:
    return format_date(datetime.date.fromisoformat(iso), "long")


def _event_label(params: dict) -> str:
    code = params.get("label") or ""
    return str(labels.APPOINTMENT.get(code) or labels.CATEGORY.get(code) or _("Appointment"))


def render(kind: str, params: dict, zone) -> tuple[str, str]:
    """(title, body) for a reminder of `kind` with its stored params."""
    params = params or {}
    if kind in ("appointment_day", "appointment_soon", "session_day", "session_soon"):
        title = _("Tomorrow: %(what)s", what=_event_label(params)) if kind.endswith("_day") else \
            _("Soon: %(what)s", what=_event_label(params))
        body = _moment(params["starts_at"], zone)
        if params.get("place"):
            body = _("%(when)s at %(place)s", when=body, place=params["place"])
        return title, body
    if kind in ("exam_week", "exam_day", "exam_soon"):
        part = str(labels.EXAM_PART.get(params.get("part"), params.get("part")))
        title = {"exam_week": _("Exam in one week"), "exam_day": _("Exam tomorrow"),
                 "exam_soon": _("Exam today")}[kind]
        body = _("%(part)s on %(date)s. Bring your ID and come on time.", part=part, date=_day(params["date"]))
        return title, body
    if kind == "exam_registration":
        return (_("Register for your exam at DUO"),
                _("Register before %(date)s in Mijn Inburgering, so your results come before your termijn ends.",
                  date=_day(params["by"])))
    if kind == "exam_retake":
        part = str(labels.EXAM_PART.get(params.get("part"), params.get("part")))
        return (_("Try again: %(part)s", part=part),
                _("You can register again at DUO. Ask your contactpersoon for help."))
    if kind == "termijn_milestone":
        months = int(params.get("months", 0))
        return (ngettext("%(num)d month left in your termijn", "%(num)d months left in your termijn", months),
                _("The last day is %(date)s. Look at what you still need to do.", date=_day(params["last_day"])))
    if kind == "verlenging_window":
        return (_("More time is possible (verlenging)"),
                _("From now on you can ask DUO for more time, for example after illness. Ask your contactpersoon."))
    if kind == "inactivity":
        days = int(params.get("days", 14))
        return (_("Log your hours"),
                ngettext("You have not logged hours for %(num)d day.", "You have not logged hours for %(num)d days.",
                         days))
    if kind == "digest":
        pending, risks = int(params.get("pending", 0)), int(params.get("new_risks", 0))
        body = ngettext("%(num)d entry waits for your check.", "%(num)d entries wait for your check.", pending)
        if risks:
            body += " " + ngettext("%(num)d client has a new risk.", "%(num)d clients have a new risk.", risks)
        return _("Mijn Route today"), body
    return _("Mijn Route"), _("You have a new message.")
