"""Static files (our CSS, script and icons) kept by browsers for a year: every URL the app
makes for one carries a hash of the file's content (`?v=`), so a changed file gets a new URL
and a browser asks for each version once. A URL with another hash (a page cached from
before a deploy) is answered with the current file, to be revalidated each time."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.security import safe_join

YEAR = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    app.url_defaults(_add_version)
    app.after_request(_cache_headers)


def content_version(folder: str, filename: str) -> str | None:
    """The first 16 hex digits of the SHA-256 of the static file, None if there is none. The
    hash is kept per path, modification time and size: a file changed while the app runs
    (development) gets its new hash on the next page."""
    path = safe_join(folder, filename)
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return _digest(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _digest(path: str, _mtime_ns: int, _size: int) -> str:
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()[:16]


def _add_version(endpoint: str, values: dict[str, Any]) -> None:
    if endpoint == "static" and "filename" in values and "v" not in values:
        version = content_version(current_app.static_folder or "", values["filename"])
        if version is not None:
            values["v"] = version


def _cache_headers(response: Response) -> Response:
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    filename = (request.view_args or {}).get("filename", "")
    version = content_version(current_app.static_folder or "", filename)
    if version is not None and request.args.get("v") == version:
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
        response.cache_control.no_cache = None
    else:
        response.cache_control.max_age = 0
        response.cache_control.no_cache = True
    return response
