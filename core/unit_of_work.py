"""One unit of work per request: whatever the view did, the request commits once at its end
when its answer is a success (below 400) and rolls back otherwise; the remembered writes of
refusals are committed either way; the e-mails it queued are delivered after the response.
Views never commit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, make_response, request
from sqlalchemy.exc import OperationalError

from core.errors import render_error
from core.extensions import db
from core.mail import deliver_after
from models.db import begin_writing, end_unit_of_work

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    """Call last in create_app: after-request functions run in reverse order of registration,
    so this one runs first and the others (headers, cookies) see its final answer."""
    # URL preprocessors run in order of registration: the login is resolved (core.auth)
    # before this one, the company scope (a blueprint's) after it.
    app.url_value_preprocessor(_begin_request)
    app.after_request(_end_request)


def writes(view: F) -> F:
    """Marks a view that writes when asked with GET (an export that leaves an audit event):
    it takes the write lock up front too, as a POST does."""
    view.writes = True  # type: ignore[attr-defined]
    return view


def _begin_request(endpoint: str | None, _values: dict | None) -> None:
    """A request that may write (not GET or HEAD, or a view marked `writes`) takes its write
    lock up front on SQLite, before the view reads anything: one that began reading could
    not write after another request committed."""
    if endpoint == "static" or endpoint is None:
        return
    view = current_app.view_functions.get(endpoint)
    if request.method not in SAFE_METHODS or getattr(view, "writes", False):
        begin_writing(db.session)


def refuse() -> None:
    """The one refusal path's part here: rolls the unit of work back now (nothing half-done is
    shown or kept) and makes the request end in a rollback, whatever it answers."""
    db.session.rollback()
    g.refused = True


def _end_request(response: Response) -> Response:
    if not db.has_session():
        return response
    success = response.status_code < 400 and not g.pop("refused", False)
    try:
        committed = end_unit_of_work(db.session, success=success)
    except OperationalError as error:  # locked or unreachable database: nothing was saved
        log.error("commit failed: %s", error)
        return make_response(render_error(503))
    except Exception:
        log.exception("commit failed")
        return make_response(render_error(500))
    if committed:
        deliver_after(response, committed)
    return response
