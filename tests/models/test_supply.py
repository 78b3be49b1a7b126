"""Supply points and meter readings as the domain sees them: codes checked by their check
character, every rule a self-reading must pass (dates, values, rollover, the expected range),
one row per register and date however often it is sent, a clerk's decision, the monthly
history and the reading window (the distributor's import: test_supply_import.py)."""

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
from sqlalchemy.exc import IntegrityError

from models.audit import AuditEvent
from models.errors import DomainError
from models.files import StoredFile
from models.supply import (
    Commodity,
    Reading,
    ReadingSource,
    ReadingStatus,
    ReadingSubmission,
    RegisterSpec,
    RegisterValue,
    ReviewReason,
    Step,
    SupplyPoint,
    add_contract,
    create_supply_point,
    expected_for,
    expected_range,
    history_table,
    install_meter,
    is_valid_code,
    last_reading,
    latest_readings,
    monthly_consumption,
    points_due,
    reading_window,
    readings_with_consumption,
    review_reading,
    submit_reading,
    terminate_supply_point,
)
from models.supply.history import monthly_consumption_by_point
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


# One reading per register and date ------------------------------------------------------------


def test_the_same_idempotency_key_finds_the_first_submission(session, people, point):
    first = read(session, point, FEB10, 1400, who=people.jan, key="k" * 20)
    again = read(session, point, D(2025, 2, 11), 1410, who=people.jan, key="k" * 20)
    assert again.id == first.id and again.replayed
    assert len(readings(session, point)) == 3


def test_the_same_key_on_another_supply_point_is_another_submission(session, people, point):
    other = factories.supply_point(session, people.alfa)
    read(session, point, FEB10, 1400, who=people.jan, key="s" * 20)
    assert read(session, other, FEB10, 5, who=people.jan, key="s" * 20).id


def test_a_reading_for_a_date_with_an_accepted_one_is_refused_next_to_the_date(
    session, people, point
):
    read(session, point, FEB10, 1400, who=people.jan, key="a" * 20)
    with refusal(
        "A reading of 2025-02-10 is already recorded. Choose another date, or contact us"
    ) as refused:
        read(session, point, FEB10, 1420, who=people.jan, key="b" * 20)
    assert refused.value.field == "reading_date"
    assert [r.value for r in readings(session, point)] == [1000, 1300, 1400]


def test_the_database_keeps_one_accepted_or_pending_reading_per_register_and_date(
    session, people, point
):
    """Whatever the operation checks, a partial unique index refuses a second reading in the
    sequence on a register and date, and admits rejected and replaced ones beside it."""
    [kept] = read(session, point, FEB10, 1400, who=people.jan).readings
    with session.begin_nested():
        session.add_all(
            [beside(kept, ReadingStatus.REJECTED), beside(kept, ReadingStatus.SUPERSEDED)]
        )
        session.flush()
    for status in (ReadingStatus.ACCEPTED, ReadingStatus.PENDING_REVIEW):
        with pytest.raises(IntegrityError), session.begin_nested():
            session.add(beside(kept, status))
            session.flush()


def beside(kept: Reading, status: ReadingStatus) -> Reading:
    """Another reading of the same register and date as `kept`, in `status`."""
    return Reading(
        company_id=kept.company_id,
        supply_point_id=kept.supply_point_id,
        submission_id=kept.submission_id,
        register_id=kept.register_id,
        reading_date=kept.reading_date,
        value=Decimal(1420),
        status=status,
    )


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


# Sending a reading again ----------------------------------------------------------------------


def test_a_rejected_reading_frees_its_date_for_the_reading_sent_again(session, people, pending):
    review_reading(
        session, actor=people.clerk, reading=pending, accept=False, note="Please send it again."
    )
    again = read(session, pending.supply_point, FEB10, 1400, who=people.jan)
    assert not again.replayed
    [reading] = again.readings
    assert (reading.status, reading.consumption) == (ReadingStatus.ACCEPTED, 100)
    on_the_day = [r for r in readings(session, pending.supply_point) if r.reading_date == FEB10]
    assert sorted((r.value, r.status) for r in on_the_day) == [
        (1400, ReadingStatus.ACCEPTED),
        (1900, ReadingStatus.REJECTED),
    ]


