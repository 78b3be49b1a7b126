"""The Imports page of the back office: uploading the billing system's invoices and the
distributor's meter readings, through the same operations as `flask import-invoices` and
`flask import-readings`. A file is imported all or nothing; a refused one answers 422 (the
unit of work rolls back) with its report: the file's error, or a page of problems at most
and how many more there were."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from backoffice import blueprint
from core.extensions import db
from core.forms import Form, refusals
from core.i18n import param_text
from core.navigation import menu_item
from core.permissions import can, requires
from models.billing import import_invoices, read_invoice_file
from models.identity import Account
from models.imports import MAX_FILE_BYTES, ImportReport, Outcome, file_lines, read_text
from models.supply import import_readings

menu_item("backoffice", "backoffice.imports", _l("Imports"), permission="invoices.manage", order=25)


class InvoiceFileForm(Form):
    file = FileField(_l("CSV or JSON file"), validators=[FileRequired()])


class ReadingFileForm(Form):
    file = FileField(_l("CSV file"), validators=[FileRequired()])


@dataclass(frozen=True)
class Kind:
    """One kind of import file: who may upload it, its form, the operation that imports it
    (actor, file name, text) and what the page says when it worked."""

    name: str
    permission: str
    form: type[Form]
    run: Callable[[Account, str, str], ImportReport]
    done: Callable[[ImportReport], str]


def _invoices(actor: Account, name: str, text: str) -> ImportReport:
    return import_invoices(db.session, *read_invoice_file(name, text), actor=actor, source=name)


def _readings(actor: Account, _name: str, text: str) -> ImportReport:
    return import_readings(db.session, text, actor=actor)


def _invoices_done(report: ImportReport) -> str:
    return " ".join(
        [
            ngettext(
                "Imported %(num)d invoice.",
                "Imported %(num)d invoices.",
                report.count(Outcome.IMPORTED),
            ),
            ngettext(
                "%(num)d was already there unchanged.",
                "%(num)d were already there unchanged.",
                report.count(Outcome.UNCHANGED),
            ),
        ]
    )


def _readings_done(report: ImportReport) -> str:
    return " ".join(
        [
            ngettext(
                "Imported %(num)d reading.",
                "Imported %(num)d readings.",
                report.count(Outcome.IMPORTED),
            ),
            ngettext(
                "%(num)d was already there.",
                "%(num)d were already there.",
                report.count(Outcome.UNCHANGED),
            ),
        ]
    )


INVOICES = Kind("invoices", "invoices.manage", InvoiceFileForm, _invoices, _invoices_done)
READINGS = Kind("readings", "readings.review", ReadingFileForm, _readings, _readings_done)
KINDS = (INVOICES, READINGS)
UPLOADS = {"backoffice.imports_invoices", "backoffice.imports_readings"}


@blueprint.url_value_preprocessor
def _allow_import_files(endpoint: str | None, _values: dict | None) -> None:
    """An import file may be up to MAX_FILE_BYTES, more than the app's request limit. URL
    preprocessors run before the CSRF check reads the body, so the limit is raised in time."""
    if endpoint in UPLOADS:
        request.max_content_length = MAX_FILE_BYTES + 1024 * 1024  # the form's own parts


@blueprint.route("/imports")
@requires("invoices.manage")
def imports() -> str:
    return _page()


# The two upload addresses show the same page on GET (the invoice one is the page's old
# address); a readings reviewer without invoices.manage finds the readings upload there.
@blueprint.route("/invoices/import", methods=["GET", "POST"])
@requires("invoices.manage")
def imports_invoices() -> str | Response | tuple[str, int]:
    return _upload(INVOICES)


@blueprint.route("/readings/import", methods=["GET", "POST"])
@requires("readings.review")
def imports_readings() -> str | Response | tuple[str, int]:
    return _upload(READINGS)


def _upload(kind: Kind) -> str | Response | tuple[str, int]:
    """Imports the posted file of `kind`: redirects with a message when it worked, else shows
    the page again with the form's errors or the report, answering 422 (nothing is kept)."""
    form = kind.form(prefix=kind.name)
    if not form.is_submitted():
        return _page()
    report = None
    if form.validate_on_submit():
        with refusals(form):  # a file too large or not UTF-8, next to the field
            upload: FileStorage = form.file.data
            name = upload.filename or "upload"
            text = read_text(upload.stream.read(MAX_FILE_BYTES + 1))
            report = kind.run(current_user._get_current_object(), name, text)
            if report.ok:
                flash(kind.done(report), "success")
                # The kind's own address shows the page to whoever may upload this kind.
                return redirect(url_for(f"backoffice.imports_{kind.name}"))
    return _page(kind, form, report), 422


def _page(
    posted: Kind | None = None, form: Form | None = None, report: ImportReport | None = None
) -> str:
    """The page: an upload for each kind the person may import; the posted one with its form
    and report."""
    sections = [
        {
            "kind": kind.name,
            "form": form if kind is posted else kind.form(prefix=kind.name, formdata=None),
            "report": _shown(report) if kind is posted and report is not None else None,
            "action": url_for(f"backoffice.imports_{kind.name}"),
        }
        for kind in KINDS
        if can(kind.permission)
    ]
    return render_template(
        "backoffice/imports/index.html", sections=sections, limit_mb=MAX_FILE_BYTES // 2**20
    )


@dataclass(frozen=True)
class ShownReport:
    """A refused report as the page shows it, in the reader's language."""

    lines: list[str]
    problems: int
    more: int
    refused: int
    items: int


def _shown(report: ImportReport) -> ShownReport:
    return ShownReport(
        lines=file_lines(report, _, param_text),
        problems=report.problem_count + (report.error is not None),
        more=report.more_problems,
        refused=report.count(Outcome.REFUSED),
        items=len(report.items),
    )
