"""The distributor's readings from the command line: a good file kept, a bad one refused
whole, the same file again unchanged."""

from __future__ import annotations

from sqlalchemy import select

from models.supply import Reading, ReadingStatus
from tests import factories


def test_import_readings_keeps_a_good_file_and_refuses_a_bad_one_whole(
    flask_command, people, session, tmp_path
):
    point = factories.supply_point(session, people.gamma, self_reading=False)
    session.commit()
    serial = point.current_meter.serial_number
    good = tmp_path / "good.csv"
    good.write_text(
        "\ufeffsupply_point;meter;register;date;value\n"
        f"{point.code};{serial};T1;2025-01-01;100\n{point.code};{serial};T1;2025-02-01;400\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "supply_point,meter,register,date,value\n"
        f"{point.code},{serial},T1,2025-03-01,500\n{point.code},{serial},T1,1.4.2025,600\n",
        encoding="utf-8",
    )

    refused = flask_command("import-readings", str(bad))
    assert refused.exit_code == 1
    assert "row 3: Write the date as YYYY-MM-DD, not “1.4.2025”." in refused.output
    assert "Error: 1 problem(s); nothing was imported." in refused.output
    session.expire_all()
    assert session.scalars(select(Reading).where(Reading.supply_point_id == point.id)).all() == []

    done = flask_command("import-readings", str(good))
    assert done.exit_code == 0, done.output
    assert "Imported 2 readings; 0 were already there." in done.output
    again = flask_command("import-readings", str(good))
    assert "Imported 0 readings; 2 were already there." in again.output
    session.expire_all()
    stored = session.scalars(select(Reading).where(Reading.supply_point_id == point.id)).all()
    assert sorted(r.value for r in stored) == [100, 400]
    assert {r.status for r in stored} == {ReadingStatus.ACCEPTED}


def test_import_readings_refuses_a_file_without_its_columns(flask_command, tmp_path):
    empty = tmp_path / "x.csv"
    empty.write_text("supply_point,meter\n")
    refused = flask_command("import-readings", str(empty))
    assert refused.exit_code == 1
    assert "it lacks register, date, value." in refused.output
