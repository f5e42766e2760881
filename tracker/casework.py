"""What a contactpersoon records in a client's file: PIP versions, steps, exam results, key dates,
verlengingen and appointments. Every change is validated by the domain rules and audited."""
import datetime
from decimal import Decimal

from .audit import record
from .domain import steps as step_rules
from .domain.hours import LANGUAGE_CATEGORIES
from .domain.pip import PipDraft, PipVersionFacts, validate_pip
from .domain.steps import StepStatus
from .validation import FieldErrors, clean, parse_date
from .extensions import db
from .models import Appointment, ExamAttempt, ExamPart, PipVersion, Step, Verlenging, utcnow

MAX_AGREEMENTS = 30
MAX_AGREEMENT_LEN = 500
MAX_TEXT = 200
MAX_NOTES = 2000
EXAM_RESULTS = ("GESLAAGD", "GEZAKT", "GEEN")
NO_RESULT_REASONS = ("VERWIJTBAAR", "NIETVERWIJTBAAR", "AFGEMELD", "ABSENT")
NIVEAUS = ("A2", "B1", "B2")
CLIENT_DATES = ("pvt_signed_on", "map_eindgesprek_on", "z_eindgesprek_on", "taalschakel_done_on")


def _pip_snapshot(pip: PipVersion) -> dict:
    return {"version": pip.version, "dagtekening": pip.dagtekening.isoformat(), "leerroute": pip.leerroute,
            "niveau": pip.niveau, "local_label": pip.local_label, "change_reason": pip.change_reason,
            "geschatte_intensiteit_b1": pip.geschatte_intensiteit_b1, "agreements": pip.agreements}


def _language_hours(client) -> tuple[Decimal, Decimal]:
    from .models import Entry
    from peewee import fn
    rows = (Entry.select(Entry.physical, fn.SUM(Entry.hours).alias("h"))
            .where(Entry.client == client.id, Entry.status == "CONFIRMED",
                   Entry.category.in_([c.value for c in LANGUAGE_CATEGORIES]))
            .group_by(Entry.physical).dicts())
    total = physical = Decimal(0)
    for row in rows:
        hours = Decimal(str(row["h"] or 0))
        total += hours
        if row["physical"]:
            physical += hours
    return total, physical


def add_pip_version(client, form: dict, actor, today: datetime.date, rules) -> PipVersion:
    """Adopt a new PIP version after DUO's validation rules (R-PIP-6) and the §6.2 guards."""
    errors: dict[str, str] = {}
    dagtekening = parse_date(form.get("dagtekening"), "dagtekening", errors)
    intensity = None
    if form.get("geschatte_intensiteit_b1") not in (None, ""):
        try:
            intensity = int(str(form["geschatte_intensiteit_b1"]).strip())
        except ValueError:
            errors["geschatte_intensiteit_b1"] = "invalid"
    local_label = clean(form.get("local_label"), 80, "local_label", errors)
    agreements = form.get("agreements") or []
    if isinstance(agreements, str):
        agreements = agreements.splitlines()
    if not isinstance(agreements, list):
        errors["agreements"] = "invalid"
        agreements = []
    agreements = [clean(a if isinstance(a, str) else "", MAX_AGREEMENT_LEN, "agreements", errors) for a in agreements]
    agreements = [a for a in agreements if a]
    if len(agreements) > MAX_AGREEMENTS:
        errors["agreements"] = "too_long"
    previous = list(PipVersion.select().where(PipVersion.client == client.id).order_by(PipVersion.version))
    niveau = form.get("niveau") or None
    draft = PipDraft(dagtekening=dagtekening, leerroute=form.get("leerroute") or None, niveau=niveau,
                     change_reason=form.get("change_reason") or ("INITIEEL" if not previous else None),
                     geschatte_intensiteit_b1=intensity)
    language, physical = _language_hours(client)
    rule_errors = validate_pip(
        draft, [PipVersionFacts(p.dagtekening, p.leerroute, p.niveau) for p in previous],
        client.duty_start, client.coupled_on, today, language, physical, rules)
    for field, code in rule_errors.items():
        if field != "dagtekening" or "dagtekening" not in errors:
            errors.setdefault(field, code)
    if errors:
        raise FieldErrors(errors)
    with db.atomic():
        pip = PipVersion.create(
            client=client, version=(previous[-1].version + 1) if previous else 1, dagtekening=dagtekening,
            leerroute=draft.leerroute, niveau=draft.niveau, local_label=local_label,
            geschatte_intensiteit_b1=intensity, change_reason=draft.change_reason,
            agreements=agreements, created_by=actor)
        record(actor, "pip.adopted", pip, before=_pip_snapshot(previous[-1]) if previous else None,
               after=_pip_snapshot(pip), client=client)
    return pip


