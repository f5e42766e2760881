"""Casework tools: the gemeente's monitoring page (anonymous totals, charts, CSV) and the
contactpersoon's printable dossier of one client."""
import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

from flask import Blueprint, render_template
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from peewee import JOIN

from .. import charts
from .. import monitoring as report_rules
from ..audit import record
from ..casework import timeline
from ..facts import client_summary, rules_for
from ..i18n import text_direction
from ..models import Appointment, AuditLog, Entry, GroupSession, Placement, SupervisorRequest, User
from . import labels
from .access import allow, staff_client
from .templating import hours as format_hours
from .timeutil import local_today

bp = Blueprint("monitoring", __name__)

ROUTE_COLOURS = {"B": charts.PRIMARY, "O": charts.OK, "Z": charts.WARN, "none": charts.MUTED}
LEVEL_COLOURS = {"ok": charts.OK, "attention": charts.WARN, "high": charts.ERROR, "done": charts.PRIMARY}
# The CSV spells a hidden number the way statistics offices do: "<5" for a small count, "x" for
# anything else that is hidden.
CSV_SMALL, CSV_HIDDEN = "<5", "x"


# ------------------------------------------------------------------ tables shared by page and CSV

@dataclass
class Table:
    """One table of the page: its rows are (label, {column key: Cell}); kinds say how to write numbers."""

    key: str
    title: str
    stub: str
    columns: list  # (key, label, kind) with kind "count", "hours", "percent" or "days"
    rows: list  # (key, label, {column key: Cell})


def _route_label(code):
    return str(labels.LEERROUTE.get(code) or _("No PIP yet"))


def _stage_label(code):
    return _("Duty fulfilled") if code == report_rules.DONE else str(labels.STEP.get(code, code))


def _level_label(code):
    return _("Duty fulfilled") if code == "done" else str(labels.RISK_LEVEL.get(code, code))


def _median_label(code):
    return _("First PIP (dagtekening)") if code == report_rules.PIP else str(labels.STEP.get(code, code))


def _month_label(key):
    return format_date(datetime.date.fromisoformat(key + "-01"), "LLLL y")


def _tables(report) -> list[Table]:
    total = report_rules.TOTAL
    routes = report_rules.ROUTES
    route_columns = [(r, _route_label(r), "count") for r in routes] + [(total, _("Total"), "count")]
    groups = tuple(report_rules.CATEGORY_GROUPS)
    return [
        Table("stages", _("Clients per stage and leerroute"), _("Stage"), route_columns,
              [(s, _stage_label(s), {c: report.route_stage[(s, c)] for c, _label, _kind in route_columns})
               for s in report.stages]
              + [(total, _("Total"), {c: report.route_stage[(total, c)] for c, _label, _kind in route_columns})]),
        Table("risk", _("On track or at risk"), _("Situation"), [("clients", _("Clients"), "count")],
              [(lvl, _level_label(lvl), {"clients": report.risk_levels[lvl]}) for lvl in report_rules.RISK_LEVELS]
              + [(total, _("Total"), {"clients": report.risk_levels[total]})]),
        Table("reasons", _("Reasons for attention or risk"), _("Reason"), [("clients", _("Clients"), "count")],
              [(r, str(labels.RISK_REASON.get(r, r)), {"clients": cell}) for r, cell in report.risk_reasons.items()]),
        Table("pip", _("PIP within 10 weeks"), _("Clients"),
              [("clients", _("Clients with a PIP"), "count"), ("percent", _("PIP in time (%)"), "percent")],
              [("pip", _("First PIP"), {"clients": report.pip_clients, "percent": report.pip_in_time})]),
        Table("hours", _("Confirmed hours per month"), _("Month"),
              [(g, str(labels.CATEGORY_GROUP[g]), "hours") for g in groups] + [(total, _("Total"), "hours")],
              [(m, _month_label(m), {g: report.hours[(m, g)] for g in (*groups, total)}) for m in report.months]
              + [(total, _("Total"), {g: report.hours[(total, g)] for g in (*groups, total)})]),
        Table("exams", _("Exam results per part"), _("Part"),
              [("attempts", _("Attempts with a result"), "count"), ("percent", _("Passed (%)"), "percent")],
              [(p, str(labels.EXAM_PART.get(p, p)), cells) for p, cells in report.exams.items()]),
        Table("medians", _("Time from coupling to each step"), _("Step"),
              [("clients", _("Clients"), "count"), ("days", _("Median (days)"), "days")],
              [(code, _median_label(code), cells) for code, cells in report.medians.items()]),
    ]