def test_a_meter_is_sent_again_whole_and_its_accepted_registers_keep_their_reading(
    session, people, two_tariff
):
    read(session, two_tariff, JAN1, 1000, 500, source="distributor")
    read(session, two_tariff, JAN31, 1300, 650, who=people.jan)  # 10 and 5 a day
    [high, low] = read(session, two_tariff, FEB10, 2000, 700, who=people.jan).readings
    assert high.is_pending and low.is_accepted
    review_reading(session, actor=people.clerk, reading=high, accept=False, note="HT?")
    again = read(session, two_tariff, FEB10, 1400, 700, who=people.jan)
    [new_high] = again.readings  # the low tariff's 700 stands as it was
    assert (new_high.register_id, new_high.value, new_high.status) == (
        high.register_id,
        1400,
        ReadingStatus.ACCEPTED,
    )
    for values in ((1400, 710), (1400, 700)):  # another value, or nothing new
        with refusal("A reading of 2025-02-10 is already recorded."):
            read(session, two_tariff, FEB10, *values, who=people.jan)
    assert len(readings(session, two_tariff)) == 7


def test_the_sender_replaces_their_reading_waiting_for_review(session, people, pending):
    point = pending.supply_point
    again = read(session, point, FEB10, 1400, who=people.jan)
    [new] = again.readings
    assert not again.replayed and again.replaces_pending
    assert (new.status, new.consumption, new.replaces_id) == (
        ReadingStatus.ACCEPTED,
        100,
        pending.id,
    )
    session.expire_all()
    assert pending.is_superseded and not pending.is_pending
    # Who replaced it and when: the replacing reading's submission.
    assert pending.replaced_by.id == new.id
    assert pending.replaced_by.submission.submitted_by_id == people.jan.id
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "reading.submitted")
    ).all()[-1]
    assert event.detail_map["replaced"] == [pending.id]
    # Kept for the history, counted nowhere.
    history = {r.value: (r.status, c) for r, c in readings_with_consumption(session, point)}
    assert history[1900] == (ReadingStatus.SUPERSEDED, None)
    assert history[1400] == (ReadingStatus.ACCEPTED, 100)
    assert [m.consumption for m in monthly_consumption(session, point, today=FEB10, months=1)] == [
        Decimal("100.000")
    ]


def test_a_replacement_can_wait_for_review_again(session, people, pending):
    [new] = read(session, pending.supply_point, FEB10, 1800, who=people.jan).readings
    assert new.is_pending and new.replaces_id == pending.id
    session.expire_all()
    assert pending.is_superseded


def test_a_reading_waiting_for_review_of_someone_else_is_refused_next_to_the_date(
    session, people, pending
):
    message = "A reading of 2025-02-10 is waiting for review. Only the person who sent it"
    with refusal(message) as refused:
        read(session, pending.supply_point, FEB10, 1400, who=people.anna)
    assert refused.value.field == "reading_date"
    with refusal(message):
        read(session, pending.supply_point, FEB10, 1400, source="distributor")
    session.expire_all()
    assert pending.is_pending
    assert len(readings(session, pending.supply_point)) == 3


def test_a_replaced_reading_cannot_be_decided(session, people, pending):
    read(session, pending.supply_point, FEB10, 1400, who=people.jan)
    session.expire_all()
    with refusal("replaced this reading with a newer one"):
        review_reading(session, actor=people.clerk, reading=pending, accept=True)
    session.expire_all()
    assert pending.is_superseded and pending.reviewed_by_id is None


# What the readings add up to --------------------------------------------------------------------


