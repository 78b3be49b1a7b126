"""The Imports page: invoices and meter readings uploaded through the same operations as the
commands, all or nothing, a refused file answered with 422 and a bounded report, never a 500."""

from __future__ import annotations

import io
import json
import re
import time

import pytest
from sqlalchemy import select

from models.billing import Invoice
from models.identity import StaffRole
from models.supply import Reading, ReadingStatus
from tests import factories
from tests.factories import csv_text, invoice_rows
from tests.helpers import count, field_error, text_of


def upload(client, kind: str, data: str | bytes, name: str):  # type: ignore[no-untyped-def]
    """Posts the file as the Imports page's `kind` form ("invoices", "readings") does."""
    raw = data.encode() if isinstance(data, str) else data
    return client.post(
        f"/backoffice/{kind}/import",
        data={f"{kind}-csrf_token": client.csrf_token(), f"{kind}-file": (io.BytesIO(raw), name)},
        content_type="multipart/form-data",
    )


def problems(response) -> list[str]:  # type: ignore[no-untyped-def]
    listed = re.search(r'<ul class="problems">(.*?)</ul>', text_of(response), re.S)
    return re.findall(r"<li>(.*?)</li>", listed.group(1), re.S) if listed else []


@pytest.fixture
def clerk(client, people, session):  # type: ignore[no-untyped-def]
    factories.issuer(session)
    session.commit()
    client.login(people.clerk.email)
    return client


def test_a_clerk_imports_invoices_and_a_second_import_changes_nothing(clerk, people, session):
    text = csv_text(invoice_rows(people.alfa, "2026-0042") + invoice_rows(people.beta, "B-1"))
    done = upload(clerk, "invoices", text, "invoices.csv")
    assert done.status_code == 302 and done.location.endswith("/backoffice/invoices/import")
    assert "Imported 2 invoices. 0 were already there unchanged." in text_of(
        clerk.get(done.location)
    )
    again = upload(clerk, "invoices", text, "invoices.csv")
    assert "Imported 0 invoices. 2 were already there unchanged." in text_of(
        clerk.get(again.location)
    )
    assert count(session, Invoice) == 2


def test_a_file_with_a_bad_row_imports_nothing_and_lists_its_problems(clerk, people, session):
    rows = invoice_rows(people.alfa, "OK-1") + invoice_rows(
        people.alfa, "BAD-1", iban="SK00", gross_total="1.00"
    )
    page = upload(clerk, "invoices", csv_text(rows), "invoices.csv")
    assert page.status_code == 422
    assert "2 problems: nothing was imported" in text_of(page)
    assert "1 invoice of 2 was refused." in text_of(page)
    assert problems(page) == [
        "row 4: SK00 is not a valid IBAN.",
        "row 4: gross_total is 1.00 but the lines make 144.60.",
    ]
    assert count(session, Invoice) == 0


def test_a_binary_file_is_refused_next_to_the_field(clerk):
    page = upload(clerk, "invoices", b"\xff\xfe\x00garbage", "x.csv")
    assert page.status_code == 422
    assert field_error(page, "invoices-file") == "The file is not UTF-8 text."


def test_an_upload_without_a_file_is_refused_next_to_the_field(clerk):
    page = clerk.post(
        "/backoffice/readings/import",
        data={"readings-csrf_token": clerk.csrf_token()},
        content_type="multipart/form-data",
    )
    assert page.status_code == 422 and field_error(page, "readings-file")


def test_a_file_of_300000_numbers_is_refused_at_once_on_a_small_page(clerk):
    started = time.perf_counter()
    page = upload(clerk, "invoices", "[" + ",".join(["1"] * 300_000) + "]", "x.json")
    assert time.perf_counter() - started < 10  # it took 18 s and made a 22 MB page
    assert page.status_code == 422
    assert problems(page) == ["At most 20,000 invoices per file."]
    assert len(page.data) < 50_000


def test_the_page_lists_a_page_of_problems_and_counts_the_others(clerk):
    page = upload(clerk, "invoices", json.dumps(list(range(1_000))), "x.json")
    assert page.status_code == 422
    assert len(problems(page)) == 100
    assert "1,000 problems: nothing was imported" in text_of(page)
    assert "… and 900 more problems." in text_of(page)


