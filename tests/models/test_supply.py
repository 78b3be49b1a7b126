"""Supply points and meter readings as the domain sees them: codes checked by their check
character, every rule a self-reading must pass (dates, values, rollover, the expected range),
one row per register and date however often it is sent, a clerk's decision, the monthly
history, the reading window, and the distributor's all-or-nothing import."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from models.audit import AuditEvent
from models.errors import DomainError
from models.files import StoredFile
from models.supply import (
    Commodity,
    Outcome,
    Reading,
    ReadingSource,
    ReadingStatus,
    ReadingSubmission,
    RegisterSpec,
    RegisterValue,
    ReviewReason,
    Step,
    add_contract,
    create_supply_point,
    expected_range,
    import_readings,
    install_meter,
    is_valid_code,
    latest_readings,
    monthly_consumption,
    points_due,
    reading_window,
    readings_with_consumption,
    review_reading,
    submit_reading,
    terminate_supply_point,
)
from tests import factories
from tests.factories import read

D = dt.date
JAN1, JAN31, FEB10, MAR2 = D(2025, 1, 1), D(2025, 1, 31), D(2025, 2, 10), D(2025, 3, 2)


@contextmanager
def refusal(fragment: str) -> Iterator[pytest.ExceptionInfo[DomainError]]:
    """Expects a DomainError whose message, as people read it, contains `fragment`."""
    with pytest.raises(DomainError) as caught:
        yield caught
    said = caught.value.message % caught.value.params
    assert fragment in said, said


def readings(session, point) -> list[Reading]:
    session.expire_all()
    return list(
        session.scalars(
            select(Reading)
            .where(Reading.supply_point_id == point.id)
            .order_by(Reading.reading_date, Reading.register_id)
        )
    )


@pytest.fixture
def point(session, people):
    """Alfa's single-register electricity point with ten units a day in January."""
    made = factories.supply_point(session, people.alfa)
    read(session, made, JAN1, 1000, source="distributor")
    read(session, made, JAN31, 1300, who=people.jan)
    return made


@pytest.fixture
def two_tariff(session, people):
    return factories.supply_point(session, people.alfa, registers=("HT", "NT"), decimals=1)


# Codes ------------------------------------------------------------------------------------


def test_supply_point_codes_are_checked_by_their_check_character():
    assert is_valid_code(factories.eic_code(1))
    assert is_valid_code(factories.ean_code(1))
    assert is_valid_code("22XWATTPLUS----G")  # stdnum's own example of an EIC
    eic = factories.eic_code(2)
    wrong = eic[:-1] + ("A" if eic[-1] != "A" else "B")
    assert not is_valid_code(wrong)
    ean = factories.ean_code(2)
    assert not is_valid_code(ean[:-1] + str((int(ean[-1]) + 1) % 10))
    assert not is_valid_code("12345")


def test_a_supply_point_with_a_wrong_check_character_or_a_taken_code_is_refused(session, people):
    eic = factories.eic_code(3)
    with pytest.raises(DomainError) as refused:
        create_supply_point(
            session,
            actor=None,
            company=people.alfa,
            code=eic[:-1] + ("A" if eic[-1] != "A" else "B"),
            commodity=Commodity.ELECTRICITY,
            address="x",
        )
    assert refused.value.field == "code"
    factories.supply_point(session, people.alfa, code=eic)
    with refusal("already exists"):
        factories.supply_point(session, people.beta, code=eic.lower())


def test_a_contract_document_must_belong_to_the_points_company(session, people):
    made = factories.supply_point(session, people.alfa)
    foreign = StoredFile(
        company_id=people.beta.id,
        filename="c.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        data=b"%",
    )
    session.add(foreign)
    session.flush()
    with refusal("another company"):
        add_contract(
            session, actor=None, point=made, number="C-1", valid_from=JAN1, document=foreign
        )


# The expected range -------------------------------------------------------------------------


