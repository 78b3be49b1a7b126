"""The one error a domain rule raises: which field it concerns and a message for people."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused an operation. `message` is a translatable English string;
    the web layer translates it and shows it next to `field` (or at the top when None).
    `status` is the HTTP status a page answers with when it shows the refusal."""

    status = 422

    def __init__(self, message: str, field: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.params = params


def N_(message: str) -> str:
    """Marks a message for the translation catalogs; the web layer translates it when shown."""
    return message


class AlreadyDecided(DomainError):
    """Someone else decided the record first (two clerks at once): the later one learns who,
    and when, and nothing is applied twice."""

    status = 409
