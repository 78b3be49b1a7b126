"""The supply area's demo data for the demo companies."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from models.demo import Cast


def load(session: Session, cast: Cast) -> None:
    """Adds the supply demo data (filled in by the supply issue)."""