def test_the_expected_range_is_the_average_daily_consumption_times_the_days_since():
    history = [Step(JAN1, Decimal(1000)), Step(JAN31, Decimal(1300))]  # 10 a day
    found = expected_range(history, FEB10, wrap=10**6, tolerance=Decimal("0.5"))
    assert found.daily == 10
    assert found.days == 10
    assert (found.expected, found.low, found.high) == (100, 50, 150)
    assert (found.value_low, found.value_high) == (1350, 1450)


def test_the_tolerance_is_a_parameter():
    history = [Step(JAN1, Decimal(1000)), Step(JAN31, Decimal(1300))]
    found = expected_range(history, FEB10, wrap=10**6, tolerance=Decimal("0.2"))
    assert (found.low, found.high) == (80, 120)


def test_there_is_no_expected_range_without_two_earlier_readings():
    assert expected_range([], FEB10, wrap=10**6, tolerance=Decimal("0.5")) is None
    one = [Step(JAN1, Decimal(1000))]
    assert expected_range(one, FEB10, wrap=10**6, tolerance=Decimal("0.5")) is None
    # Readings on or after the date do not count as history.
    later = [Step(JAN1, Decimal(1000)), Step(FEB10, Decimal(1100))]
    assert expected_range(later, FEB10, wrap=10**6, tolerance=Decimal("0.5")) is None


def test_the_expected_range_averages_the_last_year_only():
    history = [
        Step(D(2021, 1, 1), Decimal(0)),
        Step(D(2023, 1, 1), Decimal(73_000)),  # 100 a day, long ago
        Step(D(2024, 1, 1), Decimal(76_650)),  # 10 a day over the last year
    ]
    found = expected_range(history, D(2024, 1, 11), wrap=10**6, tolerance=Decimal("0.5"))
    assert found.daily == 10


def test_the_expected_range_counts_consumption_across_a_rollover():
    history = [Step(JAN1, Decimal(99_900)), Step(JAN31, Decimal(200), rollover=True)]
    found = expected_range(history, FEB10, wrap=10**5, tolerance=Decimal("0.5"))
    assert found.daily == 10


def test_the_reading_form_would_show_the_range_in_meter_values_past_a_rollover():
    history = [Step(JAN1, Decimal(99_000)), Step(JAN31, Decimal(99_900))]  # 30 a day
    found = expected_range(history, FEB10, wrap=10**5, tolerance=Decimal("0.5"))
    assert (found.value_low, found.value_high) == (50, 350)


# Submitting: the happy paths ------------------------------------------------------------------


def test_a_reading_within_the_expected_range_is_accepted(session, people, point):
    submission = read(session, point, FEB10, 1395, who=people.anna)
    [reading] = submission.readings
    assert reading.status == ReadingStatus.ACCEPTED
    assert reading.consumption == 95
    assert (reading.expected_low, reading.expected_high) == (50, 150)
    assert submission.submitted_by_id == people.anna.id
    assert submission.source == ReadingSource.CUSTOMER
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "reading.submitted")
    ).all()[-1]
    assert event.company_id == people.alfa.id and event.actor_id == people.anna.id


def test_a_comma_decimal_separator_and_spaces_are_accepted(session, people, two_tariff):
    submission = read(session, two_tariff, JAN1, "12 345,6", "7 000.5", who=people.jan)
    assert [r.value for r in submission.readings] == [Decimal("12345.6"), Decimal("7000.5")]


def test_without_two_earlier_readings_a_reading_is_accepted_without_a_range(
    session, people, two_tariff
):
    read(session, two_tariff, JAN1, 100, 50, who=people.jan)
    submission = read(session, two_tariff, JAN31, 9000, 9000, who=people.jan)
    assert {r.status for r in submission.readings} == {ReadingStatus.ACCEPTED}
    assert {r.expected_low for r in submission.readings} == {None}


# Submitting: the rules ----------------------------------------------------------------------


def test_a_reading_dated_in_the_future_is_refused(session, people, point):
    with refusal("future") as refused:
        read(session, point, FEB10, 1400, who=people.jan, today=FEB10 - dt.timedelta(days=1))
    assert refused.value.field == "reading_date"


