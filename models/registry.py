"""Imports every table module, so that Base.metadata is complete for Alembic and the app."""

from models import audit, files, identity, memberships, outbox, signin
from models.db import Base

metadata = Base.metadata

__all__ = ["audit", "files", "identity", "memberships", "metadata", "outbox", "signin"]