def _plain(value, kind) -> str:
    if kind == "hours":
        value = Decimal(str(value)).normalize()
        return f"{value:f}"
    return str(int(value))


def page_text(cell, kind) -> str:
    """A cell as the page writes it."""
    if cell.state == "value":
        return format_hours(cell.value) if kind == "hours" else _plain(cell.value, kind)
    if cell.state == "small" and kind == "count":
        return "< 5"
    if cell.state == "empty":
        return "–"
    return _("hidden")


def csv_text(cell, kind) -> str:
    """A cell as the CSV writes it: plain numbers, "<5" or "x"."""
    if cell.state == "value":
        return _plain(cell.value, kind)
    if cell.state == "small" and kind == "count":
        return CSV_SMALL
    if cell.state == "empty":
        return ""
    return CSV_HIDDEN


# ------------------------------------------------------------------ charts

def _rtl() -> bool:
    return text_direction(str(get_locale() or "nl")) == "rtl"


def _bars(table: Table, column: str, colours=None, skip=()) -> list:
    kind = next(k for key, _label, k in table.columns if key == column)
    out = []
    for key, label, cells in table.rows:
        if key in skip:
            continue
        cell = cells[column]
        out.append(charts.Bar(label, cell.shown, page_text(cell, kind), (colours or {}).get(key, charts.PRIMARY)))
    return out


def _charts(report, tables) -> dict:
    rtl = _rtl()
    by_key = {t.key: t for t in tables}
    total = report_rules.TOTAL
    note = _("The same numbers are in the table below the chart.")
    hidden = _("Hidden (fewer than 5)")
    route_series = [charts.Series(r, _route_label(r), ROUTE_COLOURS[r]) for r in report_rules.ROUTES]
    stage_bars = [charts.StackedBar(label, {r: cells[r].shown for r in report_rules.ROUTES}, cells[total].shown,
                                    page_text(cells[total], "count"))
                  for key, label, cells in by_key["stages"].rows if key != total]
    group_series = [charts.Series(g, str(labels.CATEGORY_GROUP[g]), colour)
                    for g, colour in zip(report_rules.CATEGORY_GROUPS, charts.SERIES)]
    month_bars = [charts.StackedBar(label, {g.key: cells[g.key].shown for g in group_series}, cells[total].shown,
                                    page_text(cells[total], "hours"))
                  for key, label, cells in by_key["hours"].rows if key != total]
    return {
        "stages": charts.stacked_bar_chart(
            "chart-stages", by_key["stages"].title, note, route_series, stage_bars, hidden_label=hidden, rtl=rtl),
        "risk": charts.bar_chart("chart-risk", by_key["risk"].title, note,
                                 _bars(by_key["risk"], "clients", LEVEL_COLOURS, skip=(total,)), rtl=rtl),
        "reasons": charts.bar_chart("chart-reasons", by_key["reasons"].title, note,
                                    _bars(by_key["reasons"], "clients", {}), rtl=rtl),
        "hours": charts.stacked_bar_chart(
            "chart-hours", by_key["hours"].title, note, group_series, month_bars,
            hidden_label=_("Hidden (fewer than 5 people)"), rtl=rtl),
        "exams": charts.bar_chart("chart-exams", by_key["exams"].title, note,
                                  _bars(by_key["exams"], "percent"), rtl=rtl, max_value=100),
        "medians": charts.bar_chart("chart-medians", by_key["medians"].title, note,
                                    _bars(by_key["medians"], "days"), rtl=rtl),
    }


def _report():
    gemeente = current_user.gemeente
    return report_rules.build(gemeente, local_today(gemeente), rules_for(gemeente))