def test_a_reading_before_the_meters_installation_is_refused(session, people):
    made = factories.supply_point(session, people.alfa, installed_on=JAN31)
    meter = made.current_meter
    with refusal("installed on 2025-01-31") as refused:
        submit_reading(
            session,
            actor=people.jan,
            point=made,
            meter=meter,
            reading_date=JAN1,
            values=[RegisterValue(meter.registers[0].id, "5")],
        )
    assert refused.value.field == "reading_date"


def test_a_reading_after_the_meters_removal_is_refused(session, people, point):
    old = point.current_meter
    install_meter(
        session,
        actor=None,
        point=point,
        serial_number="NEW-1",
        installed_on=FEB10,
        registers=[RegisterSpec("T1", 6)],
    )
    with refusal("removed on 2025-02-10") as refused:
        submit_reading(
            session,
            actor=people.jan,
            point=point,
            meter=old,
            reading_date=MAR2,
            values=[RegisterValue(old.registers[0].id, "1600")],
        )
    assert refused.value.field == "reading_date"


def test_a_terminated_supply_point_takes_no_readings(session, people, point):
    terminate_supply_point(session, actor=None, point=point)
    with refusal("terminated"):
        read(session, point, FEB10, 1400, who=people.jan)
    assert len(readings(session, point)) == 2


def test_customer_readings_need_self_reading_but_the_distributors_do_not(session, people):
    made = factories.supply_point(session, people.gamma, self_reading=False)
    with refusal("not enabled"):
        read(session, made, JAN1, 100, who=people.jan)
    assert read(session, made, JAN1, 100, source="distributor").readings[0].status == "accepted"


def test_reading_below_previous_is_refused_unless_rollover(session, people):
    made = factories.supply_point(session, people.alfa, digits=5)
    read(session, made, JAN1, 99_000, source="distributor")
    read(session, made, JAN31, 99_900, who=people.jan)  # 30 a day
    with refusal("below the previous reading") as refused:
        read(session, made, FEB10, 200, who=people.jan)
    assert refused.value.field == f"register-{made.current_meter.registers[0].id}"
    assert len(readings(session, made)) == 2

    [reading] = read(session, made, FEB10, 200, who=people.jan, rollover=("T1",)).readings
    assert reading.rollover is True
    assert reading.consumption == 300  # 100 to the wrap, then 200
    assert reading.status == ReadingStatus.ACCEPTED


def test_a_rollover_that_also_falls_out_of_range_waits_for_review(session, people):
    made = factories.supply_point(session, people.alfa, digits=5)
    read(session, made, JAN1, 99_000, source="distributor")
    read(session, made, JAN31, 99_900, who=people.jan)
    [reading] = read(session, made, FEB10, 5_000, who=people.jan, rollover=("T1",)).readings
    assert reading.rollover is True
    assert reading.status == ReadingStatus.PENDING_REVIEW
    assert reading.review_reason == ReviewReason.ABOVE_EXPECTED


def test_a_rollover_cannot_be_claimed_for_a_value_above_the_previous(session, people, point):
    with refusal("cannot have rolled over"):
        read(session, point, FEB10, 1400, who=people.jan, rollover=("T1",))


def test_a_rollover_needs_an_earlier_reading(session, people, two_tariff):
    with refusal("no earlier reading"):
        read(session, two_tariff, JAN1, 5, 5, who=people.jan, rollover=("HT",))


def test_consumption_above_the_expected_range_waits_for_review_with_the_reason(
    session, people, point
):
    [reading] = read(session, point, FEB10, 1451, who=people.jan).readings
    assert reading.status == ReadingStatus.PENDING_REVIEW
    assert reading.review_reason == ReviewReason.ABOVE_EXPECTED
    assert (reading.consumption, reading.expected_high) == (151, 150)


def test_consumption_below_the_expected_range_waits_for_review(session, people, point):
    [reading] = read(session, point, FEB10, 1349, who=people.jan).readings
    assert reading.status == ReadingStatus.PENDING_REVIEW
    assert reading.review_reason == ReviewReason.BELOW_EXPECTED


