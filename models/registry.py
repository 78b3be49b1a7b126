"""Imports every table module, so that Base.metadata is complete for Alembic and the app."""

from models import audit, billing, files, identity, memberships, outbox, signin, supply
from models.db import Base

metadata = Base.metadata

__all__ = [
    "audit",
    "billing",
    "files",
    "identity",
    "memberships",
    "metadata",
    "outbox",
    "signin",
    "supply",
]