def timeline(client, stored_steps=None) -> list[dict]:
    """The gemeente's steps with this client's status, in order; "updated_by" is the id of the user
    who marked the step last. The stored rows are read (one query) unless given (ClientFile.steps)."""
    if stored_steps is None:
        stored_steps = Step.select().where(Step.client == client.id)
    stored = {s.code: s for s in stored_steps}
    out = []
    for step in step_rules.steps_for(client.gemeente.settings or {}):
        row = stored.get(step.code)
        out.append({"code": step.code, "responsible": step.responsible,
                    "status": row.status if row else StepStatus.TODO.value, "date": row.date if row else None,
                    "note": row.note if row else None, "updated_by": row.updated_by_id if row else None})
    return out


def set_step(client, code: str, form: dict, actor, valid_codes) -> Step:
    """Mark one process step (status, date, note)."""
    errors: dict[str, str] = {}
    if code not in valid_codes:
        errors["step"] = "invalid"
    status = form.get("status")
    if status not in {s.value for s in StepStatus}:
        errors["status"] = "invalid" if status else "required"
    date = parse_date(form.get("date"), "date", errors, required=False)
    note = clean(form.get("note"), 500, "note", errors)
    if errors:
        raise FieldErrors(errors)
    with db.atomic():
        step = Step.get_or_none(Step.client == client.id, Step.code == code)
        before = {"status": step.status, "date": step.date and step.date.isoformat(), "note": step.note} if step else None
        if step is None:
            step = Step(client=client, code=code)
        step.status, step.date, step.note, step.updated_by, step.updated_at = status, date, note, actor, utcnow()
        step.save()
        record(actor, "step.changed", step, before=before,
               after={"code": code, "status": status, "date": date and date.isoformat(), "note": note}, client=client)
    return step


def add_exam_attempt(client, form: dict, actor, today: datetime.date) -> ExamAttempt:
    """Record an exam attempt (booked or with its result) for one part."""
    errors: dict[str, str] = {}
    code = clean(form.get("part"), 40, "part", errors, required=True)
    if code:
        code = code.upper() if code.upper() in ("LE", "LU", "SC", "SP", "KNM") else code
    exam_date = parse_date(form.get("exam_date"), "exam_date", errors)
    niveau = form.get("niveau") or None
    if niveau and niveau not in NIVEAUS:
        errors["niveau"] = "invalid"
    result = form.get("result") or None
    if result and result not in EXAM_RESULTS:
        errors["result"] = "invalid"
    if result and exam_date and exam_date > today:
        errors["result"] = "date_in_future"
    reason = form.get("reason_no_result") or None
    if reason and reason not in NO_RESULT_REASONS:
        errors["reason_no_result"] = "invalid"
    if result == "GEEN" and not reason:
        errors["reason_no_result"] = "required"
    if errors:
        raise FieldErrors(errors)
    with db.atomic():
        # The part keeps no level of its own: it follows the PIP, so an afschalen to A2 applies to it.
        part, _ = ExamPart.get_or_create(client=client, code=code)
        attempt = ExamAttempt.create(part=part, exam_date=exam_date, niveau=niveau or part.niveau, result=result,
                                     reason_no_result=reason if result == "GEEN" else None,
                                     counts_as_free=form.get("paid") != "1", created_by=actor)
        record(actor, "exam.attempt_recorded", attempt, client=client,
               after={"part": code, "exam_date": exam_date.isoformat(), "niveau": attempt.niveau,
                      "result": result, "reason_no_result": attempt.reason_no_result})
    return attempt


def set_exam_result(client, attempt: ExamAttempt, form: dict, actor, today: datetime.date) -> ExamAttempt:
    """Fill in the result of a booked attempt."""
    errors: dict[str, str] = {}
    result = form.get("result") or None
    if result not in EXAM_RESULTS:
        errors["result"] = "invalid" if result else "required"
    elif attempt.exam_date > today:
        errors["result"] = "date_in_future"
    reason = form.get("reason_no_result") or None
    if result == "GEEN" and reason not in NO_RESULT_REASONS:
        errors["reason_no_result"] = "required" if not reason else "invalid"
    if errors:
        raise FieldErrors(errors)
    before = {"result": attempt.result, "reason_no_result": attempt.reason_no_result}
    with db.atomic():
        attempt.result = result
        attempt.reason_no_result = reason if result == "GEEN" else None
        attempt.save()
        record(actor, "exam.result_recorded", attempt, before=before,
               after={"result": result, "reason_no_result": attempt.reason_no_result}, client=client)
    return attempt


