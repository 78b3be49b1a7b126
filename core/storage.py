"""Files in and out. Uploads: size limit, type decided by the bytes (never the name or the
browser's header), images rebuilt from their pixels alone (EXIF orientation applied, every
comment, profile, text chunk and EXIF/XMP block left behind). Names: the text is kept, with
path separators and control characters turned into dashes and the extension that matches the
content. Downloads: only through a view that has loaded the file through the company scope,
as an attachment that is never cached or sniffed, named by an ASCII `filename` and, when
that is not the whole name, the full UTF-8 `filename*` (RFC 6266)."""

from __future__ import annotations

import io
import re
import struct
import unicodedata
from dataclasses import dataclass
from itertools import groupby
from urllib.parse import quote

import puremagic
from flask import Response
from PIL import Image, ImageMode, ImageOps, UnidentifiedImageError
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
    as its bytes tell. JPEG and PNG images are decoded and re-encoded from their pixels, which
    drops all metadata (EXIF location, comments, colour profiles, text chunks) and anything
    hidden after the image."""
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


def read_uploads(
    uploads: list[FileStorage], *, allowed: set[str], max_bytes: int, max_count: int, field: str
) -> list[Upload]:
    """Several files of one field (`<input type=file multiple>`), each checked as by
    read_upload; more than `max_count` are refused on `field`, empty inputs skipped."""
    sent = [upload for upload in uploads if upload.filename]
    if len(sent) > max_count:
        raise DomainError(N_("At most %(count)s files at once."), field, count=max_count)
    checked = (
        read_upload(upload, allowed=allowed, max_bytes=max_bytes, field=field) for upload in sent
    )
    return [upload for upload in checked if upload is not None]


def _reencode(data: bytes, image_format: str, field: str) -> bytes:
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            # Pillow only warns between the limit and twice it; refuse before decoding.
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise Image.DecompressionBombError(f"{image.width}x{image.height}")
            image.load()
            # The orientation lives in the EXIF that is about to go: turn the pixels first.
            upright = ImageOps.exif_transpose(image)
            pixels = upright.convert(_clean_mode(upright, image_format))
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        struct.error,
        Image.DecompressionBombError,
    ) as error:
        raise DomainError(N_("The image could not be read."), field) from error
    # A brand-new image has an empty `info`: Pillow's savers fall back to the image's own
    # comment, ICC profile and XMP, so an image derived from the upload would write them again.
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    clean.save(out, format=image_format, quality=85, optimize=True)
    return out.getvalue()


def _clean_mode(image: Image.Image, image_format: str) -> str:
    """The mode the clean image is stored in: RGB for JPEG; for PNG RGBA when the image has
    any transparency (an alpha band or a tRNS entry), else L for grey and RGB for colour."""
    if image_format == "JPEG":
        return "RGB"
    if image.mode in {"RGBA", "LA", "PA", "RGBa", "La"} or "transparency" in image.info:
        return "RGBA"
    return "L" if ImageMode.getmode(image.mode).basemode == "L" else "RGB"


EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "text/calendar": ".ics",
    "text/csv": ".csv",
}


MAX_FILENAME = 120
# A suffix that looks like an extension (has a letter: "v2.1" keeps its ".1").
_EXTENSION = re.compile(r"\.(?=[0-9]*[A-Za-z])[A-Za-z0-9]{1,10}$")
# RFC 5987 attr-char: what `filename*` carries unencoded (the set Werkzeug's send_file uses).
_ATTR_CHARS = "!#$&+-.^_`|~"


def _is_unsafe(char: str) -> bool:
    # Separators would make a path; controls would break the header or the name; format
    # characters such as U+202E (right-to-left override) disguise "invoice\u202efdp.exe".
    return char in "/\\" or not (char.isprintable() or unicodedata.category(char) == "Zs")


def _clean_text(name: str) -> str:
    """`name` with each run of unsafe characters turned into one dash, any spacing into one
    space, and no leading or trailing dots, dashes or spaces (no hidden or "../" names)."""
    runs = groupby(unicodedata.normalize("NFC", name), key=_is_unsafe)
    text = "".join("-" if unsafe else "".join(chars) for unsafe, chars in runs)
    return re.sub(r"\s+", " ", text).strip(" .-")


def safe_filename(name: str, content_type: str) -> str:
    """The name a file is stored and downloaded under: its text (any language), without path
    separators or control characters, at most MAX_FILENAME characters, with the extension
    that matches the content (the original extension is not trusted)."""
    extension = EXTENSIONS.get(content_type, "")
    stem = _EXTENSION.sub("", _clean_text(name))
    stem = stem[: MAX_FILENAME - len(extension)].strip(" .-") or "file"
    return stem + extension


def _ascii_filename(name: str) -> str:
    """The `filename` fallback for clients that ignore `filename*`: letters transliterated
    where Unicode allows ("ceník" → "cenik"), anything else but [A-Za-z0-9._-] a dash."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not extension.isascii() or not extension.isalnum():
        stem, extension = name, ""
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_stem)
    ascii_stem = re.sub(r"-{2,}", "-", ascii_stem).strip("-.") or "file"
    return ascii_stem + ("." + extension if extension else "")


def download(data: bytes, *, filename: str, content_type: str, inline: bool = False) -> Response:
    """A response for private bytes: attachment (RFC 6266: `filename` in ASCII and, when that
    is not the whole name, the full name in `filename*`), nosniff, no-store. `filename` is
    cleaned here too (no separators or control characters), so a name built by a view can
    never break the header."""
    response = Response(data, mimetype=content_type)
    disposition = "inline" if inline else "attachment"
    name = _clean_text(filename) or "file"
    fallback = _ascii_filename(name)
    # Werkzeug's Headers.set quotes `filename` but writes no `filename*` by itself (only
    # send_file does, the same way as here); a key ending in "*" is passed through as is.
    # Like send_file, `filename*` is only added when the plain name cannot say it all.
    extended = {} if fallback == name else {"filename*": "UTF-8''" + quote(name, safe=_ATTR_CHARS)}
    response.headers.set("Content-Disposition", disposition, filename=fallback, **extended)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def send_stored(stored: StoredFile, *, inline: bool = False) -> Response:
    """Serves a file the caller has loaded through the company scope."""
    return download(
        stored.data, filename=stored.filename, content_type=stored.content_type, inline=inline
    )
