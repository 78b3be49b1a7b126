"""`make run` is what a newcomer types: the links it e-mails point where it serves."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def public_url(*args: str, **env: str) -> str:
    """PUBLIC_URL as the recipes of the Makefile see it."""
    clean = {k: v for k, v in os.environ.items() if k not in ("PUBLIC_URL", "PORT")}
    result = subprocess.run(
        ["make", "-s", "--eval", "show-url: ; @echo $$PUBLIC_URL", "show-url", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_make_run_derives_the_public_url_from_the_port():
    assert public_url("PORT=8080") == "http://127.0.0.1:8080"
    assert public_url(PORT="8081") == "http://127.0.0.1:8081"
    assert public_url() == "http://127.0.0.1:5000"


def test_a_public_url_that_is_set_wins():
    assert public_url("PORT=8080", PUBLIC_URL="https://portal.example") == "https://portal.example"
