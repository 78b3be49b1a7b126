"""Supply points, their contracts and meters, and meter readings a utility can trust: the
tables (tables.py), how their values read (labels.py), setting points up (points.py), what a
register's history predicts (expected.py), a register's sequence and what of it counts
(sequence.py), submitting readings (readings.py) and deciding on them (review.py), what the
readings add up to (history.py) and the distributor's CSV import (imports.py)."""

from models.supply.expected import (
    DEFAULT_TOLERANCE,
    NO_CONSUMPTION_DAYS,
    ExpectedRange,
    Step,
    consumption_between,
    expected_range,
    reason_message,
    review_reason,
    running_totals,
)
from models.supply.history import (
    WINDOW_DAYS,
    HistoryTable,
    MonthTotal,
    ReadingWindow,
    add_months,
    history_table,
    latest_readings,
    monthly_consumption,
    points_due,
    reading_window,
    readings_with_consumption,
    recent_decisions,
)
from models.supply.imports import import_readings
from models.supply.labels import register_label
from models.supply.points import (
    RegisterSpec,
    add_contract,
    create_supply_point,
    install_meter,
    is_valid_code,
    normalize_code,
    terminate_supply_point,
)
from models.supply.readings import RegisterValue, parse_value, register_field, submit_reading
from models.supply.review import review_reading
from models.supply.sequence import (
    expected_for,
    last_reading,
    pending_submissions,
    register_sequence,
)
from models.supply.tables import (
    IN_SEQUENCE,
    Commodity,
    Contract,
    Meter,
    MeterRegister,
    Reading,
    ReadingSource,
    ReadingStatus,
    ReadingSubmission,
    ReviewReason,
    SupplyPoint,
    SupplyPointStatus,
)

__all__ = [
    "DEFAULT_TOLERANCE",
    "IN_SEQUENCE",
    "NO_CONSUMPTION_DAYS",
    "WINDOW_DAYS",
    "Commodity",
    "Contract",
    "ExpectedRange",
    "HistoryTable",
    "Meter",
    "MeterRegister",
    "MonthTotal",
    "Reading",
    "ReadingSource",
    "ReadingStatus",
    "ReadingSubmission",
    "ReadingWindow",
    "RegisterSpec",
    "RegisterValue",
    "ReviewReason",
    "Step",
    "SupplyPoint",
    "SupplyPointStatus",
    "add_contract",
    "add_months",
    "consumption_between",
    "create_supply_point",
    "expected_for",
    "expected_range",
    "history_table",
    "import_readings",
    "install_meter",
    "is_valid_code",
    "last_reading",
    "latest_readings",
    "monthly_consumption",
    "normalize_code",
    "parse_value",
    "pending_submissions",
    "points_due",
    "reading_window",
    "readings_with_consumption",
    "reason_message",
    "recent_decisions",
    "register_field",
    "register_label",
    "register_sequence",
    "review_reading",
    "review_reason",
    "running_totals",
    "submit_reading",
    "terminate_supply_point",
]