def set_client_dates(client, form: dict, actor, today: datetime.date, termijn_start: datetime.date | None):
    """PVT signed, MAP eindgesprek, Z-route eindgesprek and taalschakel dates (R-PVT-4, R-MAP-3, R-LR-5)."""
    errors: dict[str, str] = {}
    values = {}
    for field in CLIENT_DATES:
        if field not in form:
            continue
        value = parse_date(form.get(field), field, errors, required=False)
        if value and value > today:
            errors[field] = "date_in_future"
        elif value and termijn_start and value < termijn_start and field != "taalschakel_done_on":
            errors[field] = "before_termijn"
        values[field] = value
    z_done = values.get("z_eindgesprek_on", client.z_eindgesprek_on)
    if z_done and "z_eindgesprek_on" not in errors:
        for other in ("pvt_signed_on", "map_eindgesprek_on"):
            other_value = values.get(other, getattr(client, other))
            if other_value and z_done < other_value:
                errors["z_eindgesprek_on"] = "before_pvt_map"
    if errors:
        raise FieldErrors(errors)
    before = {f: getattr(client, f) and getattr(client, f).isoformat() for f in values}
    with db.atomic():
        for field, value in values.items():
            setattr(client, field, value)
        client.save(only=[getattr(type(client), f) for f in values] or None)
        record(actor, "client.dates_changed", client, before=before,
               after={f: v and v.isoformat() for f, v in values.items()}, client=client)


def add_verlenging(client, form: dict, actor, current_end: datetime.date | None,
                   today: datetime.date | None = None) -> Verlenging:
    """Record a verlenging decided by DUO: the only way the termijn end moves (R-T-3, R-V-1)."""
    errors: dict[str, str] = {}
    einddatum = parse_date(form.get("einddatum"), "einddatum", errors)
    decided_on = parse_date(form.get("decided_on"), "decided_on", errors)
    if decided_on and today and decided_on > today:
        errors["decided_on"] = "date_in_future"  # DUO's decision has been taken already
    grond = clean(form.get("grond"), MAX_TEXT, "grond", errors, required=True)
    if current_end is None:
        errors.setdefault("einddatum", "no_termijn")
    elif einddatum and einddatum <= current_end:
        errors["einddatum"] = "not_later"
    if errors:
        raise FieldErrors(errors)
    with db.atomic():
        verlenging = Verlenging.create(client=client, einddatum=einddatum, grond=grond, decided_on=decided_on,
                                       created_by=actor)
        record(actor, "termijn.verlengd", verlenging, client=client,
               before={"einddatum": current_end.isoformat()},
               after={"einddatum": einddatum.isoformat(), "grond": grond, "decided_on": decided_on.isoformat()})
    return verlenging


def add_appointment(client, form: dict, actor, kinds, to_utc) -> Appointment:
    """Plan an appointment; the time is typed in the gemeente's zone and stored in UTC."""
    errors: dict[str, str] = {}
    kind = form.get("kind")
    if kind not in kinds:
        errors["kind"] = "invalid" if kind else "required"
    starts_at = None
    raw = (form.get("starts_at") or "").strip()
    if not raw:
        errors["starts_at"] = "required"
    else:
        try:
            starts_at = to_utc(datetime.datetime.fromisoformat(raw).replace(tzinfo=None))
        except ValueError:
            errors["starts_at"] = "invalid"
    location = clean(form.get("location"), MAX_TEXT, "location", errors)
    with_whom = clean(form.get("with_whom"), MAX_TEXT, "with_whom", errors)
    notes = clean(form.get("notes"), MAX_NOTES, "notes", errors)
    if errors:
        raise FieldErrors(errors)
    with db.atomic():
        appointment = Appointment.create(client=client, kind=kind, starts_at=starts_at, location=location,
                                         with_whom=with_whom, notes=notes, created_by=actor)
        record(actor, "appointment.planned", appointment, client=client,
               after={"kind": kind, "starts_at": starts_at.isoformat(), "location": location, "with_whom": with_whom})
    return appointment


def cancel_appointment(client, appointment: Appointment, actor) -> None:
    """Remove a planned appointment (audited with what it was)."""
    with db.atomic():
        record(actor, "appointment.cancelled", appointment, client=client,
               before={"kind": appointment.kind, "starts_at": appointment.starts_at.isoformat()})
        appointment.delete_instance()
