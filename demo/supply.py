"""The supply area's demo data: Alfa's two electricity points (one with high and low tariff)
and its gas point, Beta's water point and Gamma's household electricity point, with readings
over the billed months (see demo.story) up to yesterday, so the history charts are full and
no demo point is due for a reading. The monthly billed points are read at each month's end,
Gamma's household each quarter and on the days its bill needs (the settlement dates and the
price changes on 1 January): the invoices bill exactly what these readings count. A few
readings went through review, and one waits in the clerk's queue."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from itertools import pairwise
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session
from stdnum import ean
from stdnum.eu import eic

from demo import story
from models.files import store_file
from models.identity import Account, Company
from models.supply import (
    Commodity,
    Meter,
    Reading,
    ReadingSource,
    ReadingStatus,
    RegisterSpec,
    RegisterValue,
    SupplyPoint,
    add_contract,
    add_months,
    create_supply_point,
    install_meter,
    review_reading,
    submit_reading,
)
from models.supply.history import month_end

if TYPE_CHECKING:
    from demo import Cast


def eic_code(body: str) -> str:
    return body + eic.calc_check_digit(body)


def ean_code(body: str) -> str:
    return body + ean.calc_check_digit(body)


def contract_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with `lines` of text in Helvetica (ASCII only: the demo's documents)."""
    ascii_lines = [
        unicodedata.normalize("NFKD", line).encode("ascii", "ignore").decode() for line in lines
    ]
    escaped = [
        line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for line in ascii_lines
    ]
    text = "BT /F1 12 Tf 16 TL 72 770 Td " + " ".join(f"({line}) '" for line in escaped) + " ET"
    stream = text.encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Title (%s) /Producer (Customer portal demo) >>" % escaped[0].encode("ascii"),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _contract(
    session: Session, point: SupplyPoint, company: Company, number: str, valid_from: dt.date
) -> None:
    document = store_file(
        session,
        data=contract_pdf(
            [
                f"Supply contract {number}",
                "",
                f"Customer: {company.legal_name}",
                f"Supply point: {point.code} ({point.commodity.value})",
                f"Address: {point.address}",
                f"Tariff: {point.tariff}",
                f"Valid from: {valid_from.isoformat()}",
                "",
                "Signed by both parties. (Demo document.)",
            ]
        ),
        filename=f"contract-{number}.pdf",
        content_type="application/pdf",
        company_id=company.id,
    )
    add_contract(
        session, actor=None, point=point, number=number, valid_from=valid_from, document=document
    )


def _seasonal(amplitude: float) -> Callable[[dt.date], float]:
    """A factor peaking in mid-January, lowest in mid-July."""
    return lambda day: 1 + amplitude * math.cos(2 * math.pi * (day.timetuple().tm_yday - 15) / 365)


class _Reader:
    """Walks a register's values forward in time from `start`, `daily` units a day."""

    def __init__(self, start: float, daily: float, season: float, decimals: int, digits: int):
        self.value = start
        self.daily = daily
        self.factor = _seasonal(season)
        self.quantum = Decimal(1).scaleb(-decimals)
        self.wrap = 10**digits
        self.rolled = False

    def advance(self, since: dt.date, until: dt.date, boost: float = 1.0) -> Decimal:
        middle = since + (until - since) / 2
        self.value += self.daily * self.factor(middle) * (until - since).days * boost
        self.rolled = self.value >= self.wrap
        self.value %= self.wrap
        return self.current

    @property
    def current(self) -> Decimal:
        return Decimal(str(self.value)).quantize(self.quantum)


def _quarters(today: dt.date) -> list[dt.date]:
    """Gamma's reading days: every third month's end from the first billed month's start to
    the last billed month (the settlement dates are among them), each 31 December between
    (prices change on 1 January), and yesterday."""
    first, last = story.first_reading_day(today), story.billed_to(today)
    days = {today - dt.timedelta(days=1)}
    day = first
    while day <= last:
        days.add(day)
        day = month_end(add_months(day, 3))
    days |= {dt.date(year, 12, 31) for year in story.price_years(today)}
    return sorted(d for d in days if first <= d < today)


def _submit(
    session: Session,
    *,
    point: SupplyPoint,
    meter: Meter,
    day: dt.date,
    values: list[Decimal],
    today: dt.date,
    who: Account | None,
    rollover: bool = False,
) -> list[Reading]:
    source = ReadingSource.CUSTOMER if who is not None else ReadingSource.DISTRIBUTOR
    submission = submit_reading(
        session,
        actor=who,
        point=point,
        meter=meter,
        reading_date=day,
        values=[
            RegisterValue(r.id, v, rollover) for r, v in zip(meter.registers, values, strict=True)
        ],
        today=today,
        source=source,
    )
    return submission.readings


