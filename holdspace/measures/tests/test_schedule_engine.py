"""The pure schedule engine: which measure is due when (CLINICAL.md §4, issue 5)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from holdspace.measures.schedule import (
    DEFAULT_RULES,
    CourseCalendar,
    IndicationGroup,
    MeasureRule,
    Occasion,
    Visit,
    add_months,
    due_measures,
    follow_up_dates,
    group_for,
    group_for_category,
    group_for_icd10,
    is_overdue,
)

PHQ9 = (MeasureRule("phq9"),)
START = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("code", "group"),
    [
        ("F33.2", IndicationGroup.DEPRESSION),
        ("f32.a", IndicationGroup.DEPRESSION),
        ("F31.4", IndicationGroup.DEPRESSION),
        ("F31.81", IndicationGroup.DEPRESSION),
        ("F41.1", IndicationGroup.ANXIETY),
        ("F43.10", IndicationGroup.PTSD),
        ("G90.512", IndicationGroup.CHRONIC_PAIN),
        ("M79.7", IndicationGroup.CHRONIC_PAIN),
        ("G89.29", IndicationGroup.CHRONIC_PAIN),
        ("F42.2", IndicationGroup.OTHER),
        ("F31.0", IndicationGroup.OTHER),  # bipolar, current episode hypomanic: not depression
        ("", IndicationGroup.OTHER),
    ],
)
def test_icd10_codes_map_to_the_group_the_clinic_configures(code, group):
    assert group_for_icd10(code) is group


def test_every_shipped_indication_code_of_a_named_group_maps_to_that_group():
    import json
    from pathlib import Path

    data = json.loads(
        (Path(__file__).parents[2] / "patients" / "data" / "icd10cm.json").read_text()
    )
    for category, entry in data["indications"].items():
        expected = group_for_category(category)
        if expected is IndicationGroup.OTHER:
            continue
        for code in entry["codes"]:
            assert group_for_icd10(code) is expected, (category, code)


def test_a_specific_code_wins_over_the_course_category_and_category_is_the_fallback():
    assert group_for(icd10_code="F43.10", category="other") is IndicationGroup.PTSD
    assert group_for(icd10_code="F42.2", category="trd") is IndicationGroup.DEPRESSION
    assert group_for(category="gad") is IndicationGroup.ANXIETY
    assert group_for(category="unknown") is IndicationGroup.OTHER


def test_defaults_follow_clinical_md():
    keys = {group: [r.instrument for r in rules] for group, rules in DEFAULT_RULES.items()}
    assert keys == {
        IndicationGroup.DEPRESSION: ["phq9"],
        IndicationGroup.ANXIETY: ["gad7"],
        IndicationGroup.PTSD: ["pcl5", "phq9"],
        IndicationGroup.CHRONIC_PAIN: ["pain_nrs", "phq9"],
        IndicationGroup.OTHER: [],
    }


def test_follow_ups_are_1_2_4_weeks_after_induction_then_monthly():
    end = date(2026, 1, 31)
    dates = [on for on, _ in follow_up_dates(end, months=4)]
    assert dates == [
        date(2026, 2, 7),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]
    assert follow_up_dates(end)[0][1] == "1 week after induction"


def test_month_arithmetic_clamps_to_the_last_day():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


def test_a_new_course_asks_the_baseline_and_before_the_first_infusion():
    course = CourseCalendar(START, infusions=(Visit("s1", START + timedelta(days=2)),))
    due = due_measures(course, PHQ9, today=START)
    assert [(m.occasion, m.due_on, m.visit_key) for m in due] == [
        (Occasion.BASELINE, START, None),
        (Occasion.PRE_INFUSION, START + timedelta(days=2), "s1"),
    ]


def test_baseline_and_first_infusion_on_one_day_ask_the_questionnaire_once():
    course = CourseCalendar(START, infusions=(Visit("s1", START),))
    due = due_measures(course, PHQ9, today=START)
    assert [m.occasion for m in due] == [Occasion.BASELINE]


def test_no_baseline_once_an_infusion_has_been_given():
    course = CourseCalendar(START, infusions=(Visit("s1", START, done=True),))
    assert due_measures(course, PHQ9, today=START + timedelta(days=1)) == ()


def test_infusions_beyond_the_look_ahead_are_not_listed_yet():
    later = Visit("s9", START + timedelta(days=20))
    course = CourseCalendar(START, infusions=(Visit("s1", START, done=True), later))
    assert due_measures(course, PHQ9, today=START, lookahead_days=3) == ()
    due = due_measures(course, PHQ9, today=later.on - timedelta(days=1))
    assert [m.visit_key for m in due] == ["s9"]


def test_an_integration_on_an_infusion_day_is_not_asked_twice():
    day = START + timedelta(days=1)
    course = CourseCalendar(
        START,
        infusions=(Visit("s0", START, done=True), Visit("s1", day)),
        integrations=(Visit("t1", day), Visit("t2", day + timedelta(days=1))),
    )
    due = due_measures(course, PHQ9, today=START)
    assert [(m.occasion, m.visit_key) for m in due] == [
        (Occasion.PRE_INFUSION, "s1"),
        (Occasion.INTEGRATION, "t2"),
    ]


def test_only_the_latest_missed_follow_up_is_still_asked():
    end = date(2026, 1, 10)
    course = CourseCalendar(START, infusions=(Visit("s", end, done=True),), induction_ended_on=end)
    due = due_measures(course, PHQ9, today=end + timedelta(days=30), lookahead_days=0)
    assert [(m.occasion, m.due_on, m.label) for m in due] == [
        (Occasion.FOLLOW_UP, end + timedelta(weeks=4), "4 weeks after induction")
    ]


def test_a_rule_switched_off_for_an_occasion_is_not_asked_then():
    rules = (MeasureRule("pcl5", before_each_infusion=False), MeasureRule("phq9"))
    course = CourseCalendar(
        START, infusions=(Visit("s0", START, done=True), Visit("s1", START + timedelta(days=1)))
    )
    due = due_measures(course, rules, today=START)
    assert [m.instrument for m in due] == ["phq9"]


def test_overdue_from_the_day_after():
    assert not is_overdue(START, START)
    assert is_overdue(START, START + timedelta(days=1))


def test_a_negative_look_ahead_is_refused():
    with pytest.raises(ValueError, match="look-ahead"):
        due_measures(CourseCalendar(START), PHQ9, today=START, lookahead_days=-1)


# --- Properties ------------------------------------------------------------------------------

days = st.integers(min_value=0, max_value=400)


@st.composite
def calendars(draw):
    start = date(2026, 1, 1) + timedelta(days=draw(days))
    infusion_days = sorted(draw(st.lists(st.integers(0, 60), max_size=8)))
    done_count = draw(st.integers(0, len(infusion_days)))
    infusions = tuple(
        Visit(f"s{i}", start + timedelta(days=d), done=i < done_count)
        for i, d in enumerate(infusion_days)
    )
    integrations = tuple(
        Visit(f"t{i}", start + timedelta(days=d), done=draw(st.booleans()))
        for i, d in enumerate(draw(st.lists(st.integers(0, 90), max_size=5)))
    )
    ended = draw(st.one_of(st.none(), st.integers(0, 90)))
    return CourseCalendar(
        start,
        infusions,
        integrations,
        None if ended is None else start + timedelta(days=ended),
    )


rule_sets = st.lists(
    st.builds(
        MeasureRule,
        st.sampled_from(["phq9", "gad7", "pcl5", "pain_nrs"]),
        st.booleans(),
        st.booleans(),
        st.booleans(),
        st.booleans(),
    ),
    max_size=4,
    unique_by=lambda r: r.instrument,
)


@given(calendars(), rule_sets, st.integers(0, 500), st.integers(0, 14))
def test_schedule_properties(course, rules, today_offset, lookahead):
    today = course.started_on + timedelta(days=today_offset - 100)
    due = due_measures(course, rules, today=today, lookahead_days=lookahead)
    horizon = today + timedelta(days=lookahead)
    slots = [(m.instrument, m.due_on) for m in due]
    # At most once per instrument per day, never beyond the look-ahead, in date order.
    assert len(slots) == len(set(slots))
    assert all(m.due_on <= horizon for m in due)
    assert [m.due_on for m in due] == sorted(m.due_on for m in due)
    by_key = {rule.instrument: rule for rule in rules}
    for measure in due:
        # Only instruments and occasions the clinic asked for.
        assert by_key[measure.instrument].asks_on(measure.occasion)
        if measure.occasion in (Occasion.PRE_INFUSION, Occasion.INTEGRATION):
            assert measure.visit_key is not None and measure.due_on >= today
        if measure.occasion is Occasion.BASELINE:
            assert not any(v.done for v in course.infusions)
    past_follow_ups = {
        m.instrument for m in due if m.occasion is Occasion.FOLLOW_UP and m.due_on < today
    }
    for instrument in past_follow_ups:
        # A missed follow-up is superseded: one past follow-up per instrument at most.
        assert (
            sum(
                1
                for m in due
                if m.instrument == instrument
                and m.occasion is Occasion.FOLLOW_UP
                and m.due_on < today
            )
            == 1
        )


@given(calendars(), rule_sets, st.integers(0, 300))
def test_the_schedule_is_deterministic_and_grows_with_the_look_ahead(course, rules, offset):
    today = course.started_on + timedelta(days=offset)
    short = due_measures(course, rules, today=today, lookahead_days=0)
    assert short == due_measures(course, rules, today=today, lookahead_days=0)
    longer = due_measures(course, rules, today=today, lookahead_days=7)
    assert {(m.instrument, m.due_on) for m in short} <= {(m.instrument, m.due_on) for m in longer}
