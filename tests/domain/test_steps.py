"""The 8-step timeline of gemeente Nijkerk's leaflet."""
from tracker.domain.steps import (DEFAULT_STEPS, RESPONSIBLE_CODES, StepDef, StepStatus, current_step,
                                  steps_for)


def test_default_steps_follow_the_leaflet():
    assert [(s.code, s.order) for s in DEFAULT_STEPS] == [
        ("KOPPELING", 1), ("KENNISMAKING", 2), ("WONING", 3), ("BREDE_INTAKE", 4),
        ("PLAN", 5), ("PIP", 6), ("LEERROUTE", 7), ("AFRONDING", 8)]
    by_code = {s.code: s.responsible for s in DEFAULT_STEPS}
    assert by_code["KOPPELING"] == ("coa",)
    assert by_code["KENNISMAKING"] == ("gemeente", "maatschappelijk_begeleider")
    assert by_code["WONING"] == ("gemeente", "maatschappelijk_begeleider")
    assert by_code["BREDE_INTAKE"] == ("gemeente", "statushouder")
    assert by_code["PLAN"] == ("gemeente", "statushouder")
    assert by_code["PIP"] == ("gemeente",)
    assert by_code["LEERROUTE"] == ("statushouder", "taalschool", "gemeente")
    assert by_code["AFRONDING"] == ("statushouder", "duo", "gemeente")
    assert all(set(s.responsible) <= RESPONSIBLE_CODES for s in DEFAULT_STEPS)


def test_steps_for_without_settings_is_the_default():
    assert steps_for({}) == DEFAULT_STEPS
    assert steps_for(None) == DEFAULT_STEPS


def test_hidden_steps_are_left_out():
    steps = steps_for({"hidden_steps": ["WONING", "PLAN", "NOT_A_STEP"]})
    assert [s.code for s in steps] == ["KOPPELING", "KENNISMAKING", "BREDE_INTAKE", "PIP", "LEERROUTE", "AFRONDING"]


def test_current_step_is_the_first_not_done_or_skipped():
    assert current_step({}, DEFAULT_STEPS) == "KOPPELING"
    statuses = {"KOPPELING": StepStatus.DONE, "KENNISMAKING": StepStatus.SKIPPED, "WONING": "DONE"}
    assert current_step(statuses, DEFAULT_STEPS) == "BREDE_INTAKE"
    statuses["BREDE_INTAKE"] = StepStatus.IN_PROGRESS
    assert current_step(statuses, DEFAULT_STEPS) == "BREDE_INTAKE"


def test_current_step_skips_hidden_steps_and_is_none_when_all_done():
    steps = steps_for({"hidden_steps": ["KOPPELING"]})
    assert current_step({"KENNISMAKING": StepStatus.DONE}, steps) == "WONING"
    assert current_step({s.code: StepStatus.DONE for s in DEFAULT_STEPS}, DEFAULT_STEPS) is None


def test_step_defs_are_values():
    assert StepDef("PIP", 6, ("gemeente",)) == DEFAULT_STEPS[5]