def test_the_range_bounds_themselves_are_accepted(session, people, point):
    assert read(session, point, FEB10, 1450, who=people.jan).readings[0].status == "accepted"
    made = factories.supply_point(session, people.alfa)
    read(session, made, JAN1, 1000, source="distributor")
    read(session, made, JAN31, 1300, who=people.jan)
    assert read(session, made, FEB10, 1350, who=people.jan).readings[0].status == "accepted"


def test_no_consumption_for_more_than_60_days_waits_for_review_even_with_a_wide_tolerance(
    session, people, point
):
    [long_pause] = read(session, point, D(2025, 4, 2), 1300, who=people.jan, tolerance="1").readings
    assert long_pause.status == ReadingStatus.PENDING_REVIEW
    assert long_pause.review_reason == ReviewReason.NO_CONSUMPTION


def test_no_consumption_for_up_to_60_days_is_only_judged_by_the_range(session, people, point):
    [short_pause] = read(session, point, MAR2, 1300, who=people.jan, tolerance="1").readings
    assert short_pause.status == ReadingStatus.ACCEPTED


def test_a_distributor_reading_out_of_range_is_accepted(session, people, point):
    [reading] = read(session, point, FEB10, 5000, source="distributor").readings
    assert reading.status == ReadingStatus.ACCEPTED and reading.review_reason is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "Enter the number shown"),
        ("12a", "Enter the number shown"),
        ("1e5", "Enter the number shown"),
        ("NaN", "Enter the number shown"),
        ("", "Enter the number shown"),
        ("-5", "cannot be negative"),
        ("1400.5", "whole numbers only"),
        ("1000000", "must be below 1000000"),
        ("99999999999999999999", "must be below"),
        ("1" * 40, "Enter the number shown"),
    ],
)
def test_bad_values_are_refused_next_to_their_register(session, people, point, typed, message):
    with refusal(message) as refused:
        read(session, point, FEB10, typed, who=people.jan)
    assert refused.value.field == f"register-{point.current_meter.registers[0].id}"
    assert len(readings(session, point)) == 2


def test_more_decimals_than_the_register_has_are_refused(session, people, two_tariff):
    with refusal("at most 1 decimal"):
        read(session, two_tariff, JAN1, "100.25", "50", who=people.jan)
    assert read(session, two_tariff, JAN1, "100.20", "50", who=people.jan).readings


def test_a_register_of_another_meter_is_refused(session, people, point, two_tariff):
    meter = point.current_meter
    foreign = two_tariff.current_meter.registers[0]
    with refusal("belongs to another meter") as refused:
        submit_reading(
            session,
            actor=people.jan,
            point=point,
            meter=meter,
            reading_date=FEB10,
            values=[RegisterValue(foreign.id, "1400")],
        )
    assert refused.value.field == f"register-{foreign.id}"


def test_a_meter_of_another_supply_point_is_refused(session, people, point, two_tariff):
    with refusal("not installed at this supply point"):
        submit_reading(
            session,
            actor=people.jan,
            point=point,
            meter=two_tariff.current_meter,
            reading_date=FEB10,
            values=[],
        )


def test_all_registers_are_submitted_together_or_not_at_all(session, people, two_tariff):
    meter = two_tariff.current_meter
    high, low = meter.registers
    with refusal("all registers together") as refused:
        submit_reading(
            session,
            actor=people.jan,
            point=two_tariff,
            meter=meter,
            reading_date=JAN1,
            values=[RegisterValue(high.id, "100")],
        )
    assert refused.value.field == f"register-{low.id}"
    with pytest.raises(DomainError) as refused:
        read(session, two_tariff, JAN1, "100", "oops", who=people.jan)
    assert refused.value.field == f"register-{low.id}"
    assert readings(session, two_tariff) == []
    assert session.scalar(select(func.count(ReadingSubmission.id))) == 0


def test_a_register_named_twice_is_refused(session, people, two_tariff):
    high = two_tariff.current_meter.registers[0]
    with refusal("once per date"):
        submit_reading(
            session,
            actor=people.jan,
            point=two_tariff,
            meter=two_tariff.current_meter,
            reading_date=JAN1,
            values=[RegisterValue(high.id, "1"), RegisterValue(high.id, "2")],
        )


