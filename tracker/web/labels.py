"""Codes from the domain and the database → text in the user's language.

The domain returns stable codes; this is the one place that turns them into words, so a
template never hard-codes a label and every label is in the catalogs.
"""
from .catalog import lazy as _l

LEERROUTE = {
    "B": _l("B1-route"),
    "O": _l("Onderwijsroute (education route)"),
    "Z": _l("Z-route (self-reliance route)"),
}

CATEGORY = {
    "TAALLES": _l("Dutch lesson"),
    "KNM_LES": _l("KNM lesson"),
    "ALFABETISERING": _l("Reading and writing lesson"),
    "PARTICIPATIE_VRIJWILLIGERSWERK": _l("Volunteer work"),
    "PARTICIPATIE_STAGE": _l("Internship"),
    "PARTICIPATIE_BETAALD_WERK": _l("Paid work"),
    "PARTICIPATIE_OVERIG": _l("Other participation"),
    "MAP_WORKSHOP": _l("MAP workshop"),
    "MAP_PRAKTIJK": _l("MAP work experience"),
    "PVT_SESSIE": _l("PVT session"),
    "ZELFSTUDIE": _l("Self-study"),
}

STATUS = {
    "SUBMITTED": _l("Waiting for check"),
    "CONFIRMED": _l("Confirmed"),
    "REJECTED": _l("Not accepted"),
    "WITHDRAWN": _l("Withdrawn"),
}

# Common reasons for not accepting an entry (codes in tracker.entries.REJECTION_CODES). The code is
# stored; the words are chosen when the page is shown, so the client reads them in their language.
REJECTION_REASON = {
    "DATE_WRONG": _l("The date is not right"),
    "HOURS_TOO_MANY": _l("The number of hours is too high"),
    "NOT_ATTENDED": _l("The school or organisation says you were not there"),
    "WRONG_CATEGORY": _l("This activity belongs to another category"),
    "DUPLICATE": _l("You already logged these hours"),
    "NO_PROOF": _l("We need proof from the organisation"),
}

REQUIREMENT = {
    "exam_LE": _l("Exam: reading (LE)"),
    "exam_LU": _l("Exam: listening (LU)"),
    "exam_SC": _l("Exam: writing (SC)"),
    "exam_SP": _l("Exam: speaking (SP)"),
    "exam_KNM": _l("Exam: KNM"),
    "pvt": _l("PVT: sign the participation statement"),
    "map_practice": _l("MAP: hours of work experience"),
    "map": _l("MAP: final talk"),
    "taalschakel": _l("Taalschakeltraject finished"),
    "z_language": _l("Z-route: hours of Dutch lessons"),
    "z_participation": _l("Z-route: hours of participation"),
    "z_eindgesprek": _l("Z-route: final talk"),
    "afschalen": _l("Lesson hours (600 hours: talk about A2 is possible)"),
}

EXAM_PART = {
    "LE": _l("Reading (LE)"),
    "LU": _l("Listening (LU)"),
    "SC": _l("Writing (SC)"),
    "SP": _l("Speaking (SP)"),
    "KNM": _l("Knowledge of Dutch society (KNM)"),
}

EXAM_RESULT = {
    "GESLAAGD": _l("Passed"),
    "GEZAKT": _l("Failed"),
    "GEEN": _l("No result"),
    None: _l("Result not known yet"),
}

NO_RESULT_REASON = {
    "VERWIJTBAAR": _l("Your own fault (for example: did not come)"),
    "NIETVERWIJTBAAR": _l("Not your fault (for example: ill)"),
    "AFGEMELD": _l("Cancelled"),
    "ABSENT": _l("Absent"),
}

