"""One unit of work per command, as per request on the web: the block commits once when it
ends normally (and the e-mails it recorded are delivered at once) and rolls back when it
raises. The one place where a refused rule (DomainError) becomes the command's error."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import click
from flask import current_app
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from core.extensions import db
from core.mail import deliver_now
from models.db import begin_writing, end_unit_of_work
from models.errors import DomainError


def said(message: str, params: Mapping[str, object]) -> str:
    """A domain message as the command line prints it: in English, its parameters filled in."""
    return message % dict(params) if params else message


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Yields the session for the block, which writes: on SQLite it takes the write lock up
    front, so a command running beside the web workers waits for them instead of failing
    half-way. A DomainError leaves as a click.ClickException with the rule's message."""
    session = db.session
    begin_writing(session)
    try:
        yield session
    except DomainError as error:
        end_unit_of_work(session, success=False)
        raise click.ClickException(said(error.message, error.params)) from error
    except BaseException:
        end_unit_of_work(session, success=False)
        raise
    try:
        committed = end_unit_of_work(session, success=True)
    except OperationalError as error:  # locked or unreachable database
        raise click.ClickException(f"Nothing was saved: {error.orig or error}") from error
    if committed:
        deliver_now(current_app._get_current_object(), committed)  # type: ignore[attr-defined]