def load(session: Session, cast: Cast, today: dt.date) -> None:
    """Adds the supply points, contracts, meters and readings of the demo companies."""
    dates = story.month_ends(today)
    _alfa_office(session, cast, dates, today)
    _alfa_warehouse(session, cast, dates, today)
    _alfa_gas(session, cast, dates, today)
    _beta_water(session, cast, dates, today)
    _gamma_household(session, cast, _quarters(today), today)


def _alfa_office(session: Session, cast: Cast, dates: list[dt.date], today: dt.date) -> None:
    """Two registers (high and low tariff), read by the customer; the distributor reads once a
    year. One high reading was confirmed by a clerk."""
    point = create_supply_point(
        session,
        actor=None,
        company=cast.alfa,
        code=eic_code("24ZSS7300000001"),
        commodity=Commodity.ELECTRICITY,
        address="Obchodná 12, 811 06 Bratislava (office)",
        tariff="C2 - business, two-tariff",
        distribution_rate="C2-X3",
        self_reading_allowed=True,
    )
    _contract(session, point, cast.alfa, "EE-2022-0417", dates[0] - dt.timedelta(days=90))
    meter = install_meter(
        session,
        actor=None,
        point=point,
        serial_number="ZPA-41873305",
        installed_on=dates[0] - dt.timedelta(days=90),
        registers=[RegisterSpec("HT", 6, 1), RegisterSpec("NT", 6, 1)],
    )
    high = _Reader(18_240.0, 17.5, 0.15, 1, 6)
    low = _Reader(9_120.0, 8.5, 0.15, 1, 6)
    previous = None
    for i, day in enumerate(dates):
        boost = 1.8 if i == len(dates) - 9 else 1.0  # a cold week heated electrically
        values = [high.current, low.current]
        if previous is not None:
            values = [high.advance(previous, day, boost), low.advance(previous, day)]
        distributor = i % 12 == 0
        who = None if distributor else (cast.anna if i % 2 else cast.jan)
        readings = _submit(
            session, point=point, meter=meter, day=day, values=values, today=today, who=who
        )
        for reading in readings:
            if reading.status == ReadingStatus.PENDING_REVIEW:
                review_reading(
                    session,
                    actor=cast.clerk,
                    reading=reading,
                    accept=True,
                    note="Confirmed with the customer: a cold week heated electrically.",
                )
        previous = day


def _alfa_warehouse(session: Session, cast: Cast, dates: list[dt.date], today: dt.date) -> None:
    """No self-reading: the distributor reads it. Its old five-digit meter rolled over and was
    exchanged a year ago."""
    point = create_supply_point(
        session,
        actor=None,
        company=cast.alfa,
        code=eic_code("24ZSS7300000002"),
        commodity=Commodity.ELECTRICITY,
        address="Priemyselná 4, 821 09 Bratislava (warehouse)",
        tariff="C1 - business, single tariff",
        distribution_rate="C1-X2",
        self_reading_allowed=False,
    )
    _contract(session, point, cast.alfa, "EE-2022-0418", dates[0] - dt.timedelta(days=90))
    old = install_meter(
        session,
        actor=None,
        point=point,
        serial_number="ISK-2207719",
        installed_on=dates[0] - dt.timedelta(days=3650),
        registers=[RegisterSpec("T1", 5, 0)],
    )
    reader = _Reader(94_310.0, 40.0, 0.1, 0, 5)
    _submit(
        session,
        point=point,
        meter=old,
        day=dates[0],
        values=[reader.current],
        today=today,
        who=None,
    )
    exchange = len(dates) // 2
    for previous, day in pairwise(dates[: exchange + 1]):
        value = reader.advance(previous, day)
        _submit(
            session,
            point=point,
            meter=old,
            day=day,
            values=[value],
            today=today,
            who=None,
            rollover=reader.rolled,
        )
    new = install_meter(
        session,
        actor=None,
        point=point,
        serial_number="ZPA-51002284",
        installed_on=dates[exchange],
        registers=[RegisterSpec("T1", 6, 0)],
    )
    reader = _Reader(0.0, 40.0, 0.1, 0, 6)
    _submit(
        session,
        point=point,
        meter=new,
        day=dates[exchange],
        values=[reader.current],
        today=today,
        who=None,
    )
    for previous, day in pairwise(dates[exchange:]):
        value = reader.advance(previous, day)
        _submit(session, point=point, meter=new, day=day, values=[value], today=today, who=None)