NEXT_STEP = {
    "wait_for_coupling": _l("Wait until the gemeente has a place for you."),
    "make_pip": _l("Make your plan (PIP) with your contactpersoon."),
    "sign_pvt": _l("Finish the PVT and sign the participation statement."),
    "log_map_hours": _l("Do work experience for MAP and log the hours."),
    "plan_map_eindgesprek": _l("Plan the MAP final talk with your contactpersoon."),
    "follow_lessons": _l("Go to your Dutch lessons and log the hours."),
    "register_exam": _l("Register for the exam at DUO."),
    "take_exam": _l("Go to your exam."),
    "await_result": _l("Wait for your exam result."),
    "log_language_hours": _l("Go to your Dutch lessons and log the hours."),
    "log_participation_hours": _l("Take part in activities and log the hours."),
    "plan_z_eindgesprek": _l("Plan the Z-route final talk with your contactpersoon."),
    "finish_taalschakel": _l("Finish your taalschakeltraject at school."),
    "done": _l("You are done. Well done!"),
}

RISK_REASON = {
    "no_pip_after_10_weeks": _l("No PIP after 10 weeks"),
    "no_activity_14_days": _l("No activity for 14 days"),
    "termijn_near_no_exam_booked": _l("Termijn ends soon and no exam is booked"),
    "termijn_near_hours_behind": _l("Termijn ends soon and the Z-route hours are not reached"),
    "attempts_used_up": _l("Free exam attempts used up"),
    "afschalen_possible": _l("600 hours without B1: talk about A2"),
    "map_stalled": _l("MAP is not moving"),
    "termijn_passed": _l("Termijn has passed"),
}

RISK_LEVEL = {"ok": _l("On track"), "attention": _l("Needs attention"), "high": _l("At risk")}

STEP = {
    "KOPPELING": _l("Coupled to the gemeente"),
    "KENNISMAKING": _l("Meeting your contactpersoon"),
    "WONING": _l("A house and help with settling in"),
    "BREDE_INTAKE": _l("Brede intake and leerbaarheidstoets"),
    "PLAN": _l("Making your plan together"),
    "PIP": _l("Your plan: the PIP letter (beschikking)"),
    "LEERROUTE": _l("Leerroute and participation"),
    "AFRONDING": _l("Exam or final talk"),
}

STEP_STATUS = {"TODO": _l("Not started"), "IN_PROGRESS": _l("Busy"), "DONE": _l("Done"), "SKIPPED": _l("Not needed")}

RESPONSIBLE = {
    "coa": _l("COA"),
    "gemeente": _l("Gemeente (your contactpersoon)"),
    "statushouder": _l("You"),
    "maatschappelijk_begeleider": _l("Your social support worker"),
    "duo": _l("DUO"),
    "taalschool": _l("Language school"),
}

APPOINTMENT = {
    "KENNISMAKING": _l("First meeting"),
    "INTAKE_GESPREK": _l("Intake talk"),
    "LEERBAARHEIDSTOETS": _l("Leerbaarheidstoets (learning test)"),
    "PIP_GESPREK": _l("Talk about your plan (PIP)"),
    "VOORTGANGSGESPREK": _l("Progress talk"),
    "TAALLES": _l("Dutch lesson"),
    "KNM_LES": _l("KNM lesson"),
    "PVT_SESSIE": _l("PVT session"),
    "PVT_ONDERTEKENING": _l("Signing the participation statement (PVT)"),
    "MAP_WORKSHOP": _l("MAP workshop"),
    "MAP_PRAKTIJK": _l("MAP work experience"),
    "MAP_EINDGESPREK": _l("MAP final talk"),
    "PARTICIPATIE_ACTIVITEIT": _l("Participation activity"),
    "EXAM": _l("Exam"),
    "OTHER": _l("Other appointment"),
}

CHANGE_REASON = {
    "INITIEEL": _l("First plan"),
    "SCHAKELEN": _l("Switch to another leerroute"),
    "AFSCHALEN": _l("Afschalen (lower level A2)"),
    "VERHUIZING": _l("Moved to another gemeente"),
    "BEZWAAR": _l("After an objection (bezwaar)"),
    "OVERIG": _l("Other change"),
}