def test_a_backdated_reading_must_fit_between_its_neighbours(session, people, point):
    with refusal("does not fit before the later reading"):
        read(session, point, D(2025, 1, 15), 1301, who=people.jan)
    with refusal("below the previous reading"):
        read(session, point, D(2025, 1, 15), 999, who=people.jan)
    assert read(session, point, D(2025, 1, 15), 1150, source="distributor").readings


def test_a_rollover_can_be_reported_on_the_latest_reading_only(session, people, point):
    with refusal("latest reading only"):
        read(session, point, D(2025, 1, 15), 10, who=people.jan, rollover=("T1",))


def test_a_photo_is_stored_for_the_company_with_the_submission(session, people, point):
    class Photo:
        data, filename, content_type = b"\xff\xd8jpeg", "meter.jpg", "image/jpeg"

    meter = point.current_meter
    submission = submit_reading(
        session,
        actor=people.jan,
        point=point,
        meter=meter,
        reading_date=FEB10,
        values=[RegisterValue(meter.registers[0].id, "1400")],
        photo=Photo(),
    )
    assert submission.photo.company_id == people.alfa.id
    assert submission.photo.data == b"\xff\xd8jpeg"


# One row per register and date ------------------------------------------------------------------


def test_the_same_idempotency_key_finds_the_first_submission(session, people, point):
    first = read(session, point, FEB10, 1400, who=people.jan, key="k" * 20)
    again = read(session, point, D(2025, 2, 11), 1410, who=people.jan, key="k" * 20)
    assert again.id == first.id and again.replayed
    assert len(readings(session, point)) == 3


def test_the_same_register_and_date_finds_the_first_submission(session, people, point):
    first = read(session, point, FEB10, 1400, who=people.jan, key="a" * 20)
    again = read(session, point, FEB10, 1420, who=people.anna, key="b" * 20)
    assert again.id == first.id and again.replayed
    assert [r.value for r in readings(session, point)] == [1000, 1300, 1400]


def test_the_same_key_on_another_supply_point_is_another_submission(session, people, point):
    other = factories.supply_point(session, people.alfa)
    read(session, point, FEB10, 1400, who=people.jan, key="s" * 20)
    assert read(session, other, FEB10, 5, who=people.jan, key="s" * 20).id


# Reviewing ----------------------------------------------------------------------------------


@pytest.fixture
def pending(session, people, point) -> Reading:
    return read(session, point, FEB10, 1900, who=people.jan).readings[0]


def test_a_clerk_accepts_a_pending_reading(session, people, pending):
    review_reading(session, actor=people.clerk, reading=pending, accept=True, note="Photo OK")
    session.expire_all()
    assert pending.status == ReadingStatus.ACCEPTED
    assert pending.reviewed_by_id == people.clerk.id and pending.reviewed_at is not None
    assert pending.review_note == "Photo OK"
    assert session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.target_type == "readings", AuditEvent.target_id == str(pending.id)
        )
    ).all() == ["reading.accepted"]


def test_a_rejection_needs_a_note_for_the_customer(session, people, pending):
    with refusal("note for the customer") as refused:
        review_reading(session, actor=people.clerk, reading=pending, accept=False, note="  ")
    assert refused.value.field == "note"
    review_reading(session, actor=people.clerk, reading=pending, accept=False, note="Typo?")
    session.expire_all()
    assert pending.status == ReadingStatus.REJECTED


def test_a_decided_reading_cannot_be_decided_again(session, people, pending):
    review_reading(session, actor=people.clerk, reading=pending, accept=True)
    with refusal("already been decided"):
        review_reading(session, actor=people.admin, reading=pending, accept=False, note="No")
    session.expire_all()
    assert pending.status == ReadingStatus.ACCEPTED and pending.reviewed_by_id == people.clerk.id


