"""Files in and out. Uploads: size limit, type decided by the bytes (never the name or the
browser's header), images re-encoded without metadata. Downloads: only through a view that
has loaded the file through the company scope, as an attachment that is never cached or
sniffed."""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass

import puremagic
from flask import Response
from PIL import Image, UnidentifiedImageError
from werkzeug.datastructures import FileStorage

from models.errors import N_, DomainError
from models.files import StoredFile

IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG"}
PDF = "application/pdf"
MAX_IMAGE_PIXELS = 40_000_000  # a decompression bomb is refused, not rendered


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str
    content_type: str


def detect_type(data: bytes) -> str | None:
    """The MIME type the bytes declare, by their signature; None when unknown."""
    try:
        return puremagic.from_string(data[:8192], mime=True) or None
    except puremagic.PureError:
        return None


def read_upload(
    upload: FileStorage | None, *, allowed: set[str], max_bytes: int, field: str
) -> Upload | None:
    """Checks an uploaded file and returns it ready to store, or None when no file was sent.
    Raises DomainError on `field` for a file too large, empty, or of a type not in `allowed`
    as its bytes tell. JPEG and PNG images are decoded and re-encoded, which drops EXIF
    (location) metadata and anything hidden after the image."""
    if upload is None or not upload.filename:
        return None
    data = upload.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DomainError(
            N_("The file is larger than %(size)s MB."), field, size=max_bytes // (1024 * 1024)
        )
    if not data:
        raise DomainError(N_("The file is empty."), field)
    kind = detect_type(data)
    if kind not in allowed:
        raise DomainError(N_("This type of file is not accepted here."), field)
    if kind in IMAGE_TYPES:
        data = _reencode(data, IMAGE_TYPES[kind], field)
    return Upload(data=data, filename=safe_filename(upload.filename, kind), content_type=kind)


def _reencode(data: bytes, image_format: str, field: str) -> bytes:
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            clean = image.convert("RGB") if image_format == "JPEG" else image.copy()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise DomainError(N_("The image could not be read."), field) from error
    out = io.BytesIO()
    clean.save(out, format=image_format, quality=85, optimize=True)
    return out.getvalue()


EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "text/calendar": ".ics",
    "text/csv": ".csv",
}


def safe_filename(name: str, content_type: str) -> str:
    """A download name of letters, digits, dots, dashes and underscores, with the extension
    that matches the content (the original extension is not trusted)."""
    stem = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0]
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_stem).strip("-.")[:80] or "file"
    return stem + EXTENSIONS.get(content_type, "")


def download(data: bytes, *, filename: str, content_type: str, inline: bool = False) -> Response:
    """A response for private bytes: attachment (RFC 6266 filename), nosniff, no-store."""
    response = Response(data, mimetype=content_type)
    disposition = "inline" if inline else "attachment"
    response.headers.set("Content-Disposition", disposition, filename=filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def send_stored(stored: StoredFile, *, inline: bool = False) -> Response:
    """Serves a file the caller has loaded through the company scope."""
    return download(
        stored.data, filename=stored.filename, content_type=stored.content_type, inline=inline
    )