REMINDER_GROUP = {
    "appointment": _l("Appointments (1 day and 2 hours before)"),
    "session": _l("Group sessions (KNM, PVT, MAP)"),
    "exam": _l("Your exam days"),
    "exam_registration": _l("Registering for the exam at DUO"),
    "termijn": _l("Your termijn: how much time is left"),
    "inactivity": _l("When you have not logged hours for a while"),
    "digest": _l("Daily overview: hours to check and new risks"),
}

ERROR = {
    "required": _l("Please fill this in."),
    "invalid": _l("This is not valid. Please check it."),
    "too_long": _l("This text is too long."),
    "date_in_future": _l("This date is in the future."),
    "date_before_coupling": _l("This date is before you came to the gemeente."),
    "hours_too_small": _l("Fill in at least 0.25 hours (15 minutes)."),
    "hours_too_large": _l("Fill in at most 12 hours."),
    "hours_not_quarter": _l("Use steps of 15 minutes: 0.25, 0.5, 0.75 …"),
    "day_total_too_large": _l("Together with your other hours this day is more than 24 hours."),
    "not_editable": _l("This entry can no longer be changed."),
    "not_allowed": _l("This is not possible for this entry."),
    "changed_meanwhile": _l("Someone else changed this entry just now. Please look again."),
    "before_duty_start": _l("This date is before the start of the duty to integrate."),
    "before_coupling": _l("This date is before the client came to the gemeente."),
    "before_current_pip": _l("This date is before the current PIP."),
    "required_for_b": _l("Choose a level for the B1-route."),
    "a2_not_with_onderwijsroute": _l("A2 is not possible in the onderwijsroute."),
    "niveau_not_with_zroute": _l("The Z-route has no exam level."),
    "a2_not_in_first_pip": _l("A2 is not possible in the first PIP."),
    "must_be_initieel": _l("The first PIP has reason 'First plan'."),
    "switch_window_closed": _l("Switching route is only possible in the first 18 months."),
    "afschalen_needs_hours": _l("Afschalen needs at least 600 lesson hours, at least half of them in class."),
    "only_for_b": _l("Only for the B1-route."),
    "initieel_only_first": _l("Only the first PIP has reason 'First plan'."),
    "route_unchanged": _l("Switching needs another leerroute."),
    "afschalen_only_b": _l("Afschalen is only possible in the B1-route."),
    "before_termijn": _l("This date is before the start of the termijn."),
    "before_pvt_map": _l("The Z-route final talk cannot be before the PVT and MAP dates."),
    "no_termijn": _l("There is no termijn yet: first adopt a PIP."),
    "not_later": _l("The new end must be later than the current end."),
    "push_off": _l("Reminders by push are not switched on for this app yet."),
    "correction_below_zero": _l("A correction cannot take off more hours than were confirmed."),
    "username_taken": _l("This username is already used."),
    # The DUO export and the client import (tracker.duo_export, tracker.client_import).
    "not_zroute": _l("Only for the Z-route."),
    "unknown_contactpersoon": _l("There is no contactpersoon with this username in your gemeente."),
    "duplicate_in_file": _l("This username is in the file more than once."),
    "bad_date": _l("This is not a date. Write it like 2024-03-31."),
    "unknown_language": _l("This language is not known. Use a code like nl, en, ar or ti."),
    "too_many_values": _l("This row has more values than there are columns."),
    # Anonymising and erasing (tracker.privacy).
    "confirm_mismatch": _l("Type the username exactly as it is shown here."),
    "duty_not_ended": _l("The duty to integrate has not ended. Only do this now when the person asked for it "
                         "(AVG art. 17): tick the box."),
    "retention_months": _l("Fill in a whole number of months from 1 to 120."),
    "already_anonymised": _l("This client is already anonymised."),
}

