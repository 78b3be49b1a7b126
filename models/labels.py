"""The one registry of how enum values read to people: each area registers its tables (every
member of an enum with an English label marked by N_) and the web layer translates
`label_of(value)` where it shows one (the `label` template filter)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TypeVar

E = TypeVar("E", bound=enum.Enum)

# Keyed by (enum class, member): members of two StrEnums with the same value ("paid" of an
# invoice and of an advance) are equal as strings, and would share one entry otherwise.
LABELS: dict[tuple[type[enum.Enum], enum.Enum], str] = {}


def register(table: Mapping[E, str]) -> Mapping[E, str]:
    """Adds `table` (every member of one enum -> its label) to the registry and returns it.
    Refuses a table that leaves a member out, so no value is ever shown without a label."""
    kinds = {type(member) for member in table}
    if len(kinds) != 1:
        raise ValueError("a label table holds the members of exactly one enum")
    [kind] = kinds
    missing = [member.name for member in kind if member not in table]
    if missing:
        raise ValueError(f"{kind.__name__} has no label for {', '.join(missing)}")
    LABELS.update({(kind, member): label for member, label in table.items()})
    return table


def label_of(value: enum.Enum) -> str:
    """The English label of `value` (translate it where shown)."""
    return LABELS[(type(value), value)]
