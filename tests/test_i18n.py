"""Every user-facing string goes through the catalogs, and every catalog is complete."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set:
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "lazy_gettext",
            "-k",
            "_l",
            "-k",
            "N_",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


@pytest.mark.parametrize("locale", ["en", "sk"])
def test_every_catalog_translates_every_message(extracted, locale):
    with (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    translated = {
        m.id: m
        for m in catalog
        if m.id
        and not m.fuzzy
        and all(m.string if isinstance(m.string, tuple | list) else [m.string])
    }
    missing = sorted(str(i) for i in extracted if i not in translated)
    assert missing == [], f"{locale}: {len(missing)} untranslated, run `make translations`"
    for message in translated.values():
        source = message.id[-1] if isinstance(message.id, tuple | list) else message.id
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) <= set(PLACEHOLDER.findall(source)), string


def test_templates_have_no_untranslated_sentences():
    """A crude net for text typed straight into a template: a run of three or more words
    between tags that is not inside a {{ _(...) }} call."""
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = re.sub(r"{#.*?#}", "", path.read_text(), flags=re.S)
        text = re.sub(r"{{.*?}}|{%.*?%}", "", text, flags=re.S)
        text = re.sub(r"<(script|style)\b.*?</\1>", "", text, flags=re.S)
        for chunk in re.findall(r">([^<>]+)<", text):
            if re.search(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}\s+[A-Za-z]{2,}", chunk):
                offenders.append(f"{path.relative_to(ROOT)}: {chunk.strip()}")
    assert offenders == []