def _alfa_gas(session: Session, cast: Cast, dates: list[dt.date], today: dt.date) -> None:
    """Read by the customer. Five months ago a mistyped value was rejected with a note and the
    customer sent the right one for the same day."""
    point = create_supply_point(
        session,
        actor=None,
        company=cast.alfa,
        code=eic_code("24ZSP7300000003"),
        commodity=Commodity.GAS,
        address="Obchodná 12, 811 06 Bratislava (office)",
        tariff="M4 - business gas",
        distribution_rate="M4",
        self_reading_allowed=True,
    )
    _contract(session, point, cast.alfa, "ZP-2022-1093", dates[0] - dt.timedelta(days=60))
    meter = install_meter(
        session,
        actor=None,
        point=point,
        serial_number="ELS-G4-880145",
        installed_on=dates[0] - dt.timedelta(days=60),
        registers=[RegisterSpec("T1", 5, 3)],
    )
    reader = _Reader(12_480.0, 4.2, 0.25, 3, 5)
    _submit(
        session,
        point=point,
        meter=meter,
        day=dates[0],
        values=[reader.current],
        today=today,
        who=None,
    )
    mistake = len(dates) - 6
    previous = dates[0]
    for i, day in enumerate(dates[1:], start=1):
        value = reader.advance(previous, day)
        if i == mistake:
            typo = (value - Decimal("0.5")) * 10 % 100_000  # an extra digit
            [wrong] = _submit(
                session,
                point=point,
                meter=meter,
                day=day,
                values=[typo],
                today=today,
                who=cast.anna,
            )
            review_reading(
                session,
                actor=cast.clerk,
                reading=wrong,
                accept=False,
                note="The value has one digit too many. Please send the reading again.",
            )
        _submit(
            session, point=point, meter=meter, day=day, values=[value], today=today, who=cast.anna
        )
        previous = day


def _beta_water(session: Session, cast: Cast, dates: list[dt.date], today: dt.date) -> None:
    """Read by the customer each month; yesterday's reading is far above the usual, perhaps a
    leak, and waits in the clerk's queue."""
    point = create_supply_point(
        session,
        actor=None,
        company=cast.beta,
        code=ean_code("85918240000001170"),
        commodity=Commodity.WATER,
        address="Hlavná 45, 040 01 Košice",
        tariff="Water and sewage - business",
        distribution_rate="VS-B",
        self_reading_allowed=True,
    )
    _contract(session, point, cast.beta, "VO-2021-3321", dates[0] - dt.timedelta(days=400))
    meter = install_meter(
        session,
        actor=None,
        point=point,
        serial_number="SEN-W-114520",
        installed_on=dates[0] - dt.timedelta(days=400),
        registers=[RegisterSpec("T1", 5, 3)],
    )
    reader = _Reader(1_204.0, 0.42, 0.05, 3, 5)
    _submit(
        session,
        point=point,
        meter=meter,
        day=dates[0],
        values=[reader.current],
        today=today,
        who=None,
    )
    for i, (previous, day) in enumerate(pairwise(dates), start=1):
        leak = 6.0 if i == len(dates) - 1 else 1.0
        value = reader.advance(previous, day, leak)
        _submit(
            session, point=point, meter=meter, day=day, values=[value], today=today, who=cast.jan
        )


def _gamma_household(session: Session, cast: Cast, dates: list[dt.date], today: dt.date) -> None:
    """A household without self-reading: the distributor reads it on `dates`."""
    point = create_supply_point(
        session,
        actor=None,
        company=cast.gamma,
        code=eic_code("24ZSS7300000004"),
        commodity=Commodity.ELECTRICITY,
        address="Lipová 7, 949 01 Nitra",
        tariff="D2 - household, single tariff",
        distribution_rate="DD2",
        self_reading_allowed=False,
    )
    _contract(session, point, cast.gamma, "EE-2020-7781", dates[0] - dt.timedelta(days=1200))
    meter = install_meter(
        session,
        actor=None,
        point=point,
        serial_number="LG-E350-300871",
        installed_on=dates[0] - dt.timedelta(days=1200),
        registers=[RegisterSpec("T1", 6, 0)],
    )
    reader = _Reader(28_930.0, 6.8, 0.3, 0, 6)
    _submit(
        session,
        point=point,
        meter=meter,
        day=dates[0],
        values=[reader.current],
        today=today,
        who=None,
    )
    for previous, day in pairwise(dates):
        value = reader.advance(previous, day)
        _submit(session, point=point, meter=meter, day=day, values=[value], today=today, who=None)
