"""Imports every table module, so that Base.metadata is complete for Alembic and the app."""

from collections.abc import Callable
from typing import Any

from models import (
    audit,
    billing,
    changes,
    files,
    identity,
    memberships,
    messages,
    outbox,
    signin,
    supply,
    tickets,
)
from models.db import Base

metadata = Base.metadata


def in_schema_of(dialect: str) -> Callable[..., bool]:
    """Alembic's `include_object` for a database of `dialect`: leaves out what the models
    declare for another dialect only (models.db.trigram_index)."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        only_on = getattr(obj, "info", {}).get("dialect")
        return only_on is None or only_on == dialect

    return include


__all__ = [
    "audit",
    "billing",
    "changes",
    "files",
    "identity",
    "in_schema_of",
    "memberships",
    "messages",
    "metadata",
    "outbox",
    "signin",
    "supply",
    "tickets",
]