@bp.get("/admin/monitoring")
@allow("admin")
def monitoring():
    """Anonymous totals of the gemeente with charts and tables; small numbers hidden."""
    report = _report()
    tables = _tables(report)
    return render_template("monitoring/index.html", report=report, tables=tables, charts=_charts(report, tables),
                           page_text=page_text, small=report_rules.SMALL)


@bp.get("/admin/monitoring.csv")
@allow("admin")
def monitoring_csv():
    """The numbers of the monitoring page as CSV: table, row, column, value (same suppression)."""
    report = _report()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("Table"), _("Row"), _("Column"), _("Value")])
    for table in _tables(report):
        for _key, label, cells in table.rows:
            for column, column_label, kind in table.columns:
                writer.writerow([table.title, label, column_label, csv_text(cells[column], kind)])
    gemeente = current_user.gemeente
    name = f"monitoring-{gemeente.slug}-{report.today.isoformat()}.csv"
    # The byte order mark makes spreadsheet programs read the file as UTF-8.
    return "\ufeff" + out.getvalue(), 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
    }


# ------------------------------------------------------------------ dossier

VIEW_ACTIONS = ("client.viewed", "client.dossier_viewed")


@bp.get("/staff/clients/<client_id>/dossier")
@allow("contactpersoon")
def dossier(client_id):
    """Everything about one client on one printable page: plan versions, steps, hours with who
    confirmed them, sessions, appointments, exams, verlengingen and the audit trail."""
    client = staff_client(client_id)
    view = client_summary(client, rows=True)
    file = view.file
    Decider = User.alias()
    entries = list(Entry.select(Entry, Decider, GroupSession, SupervisorRequest, Placement)
                   .join(Decider, JOIN.LEFT_OUTER, on=(Entry.decided_by == Decider.id), attr="decider")
                   .switch(Entry)
                   .join(GroupSession, JOIN.LEFT_OUTER, on=(Entry.session == GroupSession.id), attr="group_session")
                   .switch(Entry)
                   .join(SupervisorRequest, JOIN.LEFT_OUTER, on=(Entry.supervisor_request == SupervisorRequest.id),
                         attr="request_row")
                   .join(Placement, JOIN.LEFT_OUTER, on=(SupervisorRequest.placement == Placement.id),
                         attr="placement_row")
                   .where(Entry.client == client.id, Entry.status != "WITHDRAWN")
                   .order_by(Entry.entry_date, Entry.id))
    confirmed: dict[str, Decimal] = {}
    for entry in entries:
        if entry.status == "CONFIRMED":
            confirmed[entry.category] = confirmed.get(entry.category, Decimal(0)) + entry.hours
    audit = list(AuditLog.select(AuditLog, User).join(User, JOIN.LEFT_OUTER, on=(AuditLog.actor == User.id))
                 .where(AuditLog.client == client.id, AuditLog.action.not_in(VIEW_ACTIONS))
                 .order_by(AuditLog.created_at, AuditLog.id))
    views = AuditLog.select().where(AuditLog.client == client.id, AuditLog.action.in_(VIEW_ACTIONS)).count()
    steps = timeline(client, file.steps)
    user_ids = {p.created_by_id for p in file.pips} | {v.created_by_id for v in file.verlengingen}
    user_ids |= {a.created_by_id for attempts in file.attempts.values() for a in attempts}
    user_ids |= {step["updated_by"] for step in steps}
    if client.contactpersoon_id:
        user_ids.add(client.contactpersoon_id)
    names = dict(User.select(User.id, User.name).where(User.id.in_([i for i in user_ids if i])).tuples()) \
        if any(user_ids) else {}
    for step in steps:
        step["by"] = names.get(step["updated_by"])
    appointments = list(Appointment.select().where(Appointment.client == client.id).order_by(Appointment.starts_at))
    record(current_user, "client.dossier_viewed", client, client=client)
    return render_template(
        "contactpersoon/dossier.html", client=client, facts=file.facts, summary=view.summary, today=view.today,
        versions=file.pips, verlengingen=file.verlengingen, parts=file.parts, attempts=file.attempts,
        entries=entries, sessions=[e for e in entries if e.session_id], confirmed=confirmed, steps=steps,
        appointments=appointments, audit=audit, views=views, names=names, printed_by=current_user)