def test_the_months_shown_read_only_the_readings_they_need_however_long_the_history(
    session, people
):
    """Five years of monthly readings: three months' consumption, and the history table of
    the same months, read per register the last accepted reading before them and those
    after, and come out as from all of them."""
    from sqlalchemy import event

    made = factories.supply_point(session, people.alfa, installed_on=D(2019, 12, 1))
    factories.monthly_readings(session, made, D(2020, 1, 1), [1000 + 300 * i for i in range(61)])
    session.expire_all()
    loaded: list[dt.date] = []

    def note(reading, _context):  # type: ignore[no-untyped-def]
        loaded.append(reading.reading_date)

    event.listen(Reading, "load", note)
    try:
        months = monthly_consumption(session, made, today=D(2024, 12, 31), months=3)
        by_point = monthly_consumption_by_point(
            session, [people.alfa.id], today=D(2024, 12, 31), months=3
        )
        history = readings_with_consumption(session, made, since=D(2024, 10, 1))
    finally:
        event.remove(Reading, "load", note)
    # Every 30 days from 1 Jan 2020: 6 September 2024 is the last before October.
    assert sorted(set(loaded)) == [D(2024, 9, 6), D(2024, 10, 6), D(2024, 11, 5), D(2024, 12, 5)]
    # Ten a day: October 6 + 25 days, November 5 + 25, December the 5 days up to the last.
    assert [m.consumption for m in months] == [
        Decimal("310.000"),
        Decimal("300.000"),
        Decimal("50.000"),
    ]
    assert by_point[made] == months
    # The history table of the same months: each reading with what it counted.
    assert [(r.reading_date, used) for r, used in history] == [
        (D(2024, 12, 5), 300),
        (D(2024, 11, 5), 300),
        (D(2024, 10, 6), 300),
    ]


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


def test_a_reading_waiting_for_review_counts_nowhere_until_it_is_accepted(session, people, pending):
    point = pending.supply_point
    register = point.current_meter.registers[0]
    months = monthly_consumption(session, point, today=D(2025, 2, 28), months=2)
    assert [m.consumption for m in months] == [Decimal("300.000"), None]
    history = [(r.value, r.status, c) for r, c in readings_with_consumption(session, point)]
    assert history[0] == (1900, ReadingStatus.PENDING_REVIEW, None)
    assert latest_readings(session, [point.id])[point.id][0].value == 1300
    assert last_reading(session, register).value == 1300
    expected = expected_for(session, register, D(2025, 2, 20), tolerance=Decimal("0.5"))
    assert (expected.previous.day, expected.daily, expected.days) == (JAN31, 10, 20)

    review_reading(session, actor=people.clerk, reading=pending, accept=True)
    months = monthly_consumption(session, point, today=D(2025, 2, 28), months=2)
    assert [m.consumption for m in months] == [Decimal("300.000"), Decimal("600.000")]
    assert last_reading(session, register).value == 1900


def test_the_next_accepted_reading_counts_from_the_last_accepted_one(session, people, pending):
    point = pending.supply_point
    read(session, point, D(2025, 2, 20), 2000, source="distributor")
    history = {r.value: c for r, c in readings_with_consumption(session, point)}
    assert history == {2000: 700, 1900: None, 1300: 300, 1000: None}  # since 1300 of 31 Jan
    months = monthly_consumption(session, point, today=D(2025, 2, 28), months=2)
    assert [m.consumption for m in months] == [Decimal("300.000"), Decimal("700.000")]


def test_a_new_reading_is_judged_against_the_accepted_history_only(session, people, pending):
    [later] = read(session, pending.supply_point, D(2025, 2, 11), 1910, who=people.anna).readings
    # 610 since 1300 of 31 January, where 11 days at 10 a day (±50 %) were expected.
    assert (later.consumption, later.expected_low, later.expected_high) == (610, 55, 165)
    assert later.review_reason == ReviewReason.ABOVE_EXPECTED


def test_a_pending_rollover_still_counts_in_the_next_accepted_reading(session, people):
    made = factories.supply_point(session, people.alfa, digits=4)
    read(session, made, JAN1, 9_000, source="distributor")
    read(session, made, JAN31, 9_900, who=people.jan)  # 30 a day
    [wrapped] = read(session, made, FEB10, 5_000, who=people.jan, rollover=("T1",)).readings
    assert wrapped.is_pending
    read(session, made, MAR2, 5_600, source="distributor")
    history = {r.value: c for r, c in readings_with_consumption(session, made)}
    assert history[5_600] == 5_700  # 100 to the wrap, then 5,600, through the pending one
    assert history[5_000] is None


