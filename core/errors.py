"""Error pages for people: each looks like the portal, none shows a stack trace. A database
outage rolls back and answers 503."""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, g, render_template
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from core.extensions import db, limiter, login_manager
from core.i18n import domain_message
from core.pdf import PdfTooLarge
from models.errors import DomainError

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Access denied"), _l("Your account does not have permission for this page.")),
    404: (_l("Page not found"), _l("There is no such page, or you do not have access to it.")),
    405: (_l("Not allowed"), _l("This action is not available here.")),
    413: (_l("Too large"), _l("The upload is larger than allowed.")),
    422: (_l("Not possible"), _l("This could not be done. Nothing was changed.")),
    429: (
        _l("Too many requests"),
        _l("Too many attempts in a short time. Wait a moment and try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error occurred. It has been logged; please try again later."),
    ),
    503: (
        _l("Temporarily unavailable"),
        _l("The service is temporarily unavailable. Please try again in a few minutes."),
    ),
}


def render_error(status: int, message: object = None) -> tuple[str, int]:
    title, default = MESSAGES.get(status, MESSAGES[500])
    page = render_template(
        "errors/error.html",
        status=status,
        title=title,
        message=message or default,
        minimal_chrome=True,
    )
    return page, status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> tuple[str, int]:
        return render_error(
            400,
            _l("The form has expired or was sent from elsewhere. Reload the page and try again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> HTTPException | Response:
        if error.code is None or error.code < 400:
            return error
        response = error.get_response()
        message = None
        if error.code == 429:  # say how long, to people and to programs
            wait = _seconds_until_reset()
            response.headers["Retry-After"] = str(wait)
            minutes = max(1, math.ceil(wait / 60))
            message = ngettext(
                "Too many attempts in a short time. Try again in %(num)d minute.",
                "Too many attempts in a short time. Try again in %(num)d minutes.",
                minutes,
            )
        body, _status = render_error(error.code, message)
        response.set_data(body)
        response.content_type = "text/html; charset=utf-8"
        return response

    @app.errorhandler(PdfTooLarge)
    def pdf_too_large(error: PdfTooLarge) -> tuple[str, int]:
        log.error("PDF over the size limit: %s", error)
        _rollback()
        return render_error(
            422,
            _l(
                "This document is too large to be produced as a PDF. Please contact us and "
                "we will send it to you another way."
            ),
        )

    @app.errorhandler(DomainError)
    def refused(error: DomainError) -> tuple[str, int]:
        """An action without a form whose operation refused: a page that says why."""
        _rollback()
        return render_error(422, domain_message(error))

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> tuple[str, int]:
        log.error("database error: %s", error)
        _rollback()
        # The account cannot be loaded either; render the page as for a visitor.
        g._login_user = login_manager.anonymous_user()
        return render_error(503)

    @app.errorhandler(InternalServerError)
    def internal_error(error: InternalServerError) -> tuple[str, int]:
        log.error("unhandled error", exc_info=error.original_exception)
        _rollback()
        return render_error(500)


def _seconds_until_reset() -> int:
    """Seconds until the breached rate limit lets requests through again (at least 1)."""
    limit = limiter.current_limit
    if limit is None:
        return 60
    return max(1, math.ceil(limit.window[0] - time.time()))


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # the database may be the thing that is down
        log.exception("rollback failed")