# The client import's file as a whole (tracker.client_import.FileError codes).
IMPORT_FILE_ERROR = {
    "required": _l("Choose a CSV file."),
    "file_too_large": _l("The file is too large. The maximum is 1 MB."),
    "not_utf8": _l("The file is not UTF-8 text. In Excel, save it as 'CSV UTF-8'."),
    "empty": _l("The file is empty."),
    "no_rows": _l("The file has a header but no clients."),
    "too_many_rows": _l("The file has more than 2,000 clients. Split it into smaller files."),
    "bad_csv": _l("This is not a valid CSV file."),
    "unknown_columns": _l("The file has columns that are not known: %(columns)s."),
    "duplicate_columns": _l("The file has columns more than once: %(columns)s."),
    "missing_columns": _l("The file misses these columns: %(columns)s."),
    "bad_payload": _l("The checked file could not be read again. Please choose the file again."),
    "already_imported": _l("This file was imported already. Nothing was imported again."),
}

# What each column of the import file holds (tracker.client_import.COLUMNS).
IMPORT_COLUMN = {
    "name": _l("Full name"),
    "username": _l("Username to log in with; made from the name when empty"),
    "contactpersoon_username": _l("Username of the contactpersoon in your gemeente"),
    "language": _l("Language code, for example nl, en, ar, ti, fa_AF"),
    "coupled_on": _l("Date of coupling to the gemeente (YYYY-MM-DD)"),
    "duty_start": _l("Start of the duty to integrate (YYYY-MM-DD)"),
    "pip_dagtekening": _l("Dagtekening of the first PIP (YYYY-MM-DD)"),
    "leerroute": _l("Leerroute of the PIP: B, O or Z"),
    "niveau": _l("Level of the PIP: B1 for the B1-route, empty for the Z-route"),
}

# DUO's hour counters and dates in the export (tracker.duo_export.COUNTERS and DATES).
DUO_COUNTER = {
    "taalles_knm_brede_intake": _l("Dutch and KNM lessons during the brede intake"),
    "participatie_activiteiten": _l("Participation activities (Z-route, brede intake included)"),
    "participatie_als_taalles": _l("Dutch and KNM lessons in the leerroute"),
}
DUO_DATE = {
    "datumOndertekeningPvt": _l("PVT: participation statement signed on"),
    "datumEindgesprekMap": _l("MAP: final talk (eindgesprek) held on"),
    "datumAfrondingZroute": _l("Z-route: final talk (eindgesprek) held on"),
}

# The groups of hour categories on the monitoring page (tracker.monitoring.CATEGORY_GROUPS).
CATEGORY_GROUP = {
    "language": _l("Lessons (Dutch, KNM, reading and writing)"),
    "participation": _l("Participation"),
    "map": _l("MAP"),
    "pvt": _l("PVT"),
    "self_study": _l("Self-study"),
}

# Why a scanned attendance code is refused (tracker.attendance.Verdict values), and "removed": the
# trainer took the person off the list.
ATTENDANCE_REFUSED = {
    "invalid": _l("This code is not valid for this session. Scan the code on the trainer's screen again."),
    "expired": _l("This code has expired. The code on the screen changes every 30 seconds. "
                  "Scan the code on the screen again."),
    "not_open": _l("You cannot sign in for this session yet. This is possible from 15 minutes before the start."),
    "closed": _l("This session has ended, so you cannot sign in with a code any more. Were you "
                 "there? Tell your contactpersoon."),
    "removed": _l("The trainer took you off the list of this session. Please talk to the trainer."),
}

# Choosing entries for a supervisor's link (tracker.supervision.create_request); "too_many" takes num.
SUPERVISOR_ENTRY_ERROR = {
    "required": _l("Choose at least one entry."),
    "too_many": _l("Choose at most %(num)d entries for one link."),
    "invalid": _l("One of the chosen entries cannot be sent. Please look again."),
}


def error_text(code: str) -> str:
    """The message for an error code; unknown codes get the general one."""
    return str(ERROR.get(code, ERROR["invalid"]))