def test_the_history_names_the_meter_when_the_point_had_several(session, people, point):
    old = point.current_meter
    assert not history_table(readings_with_consumption(session, point)).several_meters
    submit_reading(
        session,
        actor=None,
        point=point,
        meter=old,
        reading_date=FEB10,
        values=[RegisterValue(old.registers[0].id, Decimal(1400))],
        source=ReadingSource.DISTRIBUTOR,
    )
    install_meter(
        session,
        actor=None,
        point=point,
        serial_number="NEW-1",
        installed_on=FEB10,
        registers=[RegisterSpec("T1", 6)],
    )
    read(session, point, FEB10, 0, source="distributor")
    read(session, point, MAR2, 200, who=people.jan)
    table = history_table(readings_with_consumption(session, point))
    assert table.several_meters
    on_the_day = [rows for sent, rows in table.groups if sent.reading_date == FEB10]
    serials = [r.register.meter.serial_number for rows in on_the_day for r, _ in rows]
    assert serials == ["NEW-1", old.serial_number]
    after = history_table(readings_with_consumption(session, point, since=MAR2))
    assert not after.several_meters


def test_latest_readings_give_each_register_of_the_current_meter(session, people, two_tariff):
    read(session, two_tariff, JAN1, 10, 5, who=people.jan)
    read(session, two_tariff, JAN31, 20, 9, who=people.jan)
    found = latest_readings(session, [two_tariff.id])[two_tariff.id]
    assert [(r.register.code, r.value) for r in found] == [("HT", 20), ("NT", 9)]


def test_the_latest_reading_is_the_accepted_one_not_a_rejected_one_of_the_same_date(
    session, people, point
):
    [kept] = read(session, point, FEB10, 1400, who=people.jan).readings
    session.add(beside(kept, ReadingStatus.REJECTED))
    session.flush()
    found = latest_readings(session, [point.id])[point.id]
    assert [(r.value, r.status) for r in found] == [(1400, ReadingStatus.ACCEPTED)]


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


def test_a_point_accepts_self_readings_when_allowed_active_and_metered(session, people, point):
    without_meter = create_supply_point(
        session,
        actor=None,
        company=people.alfa,
        code=factories.eic_code(),
        commodity=Commodity.GAS,
        address="x",
        self_reading_allowed=True,
    )
    distributor_read = factories.supply_point(session, people.alfa, self_reading=False)
    terminated = factories.supply_point(session, people.alfa)
    terminate_supply_point(session, actor=None, point=terminated)
    assert point.accepts_self_readings
    for other in (without_meter, distributor_read, terminated):
        assert not other.accepts_self_readings
    accepting = session.scalars(
        select(SupplyPoint.id).where(
            SupplyPoint.company_id == people.alfa.id, SupplyPoint.accepts_self_readings
        )
    ).all()
    assert accepting == [point.id]
    with refusal("There is no meter at this supply point"):
        submit_reading(
            session,
            actor=people.jan,
            point=without_meter,
            meter=point.current_meter,
            reading_date=FEB10,
            values=[],
        )


def test_points_without_self_reading_or_terminated_are_never_due(session, people, point):
    factories.supply_point(session, people.gamma, self_reading=False)
    terminate_supply_point(session, actor=None, point=point)
    assert points_due(session, [people.alfa.id, people.gamma.id], D(2025, 2, 26)) == {}


def test_a_rejected_reading_leaves_the_point_due(session, people, pending):
    review_reading(session, actor=people.clerk, reading=pending, accept=False, note="No")
    due = points_due(session, [people.alfa.id], D(2025, 2, 26))
    assert due == {people.alfa.id: {pending.supply_point_id}}


def test_the_demo_has_alfas_three_points_betas_water_and_gammas_household(session):
    from demo import load_demo

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
