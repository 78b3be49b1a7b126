"""core.storage on its own: a re-encoded photo keeps its pixels (turned the way its EXIF
orientation says) and nothing else, and a download name keeps its text in `filename*` with a
plain ASCII `filename` beside it, never a path, a control character or a header break."""

from __future__ import annotations

import email.message
import email.utils
import io

import pytest
from PIL import ExifTags, Image, ImageCms, PngImagePlugin
from werkzeug.datastructures import FileStorage
from werkzeug.http import parse_options_header

from core.storage import PDF, download, read_upload, safe_filename

SCRIPT = b"<script>alert(1)</script>"
PHOTO_TYPES = {"image/jpeg", "image/png"}


def upload(data: bytes, name: str, *, allowed: set[str] = PHOTO_TYPES):  # type: ignore[no-untyped-def]
    return read_upload(
        FileStorage(io.BytesIO(data), filename=name),
        allowed=allowed,
        max_bytes=5 * 1024 * 1024,
        field="photo",
    )


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def jpeg_with_metadata() -> bytes:
    """40x20, red on the left and blue on the right, rotated by EXIF orientation 6 (90° clockwise
    to display), with GPS, a comment holding a script, an ICC profile and XMP."""
    image = Image.new("RGB", (40, 20), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 20, 20))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (50.0, 5.0, 0.0)
    out = io.BytesIO()
    image.save(
        out,
        "JPEG",
        exif=exif.tobytes(),
        comment=SCRIPT,
        icc_profile=srgb_profile(),
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret</x:xmpmeta>',
    )
    return out.getvalue()


def test_a_jpeg_keeps_only_its_pixels_turned_upright() -> None:
    source = jpeg_with_metadata()
    assert SCRIPT in source and b"Exif" in source  # the sample really carries them

    stored = upload(source, "meter.jpg")

    assert stored is not None and stored.content_type == "image/jpeg"
    for marker in (b"<script", b"Exif", b"ICC_PROFILE", b"xmpmeta", b"adobe"):
        assert marker not in stored.data
    with Image.open(io.BytesIO(stored.data)) as image:
        assert not {"comment", "exif", "icc_profile", "xmp", "dpi"} & set(image.info)
        assert not image.getexif()
        assert image.size == (20, 40)
        # Turned clockwise: what was on the left is now at the top.
        top, bottom = image.getpixel((10, 5)), image.getpixel((10, 35))
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60


def test_a_png_keeps_only_its_pixels() -> None:
    image = Image.new("RGB", (8, 8))
    image.putdata([(x * 30, y * 30, (x + y) * 15) for y in range(8) for x in range(8)])
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "<script>")
    text.add_text("Zipped", "<script>" * 20, zip=True)
    text.add_itxt("XML:com.adobe.xmp", "<script>xmp</script>")
    out = io.BytesIO()
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Secret camera"
    image.save(
        out,
        "PNG",
        icc_profile=srgb_profile(),
        pnginfo=text,
        dpi=(300, 300),
        exif=exif.tobytes(),
    )
    source = out.getvalue()
    assert b"iCCP" in source and b"tEXt" in source  # the sample really carries them

    stored = upload(source, "meter.png")

    assert stored is not None and stored.content_type == "image/png"
    for chunk in (b"iCCP", b"tEXt", b"zTXt", b"iTXt", b"pHYs", b"eXIf", b"<script", b"Secret"):
        assert chunk not in stored.data
    with Image.open(io.BytesIO(stored.data)) as clean:
        assert not {"icc_profile", "exif", "dpi", "Comment", "Zipped"} & set(clean.info)
        assert clean.size == (8, 8) and clean.mode == "RGB"
        for xy in ((0, 0), (7, 0), (3, 5), (7, 7)):
            assert clean.getpixel(xy) == image.getpixel(xy)


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "LA", "P", "P+tRNS", "1", "I;16"])
def test_a_png_in_any_mode_keeps_its_pixels(mode: str) -> None:
    image = Image.new("RGBA", (6, 4))
    image.putdata([(x * 40, y * 60, 90, 255 if x % 2 else 128) for y in range(4) for x in range(6)])
    image = image.convert(mode.removesuffix("+tRNS"))
    if mode == "P+tRNS":
        image.info["transparency"] = image.getpixel((0, 0))  # one palette entry is see-through
    out = io.BytesIO()
    image.save(out, "PNG")
    with Image.open(io.BytesIO(out.getvalue())) as source:
        expected = source.convert("RGBA").tobytes()  # as a viewer shows the original

    stored = upload(out.getvalue(), "meter.png")

    assert stored is not None
    with Image.open(io.BytesIO(stored.data)) as clean:
        assert clean.mode in {"RGB", "RGBA", "L"}
        assert clean.convert("RGBA").tobytes() == expected