def test_the_decision_is_a_conditional_update_that_a_stale_object_cannot_override(
    session, people, pending
):
    """Another transaction decided first; our copy still says pending_review."""
    session.execute(
        Reading.__table__.update()
        .where(Reading.id == pending.id)
        .values(status=ReadingStatus.ACCEPTED.value)
    )
    assert pending.status == ReadingStatus.PENDING_REVIEW  # stale in the session
    with refusal("already been decided"):
        review_reading(session, actor=people.clerk, reading=pending, accept=False, note="No")
    session.expire_all()
    assert pending.status == ReadingStatus.ACCEPTED and pending.reviewed_by_id is None


def test_a_rejected_reading_no_longer_counts_as_the_previous_one(session, people, pending):
    review_reading(session, actor=people.clerk, reading=pending, accept=False, note="Typo")
    [next_one] = read(session, pending.supply_point, D(2025, 2, 11), 1410, who=people.jan).readings
    assert next_one.consumption == 110  # since 1300 of 31 January, not the rejected 1900
    assert next_one.status == ReadingStatus.ACCEPTED


def test_rejecting_a_reading_a_later_one_builds_on_is_refused(session, people):
    made = factories.supply_point(session, people.alfa, digits=5)
    read(session, made, JAN1, 99_000, source="distributor")
    read(session, made, JAN31, 99_900, who=people.jan)
    [wrapped] = read(session, made, FEB10, 9_000, who=people.jan, rollover=("T1",)).readings
    assert wrapped.status == ReadingStatus.PENDING_REVIEW
    read(session, made, MAR2, 9_600, source="distributor")
    with refusal("Decide the later reading first"):
        review_reading(session, actor=people.clerk, reading=wrapped, accept=False, note="No")
    review_reading(session, actor=people.clerk, reading=wrapped, accept=True)


# What the readings add up to --------------------------------------------------------------------


def test_monthly_consumption_spreads_each_interval_over_its_days(session, people):
    made = factories.supply_point(session, people.alfa)
    read(session, made, D(2025, 1, 31), 1000, source="distributor")
    read(session, made, D(2025, 3, 31), 1590, source="distributor")  # 59 days, 10 a day
    months = monthly_consumption(session, made, today=D(2025, 4, 15), months=4)
    assert [(m.month, m.consumption) for m in months] == [
        (D(2025, 1, 1), None),
        (D(2025, 2, 1), Decimal("280.000")),
        (D(2025, 3, 1), Decimal("310.000")),
        (D(2025, 4, 1), None),
    ]


def test_monthly_consumption_adds_up_registers_and_crosses_rollovers_and_meter_changes(
    session, people
):
    made = factories.supply_point(session, people.alfa, registers=("HT", "NT"), digits=4)
    read(session, made, D(2024, 12, 31), 9_900, 100, source="distributor")
    read(session, made, D(2025, 1, 31), 100, 200, source="distributor", rollover=("HT",))
    install_meter(
        session,
        actor=None,
        point=made,
        serial_number="NEW",
        installed_on=D(2025, 1, 31),
        registers=[RegisterSpec("T1", 6)],
    )
    read(session, made, D(2025, 1, 31), 0, source="distributor")
    read(session, made, D(2025, 2, 28), 280, source="distributor")
    months = monthly_consumption(session, made, today=D(2025, 3, 1), months=3)
    assert [m.consumption for m in months] == [Decimal("300.000"), Decimal("280.000"), None]


def test_rejected_readings_add_nothing_to_the_history(session, people, pending):
    review_reading(session, actor=people.clerk, reading=pending, accept=False, note="No")
    rows = readings_with_consumption(session, pending.supply_point)
    assert [(r.value, c) for r, c in rows] == [(1900, None), (1300, 300), (1000, None)]


def test_latest_readings_give_each_register_of_the_current_meter(session, people, two_tariff):
    read(session, two_tariff, JAN1, 10, 5, who=people.jan)
    read(session, two_tariff, JAN31, 20, 9, who=people.jan)
    found = latest_readings(session, [two_tariff.id])[two_tariff.id]
    assert [(r.register.code, r.value) for r in found] == [("HT", 20), ("NT", 9)]


