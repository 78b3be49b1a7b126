"""Our CSS, script and icons are asked for once per version: their URLs carry a hash of the
content and are cached for a year; an old or wrong hash is answered, but not kept."""

from __future__ import annotations

import re

from core.static import YEAR, content_version

ASSET = re.compile(r'(?:href|src)="(/static/[^"#]+)')


def test_every_static_url_on_a_page_carries_its_content_hash(client):
    page = client.get("/login").get_data(as_text=True)
    urls = ASSET.findall(page)
    assert {"/static/css/portal.css", "/static/js/portal.js"} <= {u.split("?")[0] for u in urls}
    for url in urls:
        assert re.fullmatch(r"/static/[\w/.-]+\?v=[0-9a-f]{16}", url), url


def test_a_hashed_url_is_cached_for_a_year_and_another_hash_is_revalidated(client):
    page = client.get("/login").get_data(as_text=True)
    css = next(u for u in ASSET.findall(page) if "portal.css" in u)
    kept = client.get(css)
    assert kept.status_code == 200 and b"{" in kept.data
    cache = kept.headers["Cache-Control"]
    assert f"max-age={YEAR}" in cache and "immutable" in cache and "public" in cache
    stale = client.get("/static/css/portal.css?v=0123456789abcdef")
    assert stale.status_code == 200 and stale.data == kept.data
    assert (
        "no-cache" in stale.headers["Cache-Control"]
        and "immutable" not in stale.headers["Cache-Control"]
    )
    assert "max-age=31536000" not in client.get("/static/css/portal.css").headers["Cache-Control"]


def test_a_changed_file_gets_a_new_hash_and_a_missing_one_none(tmp_path):
    (tmp_path / "site.css").write_text("body { color: black }")
    first = content_version(str(tmp_path), "site.css")
    (tmp_path / "site.css").write_text("body { color: navy }")
    second = content_version(str(tmp_path), "site.css")
    assert first and second and first != second
    assert content_version(str(tmp_path), "missing.css") is None
    assert content_version(str(tmp_path), "../outside.css") is None