def disposition(header: str) -> tuple[str, str, str]:
    """(disposition, the `filename` fallback, the full name) read as a mail client reads RFC
    2231 parameters, independently of Werkzeug. The full name is `filename*` when it is
    there; it is left out only when the fallback already is the whole name."""
    message = email.message.Message()
    message["Content-Disposition"] = header
    params = message.get_params(header="content-disposition")
    assert params is not None
    plain = [value for key, value in params[1:] if key == "filename" and isinstance(value, str)]
    extended = [
        value for key, value in params[1:] if key == "filename" and isinstance(value, tuple)
    ]
    assert len(plain) == 1 and len(extended) <= 1, header
    if not extended:
        return params[0][0], plain[0], plain[0]
    assert extended[0][0].upper() == "UTF-8"
    full = email.utils.collapse_rfc2231_value(extended[0])
    assert full != plain[0], header
    return params[0][0], plain[0], full


@pytest.mark.parametrize(
    ("name", "full", "fallback"),
    [
        (
            "Business 2027/1 \N{EN DASH} ceník",
            "Business 2027-1 \N{EN DASH} ceník.pdf",
            "Business-2027-1-cenik.pdf",
        ),
        (
            "price-list-Business 2027/1 \N{EN DASH} ceník.pdf",
            "price-list-Business 2027-1 \N{EN DASH} ceník.pdf",
            "price-list-Business-2027-1-cenik.pdf",
        ),
        ("..\\..\\etc\\passwd", "etc-passwd.pdf", "etc-passwd.pdf"),
        ("../../etc/passwd", "etc-passwd.pdf", "etc-passwd.pdf"),
        ("a\r\nSet-Cookie: x=y", "a-Set-Cookie: x=y.pdf", "a-Set-Cookie-x-y.pdf"),
        ("", "file.pdf", "file.pdf"),
        ("report.exe", "report.pdf", "report.pdf"),
        ('"quoted"; name.pdf', '"quoted"; name.pdf', "quoted-name.pdf"),
        ("Прайс-лист", "Прайс-лист.pdf", "file.pdf"),
        ("Ceník v2.1", "Ceník v2.1.pdf", "Cenik-v2.1.pdf"),
    ],
)
def test_a_download_name_keeps_its_text_with_an_ascii_fallback(
    name: str, full: str, fallback: str
) -> None:
    response = download(b"%PDF-", filename=safe_filename(name, PDF), content_type=PDF)

    header = response.headers["Content-Disposition"]
    assert "\r" not in header and "\n" not in header
    assert header.isascii()
    kind, plain, extended = disposition(header)
    assert (kind, plain, extended) == ("attachment", fallback, full)
    # What Werkzeug (and a browser) reads: filename* wins over the fallback.
    assert parse_options_header(header) == ("attachment", {"filename": full})


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("a\r\nSet-Cookie: x=y.csv", "text/csv", "a-Set-Cookie: x=y.csv"),
        ("../advances 2027.ics", "text/calendar", "advances 2027.ics"),
        ("Odečty \N{EN DASH} OM 1.csv", "text/csv", "Odečty \N{EN DASH} OM 1.csv"),
    ],
)
def test_download_cleans_a_name_it_is_given_directly(
    name: str, content_type: str, expected: str
) -> None:
    response = download(b"", filename=name, content_type=content_type, inline=True)

    kind, plain, extended = disposition(response.headers["Content-Disposition"])
    assert kind == "inline" and extended == expected
    assert plain.isascii() and "/" not in plain and '"' not in plain


@pytest.mark.parametrize(
    "name",
    [
        "../../.bashrc",
        "..\\..\\windows\\system32\\evil.dll",
        ".hidden.pdf",
        "a\x00b\x1fc\x7fd\u2028e.pdf",
        "invoice\u202efdp.exe",
        "x" * 300 + ".pdf",
        " \t. - .pdf",
    ],
)
def test_a_stored_upload_name_is_safe(name: str) -> None:
    stored = upload(b"%PDF-1.4\n%%EOF\n", name, allowed={PDF})

    assert stored is not None
    filename = stored.filename
    assert filename.endswith(".pdf") and len(filename) <= 120
    assert not filename.startswith((".", "-", " "))
    assert "/" not in filename and "\\" not in filename
    assert all(char.isprintable() for char in filename)
    assert "\u202e" not in filename


def test_a_stored_upload_name_keeps_its_text() -> None:
    stored = upload(b"%PDF-1.4\n%%EOF\n", "Ceník 2027/1.pdf", allowed={PDF})

    assert stored is not None and stored.filename == "Ceník 2027-1.pdf"