HOSTILE = {
    "deeply nested JSON": (
        "[" * 100_000 + "]" * 100_000,
        "x.json",
        "The file is nested too deeply to hold invoices.",
    ),
    "a line that is not an object": (
        '[{"issuer": "ENERGIA", "lines": ["x"]}]',
        "x.json",
        "invoice 1, line 1: A line must be an object.",
    ),
    "a top level that is no list": ('"invoices"', "x.json", "must hold a list of invoices"),
    "NaN": ('[{"issuer": NaN, "lines": []}]', "x.json", "NaN is not a number."),
    "a field that is a list": (
        '[{"issuer": [[["ENERGIA"]]], "lines": []}]',
        "x.json",
        "invoice 1: issuer must be text or a number.",
    ),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_invoice_file_is_refused_never_a_500(clerk, case):
    data, name, message = HOSTILE[case]
    page = upload(clerk, "invoices", data, name)
    assert page.status_code == 422
    assert any(message in line for line in problems(page)), problems(page)


def test_a_csv_row_with_a_field_over_128_kb_is_refused_with_its_row(clerk, people):
    rows = invoice_rows(people.alfa, "OK-1")
    rows[0] = dict(rows[0], description="x" * 200_000)
    page = upload(clerk, "invoices", csv_text(rows), "invoices.csv")
    assert page.status_code == 422
    assert "row 2: A field is longer than 1,000 characters." in problems(page)


def readings_csv(point, *rows: str) -> str:
    serial = point.current_meter.serial_number
    lines = [row.format(code=point.code, meter=serial) for row in rows]
    return "\n".join(["supply_point;meter;register;date;value", *lines])


def test_a_clerk_imports_the_distributors_readings(clerk, people, session):
    point = factories.supply_point(session, people.gamma, self_reading=False)
    session.commit()
    text = readings_csv(
        point, "{code};{meter};T1;2025-01-01;100", "{code};{meter};T1;2025-02-01;400"
    )
    done = upload(clerk, "readings", text, "readings.csv")
    assert done.status_code == 302
    assert "Imported 2 readings. 0 were already there." in text_of(clerk.get(done.location))
    session.expire_all()
    stored = session.scalars(select(Reading).where(Reading.supply_point_id == point.id)).all()
    assert sorted(r.value for r in stored) == [100, 400]
    assert {r.status for r in stored} == {ReadingStatus.ACCEPTED}


def test_a_refused_readings_file_keeps_nothing_and_shows_its_rows(clerk, people, session):
    point = factories.supply_point(session, people.gamma, self_reading=False)
    session.commit()
    text = readings_csv(point, "{code};{meter};T1;2025-03-01;500", "{code};{meter};T1;1.4.2025;600")
    page = upload(clerk, "readings", text, "readings.csv")
    assert page.status_code == 422
    assert problems(page) == ["row 3: Write the date as YYYY-MM-DD, not “1.4.2025”."]
    assert "1 row of 2 was refused." in text_of(page)
    session.expire_all()
    assert session.scalars(select(Reading).where(Reading.supply_point_id == point.id)).all() == []


def test_a_readings_file_larger_than_the_apps_request_limit_is_still_taken(
    clerk, people, session, bound_app, monkeypatch
):
    """Import files may be up to 20 MB; the app's own request limit is lower."""
    point = factories.supply_point(session, people.gamma, self_reading=False)
    session.commit()
    monkeypatch.setitem(bound_app.config, "MAX_CONTENT_LENGTH", 1_000)
    text = readings_csv(point, "{code};{meter};T1;2025-01-01;100") + "\n" * 5_000
    assert upload(clerk, "readings", text, "readings.csv").status_code == 302


def test_the_imports_page_offers_both_uploads_and_keeps_its_old_address(clerk):
    page = clerk.get("/backoffice/imports")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'action="/backoffice/invoices/import"' in html
    assert 'action="/backoffice/readings/import"' in html
    assert '<a href="/backoffice/imports" aria-current="page">Imports</a>' in html
    assert clerk.get("/backoffice/invoices/import").status_code == 200


@pytest.mark.parametrize("kind", ["invoices", "readings"])
def test_staff_without_the_permission_cannot_upload(client, people, session, kind):
    agent = factories.account(session, staff_role=StaffRole.CALL_CENTER)
    session.commit()
    client.login(agent.email)
    assert client.get("/backoffice/imports").status_code == 403
    assert upload(client, kind, "x", "x.csv").status_code == 403
