"""A device as people name it, from a browser's user-agent string: "Firefox on Windows",
"Mobile Safari on iOS (iPhone)", by the maintained ua-parser rules, never the raw string."""

from __future__ import annotations

from functools import lru_cache

import ua_parser
from flask import Flask
from flask_babel import gettext


@lru_cache(maxsize=2048)
def _parsed(user_agent: str) -> tuple[str | None, str | None, str | None]:
    found = ua_parser.parse(user_agent)
    browser = found.user_agent.family if found.user_agent else None
    system = found.os.family if found.os else None
    device = found.device.family if found.device else None
    return (
        None if browser in (None, "Other") else browser,
        None if system in (None, "Other") else system,
        None if device in (None, "Other", "Spider") else device,
    )


def same_device(user_agent: str | None) -> tuple[str | None, str | None, str | None]:
    """What stays when a browser updates itself: its family, the system's and the device's,
    without versions (a new Firefox version is the same device)."""
    return _parsed((user_agent or "")[:500])


def device_name(user_agent: str | None) -> str:
    """ "Firefox on Windows"; "an unknown device" when the string names nothing known."""
    browser, system, device = _parsed((user_agent or "")[:500])
    if browser and system:
        name = gettext("%(browser)s on %(system)s", browser=browser, system=system)
    else:
        name = browser or system or gettext("an unknown device")
    if device and device not in name:
        name = f"{name} ({device})"
    return name


def init_app(app: Flask) -> None:
    app.jinja_env.filters["device"] = device_name
