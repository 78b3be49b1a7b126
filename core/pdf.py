"""The one PDF renderer: WeasyPrint over our own templates, with a URL fetcher that serves
only the app's static files (no file:, no network, no redirects, nothing else). What a
document is made of, and how it is kept, belongs to its area (models/billing/documents.py)."""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale

log = logging.getLogger(__name__)
# WeasyPrint narrates every render step at INFO; warnings and errors still come through.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# Relative URLs in PDF templates resolve against this base; nothing else is ever fetched.
BASE_URL = "https://pdf.invalid/"
STATIC_PREFIX = BASE_URL + "static/"
MAX_PDF_BYTES = 10 * 1024 * 1024


class PdfUnavailable(RuntimeError):
    """WeasyPrint (or its system libraries) cannot be loaded on this machine."""


class PdfTooLarge(RuntimeError):
    pass


def _weasyprint() -> Any:  # the module, imported when first needed
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango missing
        raise PdfUnavailable(str(error)) from error
    return weasyprint


def static_only_fetcher() -> Any:
    """A WeasyPrint URL fetcher that answers only for files under static/."""
    weasyprint = _weasyprint()
    static = Path(current_app.static_folder or "static").resolve()

    class StaticOnly(weasyprint.urls.URLFetcher):  # type: ignore[name-defined]  # a late import
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.startswith(STATIC_PREFIX) or any(c in url for c in "?#\\"):
                log.warning("PDF fetch refused: %r", url[:200])
                raise ValueError("only the portal's static files may be fetched")
            path = (static / url[len(STATIC_PREFIX) :]).resolve()
            if not path.is_relative_to(static) or not path.is_file():
                log.warning("PDF fetch refused: %r", url[:200])
                raise ValueError("not a static file")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return weasyprint.urls.URLFetcherResponse(
                url, path.read_bytes(), headers={"Content-Type": mime}
            )

    return StaticOnly(allowed_protocols=("https",), allow_redirects=False)


def render_pdf(template: str, **context: Any) -> bytes:
    """Renders templates/pdf/<template> (autoescaped, like every page) to PDF bytes, in
    DOCUMENT_LOCALE: a document reads the same whoever downloads it."""
    weasyprint = _weasyprint()
    with force_locale(current_app.config["DOCUMENT_LOCALE"]):
        html = render_template(f"pdf/{template}", **context)
    pdf = weasyprint.HTML(
        string=html, base_url=BASE_URL, url_fetcher=static_only_fetcher()
    ).write_pdf()
    if len(pdf) > MAX_PDF_BYTES:
        raise PdfTooLarge(f"{template}: {len(pdf)} bytes")
    return pdf
