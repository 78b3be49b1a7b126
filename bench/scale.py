"""The portal at scale: fills an empty PostgreSQL database with 100,000 companies, 200,000
logins, 2,000,000 invoices and 5,000,000 meter readings (COPY, on top of the demo), then
measures the pages customers and staff open most at that size, in process through Flask's
test client: server time, SQL statements, and the slowest statements with their plans.

    .venv/bin/python -m bench.scale [--companies N] [--logins N] [--invoices N] [--readings N]

BENCH_DATABASE_URL names the database (default: portal_scale on the local server); its
public schema is dropped and recreated. `--measure-only` measures what the last run filled.
See bench/README.md for what the numbers mean."""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import math
import os
import re
import statistics
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import pairwise
from typing import IO, Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session
from stdnum import ean
from stdnum.eu import eic

from bench.common import count_statements, fresh_app, login
from demo import PASSWORD as DEMO_PASSWORD
from demo import ZONE, load_demo, story
from demo.billing import ISSUER
from demo.pricelists import vat_rate
from models.billing import Invoice, Issuer
from models.identity import Account, Company, CustomerGroup, slugify
from models.passwords import hash_password
from models.supply import SupplyPoint, add_months
from models.supply.history import month_end

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/portal_scale"
CUSTOMER = "scale.customer@example.com"  # the measured company and two more
MANY = "scale.many@example.com"  # the switcher with `Sizes.many` companies
ADMIN = "admin@example.com"  # the demo's administrator, for the back office
MEASURED_NAME = "Scale Customer s.r.o."
MEASURED_MONTHS = 24  # of invoices, and of readings (25 month ends) on its two points
ROUNDS, WARMUPS = 30, 3
NULL = "\\N"  # COPY's text format

# The tables the fill writes. Their foreign keys, unique constraints and secondary indexes
# are dropped for the COPY and restored after it, from the catalog's own definitions: one
# pass per index instead of millions of index insertions and foreign-key triggers, and
# restoring them checks every row (a violation fails the fill).
BULK_TABLES = (
    "companies",
    "accounts",
    "memberships",
    "invitations",
    "supply_points",
    "contracts",
    "meters",
    "meter_registers",
    "reading_submissions",
    "readings",
    "invoices",
    "invoice_lines",
    "payments",
    "advance_payments",
)

FIRST_NAMES = ("Ján", "Peter", "Martin", "Jana", "Mária", "Eva", "Tomáš", "Lucia", "Michal")
LAST_NAMES = ("Novák", "Kováč", "Horváth", "Varga", "Tóth", "Baláž", "Lukáč", "Kráľ", "Hudák")
NAME_PARTS = ("Tatra", "Dunaj", "Orava", "Liptov", "Gemer", "Záhorie", "Spiš", "Považie")
NAME_KINDS = ("Trade", "Servis", "Stav", "Tech", "Invest", "Logistik", "Plast", "Food")
LEGAL_FORMS = ("s.r.o.", "a.s.", "spol. s r.o.")
CITIES = (("811 06", "Bratislava"), ("040 01", "Košice"), ("010 01", "Žilina"), ("949 01", "Nitra"))
STREETS = ("Hlavná", "Obchodná", "Priemyselná", "Lipová", "Školská", "Mlynská")
ROLES = ("manager", "accountant", "technician", "viewer")
# Cents of a line: whole units times a price in ten-thousandths of a euro.
ENERGY = ("Electricity supplied", "kWh", 1520)
DISTRIBUTION = ("Distribution and system services", "kWh", 480)
FEE = ("Monthly fee per supply point", "month", 45000)


@dataclass(frozen=True)
class Sizes:
    companies: int = 100_000
    logins: int = 200_000  # besides the two scale personas
    invoices: int = 2_000_000
    readings: int = 5_000_000
    many: int = 300  # companies of scale.many@example.com

    def check(self) -> None:
        """Refuses sizes the personas do not fit in."""
        if self.companies < self.many + 3 or self.logins < 1:
            raise ValueError(f"need at least {self.many + 3} companies and one login")
        if self.invoices < MEASURED_MONTHS:
            raise ValueError(f"need at least {MEASURED_MONTHS} invoices")
        if self.readings < 3 * (MEASURED_MONTHS + 1):
            raise ValueError(f"need at least {3 * (MEASURED_MONTHS + 1)} readings")


@dataclass
class FillReport:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    total: float = 0.0

    def print(self) -> None:
        print(f"{'fill':<34} {'rows':>11} {'s':>7} {'rows/s':>9}")
        for step, seconds in self.seconds.items():
            rows = self.rows.get(step)
            rate = f"{rows / seconds:>9,.0f}" if rows and seconds else f"{'':>9}"
            count = f"{rows:>11,}" if rows is not None else f"{'':>11}"
            print(f"{step:<34} {count} {seconds:>7.1f} {rate}")
        print(f"{'total':<34} {sum(self.rows.values()):>11,} {self.total:>7.1f}")