@pytest.mark.parametrize(
    ("today", "window"),
    [
        (D(2025, 1, 24), None),
        (D(2025, 1, 25), (D(2025, 1, 1), D(2025, 1, 25), D(2025, 2, 7))),
        (D(2025, 1, 31), (D(2025, 1, 1), D(2025, 1, 25), D(2025, 2, 7))),
        (D(2025, 2, 7), (D(2025, 1, 1), D(2025, 1, 25), D(2025, 2, 7))),
        (D(2025, 2, 8), None),
        (D(2025, 2, 22), (D(2025, 2, 1), D(2025, 2, 22), D(2025, 3, 7))),
        (D(2025, 1, 3), (D(2024, 12, 1), D(2024, 12, 25), D(2025, 1, 7))),
    ],
)
def test_the_reading_window_is_the_last_7_days_of_a_month_and_the_first_7_of_the_next(
    today, window
):
    found = reading_window(today)
    assert (found and (found.period, found.opens, found.closes)) == window


def test_a_point_is_due_in_an_open_window_until_it_has_a_reading_for_the_period(
    session, people, point
):
    in_window = D(2025, 2, 26)
    assert points_due(session, [people.alfa.id], in_window) == {people.alfa.id: {point.id}}
    assert points_due(session, [people.alfa.id], D(2025, 2, 15)) == {}
    read(session, point, D(2025, 2, 12), 1420, who=people.jan)  # mid-month counts
    assert points_due(session, [people.alfa.id], in_window) == {}


def test_points_without_self_reading_or_terminated_are_never_due(session, people, point):
    factories.supply_point(session, people.gamma, self_reading=False)
    terminate_supply_point(session, actor=None, point=point)
    assert points_due(session, [people.alfa.id, people.gamma.id], D(2025, 2, 26)) == {}


def test_a_rejected_reading_leaves_the_point_due(session, people, pending):
    review_reading(session, actor=people.clerk, reading=pending, accept=False, note="No")
    due = points_due(session, [people.alfa.id], D(2025, 2, 26))
    assert due == {people.alfa.id: {pending.supply_point_id}}


# The distributor's import -----------------------------------------------------------------------


def csv_for(point, *rows: str, header: str = "supply_point,meter,register,date,value") -> str:
    serial = point.current_meter.serial_number
    return "\n".join([header, *(row.format(code=point.code, meter=serial) for row in rows)])


def test_an_import_records_the_distributors_readings_as_accepted(session, people, two_tariff):
    text = csv_for(
        two_tariff,
        "{code},{meter},HT,2025-01-01,100.5",
        "{code},{meter},NT,2025-01-01,50",
        "{code},{meter},ht,2025-02-01,900",
        "{code},{meter},NT,2025-02-01,60",
    )
    report = import_readings(session, text, today=D(2025, 3, 1))
    assert report.ok, report.rows
    assert [r.outcome for r in report.rows] == [Outcome.IMPORTED] * 4
    stored = readings(session, two_tariff)
    assert [(r.reading_date, r.value) for r in stored] == [
        (JAN1, Decimal("100.5")),
        (JAN1, 50),
        (D(2025, 2, 1), 900),
        (D(2025, 2, 1), 60),
    ]
    assert {r.status for r in stored} == {ReadingStatus.ACCEPTED}
    assert session.scalar(select(func.count(ReadingSubmission.id))) == 2  # one per date
    assert {s.source for s in session.scalars(select(ReadingSubmission))} == {"distributor"}


def test_an_import_with_one_bad_row_keeps_nothing_and_reports_every_row(
    session, people, two_tariff
):
    text = csv_for(
        two_tariff,
        "{code},{meter},HT,2025-01-01,100",
        "{code},{meter},NT,01.01.2025,50",
        "{code},{meter},XX,2025-01-01,50",
        "24ZSS0000000000X,{meter},HT,2025-01-01,50",
        "{code},NO-SUCH,HT,2025-01-01,50",
        "{code},{meter},HT,2025-02-01,-3",
    )
    report = import_readings(session, text, today=D(2025, 4, 1))
    assert not report.ok
    messages = {
        r.line: (r.outcome, r.message % r.params if r.message else None) for r in report.rows
    }
    assert messages[2] == (Outcome.IMPORTED, None)  # fine, but not kept
    assert "YYYY-MM-DD" in messages[3][1]
    assert "no register XX" in messages[4][1]
    assert "Unknown supply point" in messages[5][1]
    assert "no meter NO-SUCH" in messages[6][1]
    assert "negative" in messages[7][1]
    assert readings(session, two_tariff) == []
    assert not session.scalars(
        select(AuditEvent).where(AuditEvent.action == "reading.submitted")
    ).all()