def _text(value: str) -> str:
    """A value in COPY's text format."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _copy(cursor: Any, table: str, columns: str, data: Iterable[str], lines: bool = True) -> int:
    """COPYs `data` into `table`: rows in text format, each with its newline (`lines`), or
    blocks of them; returns how many rows the server took."""
    chunk: list[str] = []
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for piece in data:
            chunk.append(piece)
            if not lines or len(chunk) == 5000:
                copy.write("".join(chunk))
                chunk.clear()
        if chunk:
            copy.write("".join(chunk))
    return int(cursor.rowcount)


def _spooled(spool: IO[str]) -> Iterator[str]:
    """The rows written to `spool`, in blocks of a megabyte or so."""
    spool.seek(0)
    while block := spool.read(1 << 20):
        yield block


def _ascii(word: str) -> str:
    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().lower()


def _eic(n: int) -> str:
    body = f"24ZSS8{n:09d}"
    return body + eic.calc_check_digit(body)


def _ean(n: int) -> str:
    body = f"85918241{n:09d}"
    return body + ean.calc_check_digit(body)


def _spread(total: int, n: int, fixed: dict[int, int]) -> list[int]:
    """`total` split over `n` items, the `fixed` ones as given, the others within a few of
    each other (pairs move up and down together, so the sum stays exact)."""
    free = [i for i in range(n) if i not in fixed]
    rest = total - sum(fixed.values())
    base, extra = divmod(rest, len(free)) if free else (0, 0)
    counts = [0] * n
    for i, count in fixed.items():
        counts[i] = count
    for k, i in enumerate(free):
        counts[i] = base + (1 if k < extra else 0)
    for k in range(0, len(free) - 1, 2):
        swing = min((k // 2) % 5, counts[free[k + 1]])
        counts[free[k]] += swing
        counts[free[k + 1]] -= swing
    return counts


def _seasonal(month: int) -> float:
    """A factor peaking in January, lowest in July."""
    return 1 + 0.3 * math.cos(2 * math.pi * (month - 1) / 12)


@dataclass
class _Meter:
    id: int
    company: int  # the company's index
    point_id: int
    registers: list[int]  # register ids, in position order
    self_reading: bool
    dates: int = 0  # how many month ends it was read on, the last one `story.billed_to`


class _Fill:
    """Generates every row from the sizes and `today`: deterministic, so that each table can
    be computed on its own pass and the others' ids follow from the same arithmetic."""

    def __init__(self, sizes: Sizes, today: dt.date, ids: dict[str, int], demo: dict[str, int]):
        self.sizes, self.today, self.ids, self.demo = sizes, today, ids, demo
        self.password_hash = hash_password(DEMO_PASSWORD)  # one argon2 hash for every login
        self.last = story.billed_to(today)
        n = sizes.companies
        self.company_ids = [ids["companies"] + i for i in range(n)]
        self.customer_id = ids["accounts"] + sizes.logins
        self.many_id = self.customer_id + 1
        # Company i's owner is login i (cycling when there are fewer logins than companies).
        self.owner = [ids["accounts"] + i % sizes.logins for i in range(n)]
        self.many_companies = list(range(n - sizes.many, n))
        self._plan_supply()
        counts = _spread(sizes.invoices, n, {0: MEASURED_MONTHS})
        self.invoice_counts = counts
        self.months = self._months(max(max(counts), max(m.dates for m in self.meters), 1))

    def _months(self, count: int) -> list[tuple[dt.date, dt.date]]:
        """The billed calendar months, newest first."""
        first = self.last.replace(day=1)
        return [
            (start, month_end(start)) for start in (add_months(first, -b) for b in range(count))
        ]

    @staticmethod
    def legal_name(i: int) -> str:
        if i == 0:
            return MEASURED_NAME
        if i % 5 == 4:
            return f"{LAST_NAMES[i % 9]} {FIRST_NAMES[i // 9 % 9]}, household {i}"
        part, kind = NAME_PARTS[i % 8], NAME_KINDS[i // 8 % 8]
        return f"{part} {kind} {i} {LEGAL_FORMS[i % 3]}"

    @staticmethod
    def company_number(i: int) -> str | None:
        return None if i % 5 == 4 else f"{46_000_000 + i:08d}"

    def companies(self) -> Iterator[str]:
        business, households = self.demo["group_business"], self.demo["group_households"]
        for i, company_id in enumerate(self.company_ids):
            name = self.legal_name(i)
            slug = slugify(name)
            household = i % 5 == 4
            number = self.company_number(i)
            vat = f"SK{(183_636_364 + i) * 11}" if not household else None
            zip_code, city = CITIES[i % 4]
            address = f"{STREETS[i % 6]} {1 + i % 97}\n{zip_code} {city}\nSlovakia"
            yield (
                f"{company_id}\t{slug}\t{2_000_000 + i}\t{_text(name)}\t{number or NULL}\t"
                f"{vat or NULL}\t{_text(address)}\toffice@{slug}.example\t"
                f"+421 2 5{i % 10_000_000:07d}\t{households if household else business}\t"
                f"2024-01-0{1 + i % 9} 08:00:00+00\n"
            )

    def email(self, j: int) -> str:
        return f"{_ascii(FIRST_NAMES[j % 9])}.{_ascii(LAST_NAMES[j // 9 % 9])}.{j}@example.org"

    def accounts(self) -> Iterator[str]:
        locales = ("sk", "en", NULL, NULL)
        for j in range(self.sizes.logins):
            name = f"{FIRST_NAMES[j % 9]} {LAST_NAMES[j // 9 % 9]}"
            yield (
                f"{self.ids['accounts'] + j}\t{self.email(j)}\t{name}\t{self.password_hash}\t"
                f"active\t{locales[j % 4]}\tEurope/Bratislava\t2024-02-01 09:00:00+00\n"
            )
        for account_id, email, name in (
            (self.customer_id, CUSTOMER, "Scale Customer"),
            (self.many_id, MANY, "Scale Many"),
        ):
            yield (
                f"{account_id}\t{email}\t{name}\t{self.password_hash}\tactive\t\\N\t"
                f"Europe/Bratislava\t2024-02-01 09:00:00+00\n"
            )

    def memberships(self) -> Iterator[str]:
        """Each company's owner; every further login a role in one company, and every third
        and seventh one more; the personas' companies."""
        n, logins = self.sizes.companies, self.sizes.logins
        membership_id = self.ids["memberships"]
        stamp = "2024-02-01 10:00:00+00"
        for i in range(n):
            yield f"{membership_id}\t{self.owner[i]}\t{self.company_ids[i]}\towner\t\\N\t{stamp}\n"
            membership_id += 1
        for j in range(logins):
            account_id = self.ids["accounts"] + j
            mine = set(range(j, n, logins)) if j < n else set()
            places = []
            if j >= n:
                places.append(((j - n) % n, ROLES[j % 4]))
            if j % 3 == 0:
                places.append(((j * 7 + 13) % n, "viewer"))
            if j % 7 == 0:
                places.append(((j * 11 + 5) % n, "accountant"))
            for company, role in places:
                if company in mine:
                    continue
                mine.add(company)
                yield (
                    f"{membership_id}\t{account_id}\t{self.company_ids[company]}\t{role}\t"
                    f"{self.owner[company]}\t{stamp}\n"
                )
                membership_id += 1
        personas = [(self.customer_id, 0, "owner"), (self.customer_id, 1, "manager")]
        personas += [(self.customer_id, 2, "manager")]
        personas += [(self.many_id, i, "owner") for i in self.many_companies]
        for account_id, company, role in personas:
            company_id = self.company_ids[company]
            yield f"{membership_id}\t{account_id}\t{company_id}\t{role}\t\\N\t{stamp}\n"
            membership_id += 1

    def invitations(self) -> Iterator[str]:
        """An open invitation in each of scale.many's companies: a badge per company."""
        now = dt.datetime.now(dt.UTC)
        sent, expires = now.isoformat(), (now + dt.timedelta(days=14)).isoformat()
        for k, i in enumerate(self.many_companies):
            secret = hashlib.sha256(f"scale-invitation-{i}".encode()).hexdigest()
            yield (
                f"{self.ids['invitations'] + k}\t{self.company_ids[i]}\t"
                f"new.colleague.{i}@example.org\tviewer\t{secret}\t{self.many_id}\t"
                f"{sent}\t{expires}\n"
            )

    def _plan_supply(self) -> None:
        """Every company one supply point, every fourth and the measured one two (the second
        of every eighth a gas point); electricity is two-tariff at every third company. One
        meter per point, the readings spread over the registers so that their total is
        `Sizes.readings` (the measured company's: 25 month ends on each register)."""
        self.points: list[tuple[int, int, str, bool, bool]] = []  # id, company, commodity ...
        self.meters: list[_Meter] = []
        self.first_point: list[int] = []
        self.point_count: list[int] = []
        point_id, register_id = self.ids["supply_points"], self.ids["meter_registers"]
        for i in range(self.sizes.companies):
            count = 2 if i == 0 or i % 4 == 0 else 1
            self.first_point.append(point_id)
            self.point_count.append(count)
            for p in range(count):
                gas = p == 1 and i % 8 == 0
                dual = not gas and (i % 3 == 0)
                self_reading = p == 0 and i % 2 == 0
                commodity = "gas" if gas else "electricity"
                self.points.append((point_id, i, commodity, dual, self_reading))
                registers = [register_id, register_id + 1] if dual else [register_id]
                register_id += len(registers)
                meter_id = self.ids["meters"] + len(self.meters)
                self.meters.append(_Meter(meter_id, i, point_id, registers, self_reading))
                point_id += 1
        fixed = [m for m in self.meters if m.company == 0]
        for meter in fixed:
            meter.dates = MEASURED_MONTHS + 1
        rest = self.sizes.readings - sum(m.dates * len(m.registers) for m in fixed)
        others = [m for m in self.meters if m.company != 0]
        base, left = divmod(rest, sum(len(m.registers) for m in others))
        for meter in others:
            meter.dates = base
            if len(meter.registers) <= left:
                meter.dates += 1
                left -= len(meter.registers)
        self.readings_total = self.sizes.readings - left

    def supply_points(self) -> Iterator[str]:
        stamp = "2023-06-01 08:00:00+00"
        for n, (point_id, i, commodity, dual, self_reading) in enumerate(self.points):
            code = _ean(n) if commodity == "gas" else _eic(n)
            zip_code, city = CITIES[i % 4]
            where = f"{STREETS[i % 6]} {1 + i % 97}, {zip_code} {city}"
            if commodity == "gas":
                tariff, rate = "M3 - business, gas", "M3"
            elif dual:
                tariff, rate = "C2 - business, two-tariff", "C2-X3"
            else:
                tariff, rate = "C1 - business, single tariff", "C1-X2"
            yield (
                f"{point_id}\t{self.company_ids[i]}\t{code}\t{commodity}\t{_text(where)}\t"
                f"{tariff}\t{rate}\tactive\t{'t' if self_reading else 'f'}\t{stamp}\n"
            )

    def installed_on(self, meter: _Meter) -> dt.date:
        oldest = self.months[max(meter.dates, 1) - 1][1]
        return oldest - dt.timedelta(days=30)

    def contracts(self) -> Iterator[str]:
        for n, meter in enumerate(self.meters):
            prefix = "GAS" if self.points[n][2] == "gas" else "EE"
            yield (
                f"{self.ids['contracts'] + n}\t{self.company_ids[meter.company]}\t"
                f"{meter.point_id}\t{prefix}-S{n:07d}\t{self.installed_on(meter)}\t"
                f"2023-06-01 08:00:00+00\n"
            )

    def meter_rows(self) -> Iterator[str]:
        for n, meter in enumerate(self.meters):
            yield (
                f"{meter.id}\t{self.company_ids[meter.company]}\t{meter.point_id}\t"
                f"ZPA-{n:08d}\t{self.installed_on(meter)}\t2023-06-01 08:00:00+00\n"
            )

    def registers(self) -> Iterator[str]:
        digits = self.digits()
        for meter in self.meters:
            codes = ("HT", "NT") if len(meter.registers) == 2 else ("T1",)
            pairs = zip(meter.registers, codes, strict=True)
            for position, (register_id, code) in enumerate(pairs):
                yield f"{register_id}\t{meter.id}\t{code}\t{position}\t{digits}\t0\n"

    @staticmethod
    def _daily(register_id: int) -> int:
        return 5 + register_id * 37 % 120

    def digits(self) -> int:
        """Enough dial digits that no register rolls over."""
        most = max((m.dates for m in self.meters), default=1)
        return max(7, len(str(50_000 + most * 125 * 31 * 2)))

    def submissions_and_readings(self, readings: IO[str]) -> Iterator[str]:
        """The submissions (yielded) and their readings (written to `readings`): one per meter
        and month end, the registers' values rising by a seasonal monthly consumption. A
        point the customer reads sends 11 readings of 12 itself (the distributor reads once a
        year); the others come from the distributor."""
        submission_id, reading_id = self.ids["reading_submissions"], self.ids["readings"]
        days = [d.isoformat() for _, d in self.months]
        sent = [f"{d + dt.timedelta(days=1)} 07:30:00+00" for _, d in self.months]
        ends = [end for _, end in self.months]
        gaps = [(later - earlier).days for later, earlier in pairwise(ends)]
        season = [_seasonal(start.month) for start, _ in self.months]
        buffer: list[str] = []
        for meter in self.meters:
            company_id = self.company_ids[meter.company]
            values = [1000 + r * 7919 % 49_000 for r in meter.registers]
            daily = [self._daily(r) for r in meter.registers]
            for age, b in enumerate(range(meter.dates - 1, -1, -1)):
                by_customer = meter.self_reading and age % 12 != 0
                if by_customer:
                    head = f"customer\t{self.owner[meter.company]}\t{sent[b]}\t{submission_id:032x}"
                else:
                    head = f"distributor\t\\N\t{sent[b]}\t\\N"
                yield (
                    f"{submission_id}\t{company_id}\t{meter.point_id}\t{meter.id}\t{days[b]}\t"
                    f"{head}\n"
                )
                for k, register_id in enumerate(meter.registers):
                    if age == 0:
                        used = NULL
                    else:
                        step = max(1, int(daily[k] * gaps[b] * season[b]))
                        values[k] += step
                        used = str(step)
                    buffer.append(
                        f"{reading_id}\t{company_id}\t{meter.point_id}\t{submission_id}\t"
                        f"{register_id}\t{days[b]}\t{values[k]}\tf\taccepted\t{used}\n"
                    )
                    reading_id += 1
                submission_id += 1
            if len(buffer) > 5000:
                readings.write("".join(buffer))
                buffer.clear()
        readings.write("".join(buffer))

    def invoices(self, lines: IO[str], payments: IO[str]) -> Iterator[str]:
        """A monthly invoice for each of a company's last months (as many as
        `invoice_counts` says), with 1-3 lines (energy, distribution, the monthly fee); the
        newest is open, at every tenth company also the one before (overdue by now), at
        every tenth but one the newest is half paid; every other one was paid in full ten
        days after its issue. Lines and payments go to their spool files."""
        invoice_id, line_id = self.ids["invoices"], self.ids["invoice_lines"]
        payment_id = self.ids["payments"]
        issuer, clerk = self.demo["issuer"], self.demo["clerk"]
        iban, bic = ISSUER["iban"], ISSUER["bic"]
        months = [
            (
                start.isoformat(),
                end.isoformat(),
                f"{end:%Y%m}",
                story.issued_on(end),
                int(vat_rate(start)),
                _seasonal(start.month),
            )
            for start, end in self.months
        ]
        line_rows: list[str] = []
        payment_rows: list[str] = []
        for i, count in enumerate(self.invoice_counts):
            company_id = self.company_ids[i]
            customer_number = 2_000_000 + i
            point = str(self.first_point[i]) if self.point_count[i] == 1 else NULL
            usage = 300 + i * 7919 % 4000
            for b in range(count - 1, -1, -1):
                start, end, yyyymm, issued, rate, season = months[b]
                number = f"{yyyymm}{customer_number}"
                quantity = int(usage * season)
                items = [(ENERGY, quantity), (DISTRIBUTION, quantity), (FEE, self.point_count[i])]
                net = 0
                for position, ((description, unit, price), units) in enumerate(
                    items[: 1 + (i + b) % 3], start=1
                ):
                    cents = (units * price + 50) // 100
                    net += cents
                    line_rows.append(
                        f"{line_id}\t{invoice_id}\t{position}\t{description}\t{units}\t{unit}\t"
                        f"{price / 10_000:.4f}\t{rate}\t{_money(cents)}\n"
                    )
                    line_id += 1
                vat = (net * rate + 50) // 100
                gross = net + vat
                if b == 0 and i % 10 == 1:
                    paid, status = gross // 2, "partially_paid"
                elif b == 0 or (b == 1 and i % 10 == 0):
                    paid, status = 0, "issued"
                else:
                    paid, status = gross, "paid"
                if paid:
                    paid_on = min(issued + dt.timedelta(days=10), self.today)
                    payment_rows.append(
                        f"{payment_id}\t{invoice_id}\t{company_id}\t{_money(paid)}\t{paid_on}\t"
                        f"VS{number}\t{clerk}\t{paid_on} 09:00:00+00\n"
                    )
                    payment_id += 1
                content = hashlib.sha256(f"F{number}:{gross}".encode()).hexdigest()
                yield (
                    f"{invoice_id}\t{issuer}\tF{number}\t{company_id}\t{point}\t{issued}\t"
                    f"{story.due_on(issued)}\t{start}\t{end}\tEUR\t{_money(net)}\t{_money(vat)}\t"
                    f"{_money(gross)}\t{_money(paid)}\t{status}\t{iban}\t{bic}\t{number}\t"
                    f"{2 if paid else 1}\t{content}\t{issued} 06:00:00+00\n"
                )
                invoice_id += 1
            if len(line_rows) > 5000:
                lines.write("".join(line_rows))
                payments.write("".join(payment_rows))
                line_rows.clear()
                payment_rows.clear()
        lines.write("".join(line_rows))
        payments.write("".join(payment_rows))

    def advances(self) -> Iterator[str]:
        """Monthly advances on the 15th, for the settlement year running and the one before,
        at the measured company and every tenth other: those due before today are paid."""
        running = story.current_settlement_year(self.today)
        first = add_months(running.start, -12)
        days = [add_months(first, m).replace(day=15) for m in range(24)]
        advance_id = self.ids["advance_payments"]
        for i in range(self.sizes.companies):
            if i != 0 and i % 10 != 5:
                continue
            amount = 60 + i % 240
            for day in days:
                paid = day < self.today
                yield (
                    f"{advance_id}\t{self.company_ids[i]}\t{self.first_point[i]}\t{day}\t"
                    f"{amount}.00\tEUR\t9{2_000_000 + i}\t{'paid' if paid else 'due'}\t"
                    f"{f'{day} 10:00:00+00' if paid else NULL}\n"
                )
                advance_id += 1


def _constraints(cursor: Any) -> tuple[list[str], list[str]]:
    """The bulk tables' foreign keys, unique constraints and secondary indexes: the DDL that
    drops them and the DDL that restores them (unique ones first, foreign keys last). A
    partial index stays: PostgreSQL would deparse its restored predicate differently."""
    cursor.execute(
        """SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid)
        FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace AND contype IN ('f', 'u')
          AND conrelid::regclass::text = ANY(%s)
        ORDER BY contype DESC, conrelid::regclass::text, conname""",
        [list(BULK_TABLES)],
    )
    found = cursor.fetchall()
    cursor.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
        WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY(%s)
          AND i.indpred IS NULL
          AND NOT EXISTS (
            SELECT 1 FROM pg_constraint k
            WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid
              AND k.contype IN ('p', 'u', 'x'))
        ORDER BY 1""",
        [list(BULK_TABLES)],
    )
    indexes = cursor.fetchall()
    drop = [f'ALTER TABLE {t} DROP CONSTRAINT "{name}"' for t, name, _, _ in found]
    drop += [f"DROP INDEX {name}" for name, _ in indexes]
    unique = [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, kind, d in found if kind == "u"]
    keys = [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, kind, d in found if kind == "f"]
    return drop, unique + [definition for _, definition in indexes] + keys


def _first_ids(cursor: Any) -> dict[str, int]:
    """The first id each table gets, after the demo's rows."""
    first = {}
    for table in BULK_TABLES:
        cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608 - our names
        first[table] = cursor.fetchone()[0]
    return first


def _demo_ids(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        groups = {
            name: id_ for name, id_ in conn.execute(select(CustomerGroup.name, CustomerGroup.id))
        }
        issuer = conn.scalar(select(Issuer.id).where(Issuer.code == ISSUER["code"]))
        clerk = conn.scalar(select(Account.id).where(Account.email == "clerk@example.com"))
    if issuer is None or clerk is None:
        raise RuntimeError("the demo is not loaded")
    return {
        "issuer": issuer,
        "clerk": clerk,
        "group_business": groups["Business"],
        "group_households": groups["Households"],
    }


# table -> its columns in COPY order; the rows come from _Fill's method of the same name
# (readings, invoice lines and payments from their parents' pass, spooled).
COLUMNS = {
    "companies": "id, slug, customer_number, legal_name, company_number, vat_id, "
    "billing_address, contact_email, contact_phone, customer_group_id, created_at",
    "accounts": "id, email, full_name, password_hash, status, locale, timezone, created_at",
    "memberships": "id, account_id, company_id, role, granted_by_id, created_at",
    "invitations": "id, company_id, email, role, secret_hash, invited_by_id, created_at, "
    "expires_at",
    "supply_points": "id, company_id, code, commodity, address, tariff, distribution_rate, "
    "status, self_reading_allowed, created_at",
    "contracts": "id, company_id, supply_point_id, number, valid_from, created_at",
    "meters": "id, company_id, supply_point_id, serial_number, installed_on, created_at",
    "meter_registers": "id, meter_id, code, position, digits, decimals",
    "advance_payments": "id, company_id, supply_point_id, due_date, amount, currency, "
    "variable_symbol, status, paid_at",
    "reading_submissions": "id, company_id, supply_point_id, meter_id, reading_date, source, "
    "submitted_by_id, submitted_at, idempotency_key",
    "readings": "id, company_id, supply_point_id, submission_id, register_id, reading_date, "
    "value, rollover, status, consumption",
    "invoices": "id, issuer_id, number, company_id, supply_point_id, issue_date, due_date, "
    "period_start, period_end, currency, net_total, vat_total, gross_total, paid_amount, "
    "status, iban, bic, variable_symbol, version, content_hash, created_at",
    "invoice_lines": "id, invoice_id, position, description, quantity, unit, unit_price, "
    "vat_rate, line_total",
    "payments": "id, invoice_id, company_id, amount, paid_on, reference, recorded_by_id, "
    "recorded_at",
}


def fill(engine: Engine, sizes: Sizes, today: dt.date) -> FillReport:
    """Writes the generated rows into the migrated database of `engine`, which holds the demo
    and nothing else, in one transaction; then restores the constraints, moves the sequences
    past the ids written, and analyzes. Prints each step's time as it ends."""
    sizes.check()
    report = FillReport()
    started = time.perf_counter()
    demo = _demo_ids(engine)
    raw = engine.raw_connection()
    clock = [time.perf_counter()]

    def done(step: str, rows: int | None = None) -> None:
        now = time.perf_counter()
        report.seconds[step] = now - clock[0]
        if rows is not None:
            report.rows[step] = rows
        clock[0] = now

    try:
        cursor = raw.cursor()
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        ids = _first_ids(cursor)
        drop, restore = _constraints(cursor)
        for ddl in drop:
            cursor.execute(ddl)
        rows = _Fill(sizes, today, ids, demo)
        done("plan (one argon2 hash, the layout)")
        generated: dict[str, Callable[[], Iterator[str]]] = {
            "companies": rows.companies,
            "accounts": rows.accounts,
            "memberships": rows.memberships,
            "invitations": rows.invitations,
            "supply_points": rows.supply_points,
            "contracts": rows.contracts,
            "meters": rows.meter_rows,
            "meter_registers": rows.registers,
            "advance_payments": rows.advances,
        }
        for table, made in generated.items():
            done(table, _copy(cursor, table, COLUMNS[table], made()))
        with tempfile.TemporaryFile("w+", encoding="utf-8") as readings:
            submissions = rows.submissions_and_readings(readings)
            done(
                "reading_submissions",
                _copy(cursor, "reading_submissions", COLUMNS["reading_submissions"], submissions),
            )
            done(
                "readings",
                _copy(cursor, "readings", COLUMNS["readings"], _spooled(readings), lines=False),
            )
        with (
            tempfile.TemporaryFile("w+", encoding="utf-8") as lines,
            tempfile.TemporaryFile("w+", encoding="utf-8") as payments,
        ):
            done(
                "invoices",
                _copy(cursor, "invoices", COLUMNS["invoices"], rows.invoices(lines, payments)),
            )
            for table, spool in (("invoice_lines", lines), ("payments", payments)):
                done(table, _copy(cursor, table, COLUMNS[table], _spooled(spool), lines=False))
        for ddl in restore:
            cursor.execute(ddl)
        done("constraints and indexes restored")
        for table in BULK_TABLES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        raw.commit()
        done("sequences, commit")
    except BaseException:
        raw.rollback()
        raise
    finally:
        raw.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    done("analyze")
    report.total = time.perf_counter() - started
    return report


def build(
    sizes: Sizes,
    today: dt.date | None = None,
    before_fill: Callable[[Flask], None] | None = None,
) -> tuple[Flask, FillReport]:
    """A fresh database of BENCH_DATABASE_URL (PostgreSQL) with the demo and the generated
    rows, and the app on it; `before_fill(app)` runs on the demo alone."""
    if not os.environ.get("BENCH_DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("bench.scale needs PostgreSQL: set BENCH_DATABASE_URL")
    sizes.check()
    today = today or dt.datetime.now(ZONE).date()
    app, db, _label = fresh_app("scale")
    with app.app_context():
        load_demo(db.session, today)
        db.session.commit()
    if before_fill is not None:
        before_fill(app)
    return app, fill(_engine(app), sizes, today)


def _engine(app: Flask) -> Engine:
    engine: Engine = app.extensions["database"]["engine"]
    return engine


@dataclass(frozen=True)
class Page:
    persona: str  # who opens it (an e-mail)
    name: str
    url: str


@dataclass(frozen=True)
class Result:
    page: Page
    median: float
    p95: float
    statements: int
    rounds: int


def customer_pages(persona: str, slug: str, invoice: str, point: str) -> list[Page]:
    """The pages a customer opens most, in the company `slug` (with one of its invoices and
    supply points): what this benchmark and bench.pages both measure."""
    c = f"/c/{slug}"
    return [
        Page(persona, "overview", f"{c}/"),
        Page(persona, "all companies", "/companies"),
        Page(persona, "invoice list", f"{c}/invoices"),
        Page(persona, "invoice detail", f"{c}/invoices/{invoice}"),
        Page(persona, "advance payments", f"{c}/advances"),
        Page(persona, "price lists", f"{c}/pricelists"),
        Page(persona, "supply points", f"{c}/supply-points"),
        Page(persona, "supply point", f"{c}/supply-points/{point}"),
        Page(persona, "account", "/account/"),
    ]


def _company_pages(app: Flask, company: Any, customer: str, many: str) -> list[Page]:
    """The measured pages: `company`'s for `customer`, the list of companies for `many`, and
    the back office's for the administrator (three kinds of search)."""
    with Session(_engine(app)) as session:
        found = session.scalars(select(Company).where(company)).one()
        invoice = session.scalars(
            select(Invoice.number)
            .where(Invoice.company_id == found.id)
            .order_by(Invoice.issue_date.desc())
            .limit(1)
        ).one()
        point = session.scalars(
            select(SupplyPoint.code)
            .where(SupplyPoint.company_id == found.id)
            .order_by(SupplyPoint.id)
            .limit(1)
        ).one()
    number = (_Fill.company_number(4321) or "")[:6]
    return [
        *customer_pages(customer, found.slug, invoice, point),
        Page(many, "all companies", "/companies"),
        Page(ADMIN, "bo companies", "/backoffice/companies"),
        Page(ADMIN, "bo search: name", "/backoffice/companies?q=tatra+inv"),
        Page(ADMIN, "bo search: number", f"/backoffice/companies?q={number}"),
        Page(ADMIN, "bo search: e-mail", "/backoffice/companies?q=kovac.12"),
        Page(ADMIN, "bo company", f"/backoffice/companies/{found.id}"),
        Page(ADMIN, "bo invoices", "/backoffice/invoices"),
    ]


def scale_pages(app: Flask) -> list[Page]:
    """The pages for the scale personas: the measured company (24 months) and the login
    with 300 companies."""
    return _company_pages(app, Company.legal_name == MEASURED_NAME, CUSTOMER, MANY)


def demo_pages(app: Flask) -> list[Page]:
    """The same pages on the demo's own data: Ján Novák in Alfa Trade (24 months too)."""
    return _company_pages(app, Company.slug == "alfa-trade", DEMO_PERSONA, DEMO_PERSONA)


DEMO_PERSONA = "jan.novak@example.com"


def sign_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    login(client, email, DEMO_PASSWORD)
    return client


def _get(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)


def _clients(app: Flask, measured: list[Page]) -> dict[str, FlaskClient]:
    return {email: sign_in(app, email) for email in sorted({p.persona for p in measured})}


def _statements(app: Flask, client: FlaskClient, url: str) -> int:
    """The SQL statements of a request for `url`: the fewer of two, so that the session's
    last-seen write, at most once a minute, is not counted as part of the page."""
    return min(count_statements(app, partial(_get, client, url)) for _ in range(2))


def statement_counts(app: Flask, measured: list[Page]) -> dict[tuple[str, str], int]:
    """(persona, page name) -> the SQL statements of one request (after one warm-up)."""
    clients = _clients(app, measured)
    counts = {}
    for page in measured:
        client = clients[page.persona]
        _get(client, page.url)
        counts[(page.persona, page.name)] = _statements(app, client, page.url)
    return counts


def measure(
    app: Flask,
    measured: list[Page],
    rounds: int = ROUNDS,
    budget: float | None = None,
    clients: dict[str, FlaskClient] | None = None,
) -> list[Result]:
    """Per page: WARMUPS requests, the statements of one, then the times of `rounds`; a page
    stops early (after MIN_ROUNDS at least) once its timed requests took `budget` seconds."""
    clients = clients or _clients(app, measured)
    results = []
    for page in measured:
        client = clients[page.persona]
        for _ in range(WARMUPS):
            _get(client, page.url)
        statements = _statements(app, client, page.url)
        timings: list[float] = []
        while len(timings) < rounds:
            start = time.perf_counter()
            _get(client, page.url)
            timings.append((time.perf_counter() - start) * 1000)
            if budget and len(timings) >= MIN_ROUNDS and sum(timings) > budget * 1000:
                break
        timings.sort()
        p95 = timings[max(0, math.ceil(0.95 * len(timings)) - 1)]
        results.append(Result(page, statistics.median(timings), p95, statements, len(timings)))
    return results


MIN_ROUNDS = 5


def analyze_sessions(engine: Engine) -> None:
    """ANALYZE of the login sessions, after the personas signed in. The fill's ANALYZE saw a
    handful of the demo's sessions, of accounts with low ids; on those statistics the
    planner merge-joins every request's session lookup with the accounts' primary key, which
    it expects to stop early, and reads the whole index for an account with a high id (20-30
    ms a request at 200,000 logins). Statistics that include the new sessions, as autovacuum
    keeps them on a live portal, give the index lookup."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE login_sessions"))


@dataclass(frozen=True)
class Statement:
    ms: float
    page: str
    sql: str
    parameters: Any


def slowest(
    app: Flask,
    measured: list[Page],
    count: int = 3,
    clients: dict[str, FlaskClient] | None = None,
) -> list[Statement]:
    """Every statement's duration during one pass over the pages; the `count` slowest, one of
    each SQL text (the searches differ only in their parameters)."""
    engine = _engine(app)
    clients = clients or _clients(app, measured)
    seen: list[Statement] = []
    current = [""]

    def before(conn: Any, *_args: Any) -> None:
        conn.info["scale_started"] = time.perf_counter()

    def after(
        conn: Any, _cursor: Any, statement: str, parameters: Any, _c: Any, many: bool
    ) -> None:
        ms = (time.perf_counter() - conn.info.pop("scale_started")) * 1000
        if not many:
            seen.append(Statement(ms, current[0], statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        for page in measured:
            current[0] = f"{page.name}, {page.persona}"
            _get(clients[page.persona], page.url)
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    slowest_first: dict[str, Statement] = {}
    for statement in sorted(seen, key=lambda s: s.ms, reverse=True):
        slowest_first.setdefault(statement.sql, statement)
    return list(slowest_first.values())[:count]


_RUN = re.compile(r"(%\((\w+?)_\d+\)s(?:::\w+)?)((?:, %\(\2_\d+\)s(?:::\w+)?){3,})")
_VALUES = re.compile(r"('(\w+?)_\d+': [^,]+)((?:, '\2_\d+': [^,}]+){3,})")


def shortened(shown: str) -> str:
    """`shown` (a statement, or its parameters' repr) with each run of numbered parameters of
    an expanded IN list cut to its first and a count, for reading."""
    shown = _RUN.sub(lambda m: f"{m[1]}, ... {m[3].count(',')} more", shown)
    return _VALUES.sub(lambda m: f"{m[1]}, ... {m[3].count(',')} more", shown)


def explain(engine: Engine, statement: Statement) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of `statement` with its parameters, in a transaction that is
    rolled back (ANALYZE runs it)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement.sql, statement.parameters)
        return "\n".join(row[0] for row in cursor.fetchall())
    finally:
        raw.rollback()
        raw.close()


def _print_results(
    results: list[Result],
    before: dict[tuple[str, str], int],
    after: dict[tuple[str, str], int],
) -> None:
    print("\n-- pages: server ms (n timed requests after 3 warm-ups), SQL statements a request")
    print("   demo: the statements of the same page for Ján Novák / admin on the demo's data,")
    print("   before the fill / after it")
    print(f"{'persona':<27} {'page':<19} {'median':>7} {'p95':>7} {'n':>3} {'SQL':>4} {'demo':>7}")
    for r in results:
        key = (DEMO_PERSONA if r.page.persona in (CUSTOMER, MANY) else r.page.persona, r.page.name)
        demo = f"{before.get(key, '-')}/{after.get(key, '-')}"
        print(
            f"{r.page.persona:<27} {r.page.name:<19} {r.median:>7.1f} {r.p95:>7.1f} "
            f"{r.rounds:>3} {r.statements:>4} {demo:>7}"
        )


def _print_targets(
    results: list[Result], before: dict[tuple[str, str], int], after: dict[tuple[str, str], int]
) -> None:
    customer = [r for r in results if r.page.persona == CUSTOMER]
    worst = max(customer, key=lambda r: r.p95)
    search = max((r for r in results if "search" in r.page.name), key=lambda r: r.p95)
    switcher = {r.page.persona: r.statements for r in results if r.page.name == "all companies"}
    changed = sorted(key[1] for key, n in before.items() if after.get(key) != n)
    kept = "not known (--measure-only)" if not before else "holds"
    print("\n-- targets")
    print(
        f"statement counts of the demo pages unchanged by the fill: "
        f"{kept if not changed else 'MISSED: ' + ', '.join(changed)}"
    )
    print(
        f"p95 < 25 ms on every page of the 24-month company: "
        f"{'holds' if worst.p95 < 25 else 'MISSED'} (worst {worst.page.name}, {worst.p95:.1f} ms)"
    )
    print(
        f"company search < 100 ms: {'holds' if search.p95 < 100 else 'MISSED'} "
        f"(worst p95 {search.page.name}, {search.p95:.1f} ms)"
    )
    print(
        f"/companies statements, 3 companies ({CUSTOMER}) / 300 ({MANY}): "
        f"{switcher.get(CUSTOMER)} / {switcher.get(MANY)}"
    )


def _existing(url: str) -> Flask:
    """The app on a database a full run filled before (for --measure-only)."""
    from app import create_app

    os.environ.setdefault("SECRET_KEY", "bench-only")
    url = "postgresql+psycopg://" + url.split("://", 1)[1]
    app = create_app({"DATABASE_URL": url, "TESTING": True, "RATELIMIT_ENABLED": False})
    with Session(_engine(app)) as session:
        if session.scalar(select(Account.id).where(Account.email == MANY)) is None:
            raise SystemExit(f"no scale data in {url}: run without --measure-only first")
    return app


def main(argv: list[str] | None = None) -> None:
    defaults = Sizes()
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale", description=(__doc__ or "").split("\n\n")[0]
    )
    for name in ("companies", "logins", "invoices", "readings", "many"):
        parser.add_argument(f"--{name}", type=int, default=getattr(defaults, name))
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="timed requests per page")
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="seconds of timed requests per page, after which a slow page stops (default 60)",
    )
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="measure the database a previous run filled, without filling it again",
    )
    args = parser.parse_args(argv)
    sizes = Sizes(args.companies, args.logins, args.invoices, args.readings, args.many)
    try:
        sizes.check()
    except ValueError as error:
        parser.error(str(error))
    os.environ.setdefault("BENCH_DATABASE_URL", DEFAULT_URL)
    before: dict[tuple[str, str], int] = {}
    if args.measure_only:
        print("== scale: measuring the database as the last fill left it")
        app = _existing(os.environ["BENCH_DATABASE_URL"])
    else:
        print(f"== scale: {sizes}")

        def count_demo(app: Flask) -> None:
            before.update(statement_counts(app, demo_pages(app)))

        app, report = build(sizes, before_fill=count_demo)
        report.print()
    after = statement_counts(app, demo_pages(app))
    measured = scale_pages(app)
    clients = _clients(app, measured)
    analyze_sessions(_engine(app))
    results = measure(app, measured, args.rounds, args.budget, clients)
    _print_results(results, before, after)
    _print_targets(results, before, after)
    print("\n-- the three slowest statements of one pass over the pages")
    for n, statement in enumerate(slowest(app, measured, clients=clients), start=1):
        print(f"\n#{n}: {statement.ms:.1f} ms ({statement.page})")
        print(shortened(statement.sql))
        print(f"parameters: {shortened(repr(statement.parameters))}")
        print(explain(_engine(app), statement))


if __name__ == "__main__":
    main()