def test_importing_the_same_file_twice_changes_nothing(session, people, two_tariff):
    text = csv_for(
        two_tariff, "{code};{meter};HT;2025-01-01;100", "{code};{meter};NT;2025-01-01;50"
    ).replace(",", ";")
    assert import_readings(session, text, today=D(2025, 2, 1)).ok
    again = import_readings(session, text, today=D(2025, 2, 1))
    assert again.ok and [r.outcome for r in again.rows] == [Outcome.UNCHANGED] * 2
    assert len(readings(session, two_tariff)) == 2


def test_an_import_refuses_another_value_for_a_recorded_date(session, people, point):
    text = csv_for(point, "{code},{meter},T1,2025-01-31,1301")
    report = import_readings(session, text, today=D(2025, 2, 1))
    assert not report.ok
    assert "Another value (1300" in report.rows[0].message % report.rows[0].params


def test_an_import_keeps_the_monotonic_rule_and_takes_a_rollover_column(session, people):
    made = factories.supply_point(session, people.alfa, digits=4)
    header = "supply_point,meter,register,date,value,rollover"
    down = csv_for(
        made,
        "{code},{meter},T1,2025-01-01,9900,0",
        "{code},{meter},T1,2025-02-01,100,0",
        header=header,
    )
    refused = import_readings(session, down, today=D(2025, 3, 1))
    assert [r.outcome for r in refused.rows] == [Outcome.IMPORTED, Outcome.REFUSED]
    assert readings(session, made) == []
    wrapped = down.replace("100,0", "100,1")
    assert import_readings(session, wrapped, today=D(2025, 3, 1)).ok
    assert [r.rollover for r in readings(session, made)] == [False, True]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("supply_point,meter,date\n", "lacks register, value"),
        ("supply_point,meter,register,date,value\n", "no rows"),
    ],
)
def test_an_import_file_without_its_columns_or_rows_is_refused(session, people, text, message):
    report = import_readings(session, text)
    assert not report.ok
    assert message in report.error[0] % report.error[1]


def test_the_demo_has_alfas_three_points_betas_water_and_gammas_household(session):
    from models.demo import load_demo
    from models.supply import SupplyPoint

    assert load_demo(session)
    points = {
        (p.company.slug, p.commodity.value, p.self_reading_allowed, len(p.current_meter.registers))
        for p in session.scalars(select(SupplyPoint))
    }
    assert points == {
        ("alfa-trade", "electricity", True, 2),
        ("alfa-trade", "electricity", False, 1),
        ("alfa-trade", "gas", True, 1),
        ("beta-services", "water", True, 1),
        ("gamma-household", "electricity", False, 1),
    }
    for point in session.scalars(select(SupplyPoint)):
        assert is_valid_code(point.code)
        document = point.contracts[0].document
        assert document.content_type == "application/pdf"
        contract_text = PdfReader(io.BytesIO(document.data)).pages[0].extract_text()
        assert point.contracts[0].number in contract_text and point.code in contract_text
        history = [r for r, _ in readings_with_consumption(session, point)]
        assert (history[0].reading_date - history[-1].reading_date).days >= 720
    assert (
        session.scalar(
            select(func.count(Reading.id)).where(Reading.status == ReadingStatus.PENDING_REVIEW)
        )
        == 1
    )
    # Yesterday's readings: no demo point is due today (the switcher test counts badges).
    today = dt.datetime.now(ZoneInfo("Europe/Bratislava")).date()
    companies = [p.company_id for p in session.scalars(select(SupplyPoint))]
    assert points_due(session, companies, today) == {}
