"""Every page on a 390-px phone, walked in a real browser: for each demo persona (and the
anonymous visitor) the walk starts on the landing page, follows every same-origin link of
the header, the menus and <main> breadth-first (GET only, one page per route and company),
and asserts that no page scrolls sideways (a failure names the page and the elements that
stick out, widest first), that the current item of a scrolling sub-menu is in view, that
chart labels stay readable and that the back office's header says "Back office". The walk
must also reach the important pages, so it cannot pass by walking nothing."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import Browser, Error, Page

from tests.browser.conftest import TIMEOUT_MS
from tests.helpers import browser_sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
MAX_PAGES = 90

# Links the walk does not follow: files and downloads, not pages.
DOWNLOAD = re.compile(r"(\.(pdf|csv|ics|png|jpe?g|svg)$|/pdf$|/photo$|/contracts/\d+$|^/static/)")

# What sticks out of the viewport: the scroll width, and the outermost elements whose right
# edge passes the viewport's, widest first (an element inside a frame that scrolls or clips
# does not count).
MEASURE = """() => {
  const width = window.innerWidth;
  // An ancestor's overflow clips an absolutely positioned element only from its containing
  // block up: a visually hidden label escapes a scrolling frame that is not positioned.
  const clipped = (el) => {
    let free = ["absolute", "fixed"].includes(getComputedStyle(el).position);
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (free && style.position === "static") continue;
      if (style.overflowX !== "visible") return true;
      free = free && ["absolute", "fixed"].includes(style.position);
    }
    return false;
  };
  const sticksOut = (el) => el.getBoundingClientRect().right > width + 0.5;
  const offenders = [];
  const found = new Set();
  for (const el of document.body.querySelectorAll("*")) {
    if (!sticksOut(el) || clipped(el)) continue;
    found.add(el);
    if (found.has(el.parentElement)) continue;
    offenders.push(el);
  }
  const describe = (el) => {
    const r = el.getBoundingClientRect();
    const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
      + (el.classList.length ? "." + [...el.classList].join(".") : "");
    const text = (el.innerText || el.getAttribute("aria-label") || "").trim().slice(0, 60);
    return `${name} (right ${Math.round(r.right)} px, width ${Math.round(r.width)} px): `
      + JSON.stringify(text);
  };
  offenders.sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right);
  const scrollWidth = document.documentElement.scrollWidth;
  return {scrollWidth, width, offenders: offenders.slice(0, 5).map(describe)};
}"""

# What else a phone needs of every page: the current item of a sub-menu that scrolls is in
# view, chart labels are not drawn smaller than 10.5 px, and the back office says so.
CHECKS = """() => {
  const problems = [];
  const current = document.querySelector(".subnav [aria-current]");
  if (current) {
    const r = current.getBoundingClientRect();
    if (r.left < 0 || r.right > window.innerWidth + 0.5)
      problems.push(`the current menu item ${JSON.stringify(current.innerText)} is out of view`);
  }
  for (const svg of document.querySelectorAll("svg.chart")) {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    for (const text of svg.querySelectorAll("text")) {
      const size = parseFloat(getComputedStyle(text).fontSize) * scale;
      if (size < 10.5) {
        problems.push(`chart text ${JSON.stringify(text.textContent)} is ${size.toFixed(1)} px`);
        break;
      }
    }
  }
  for (const box of document.querySelectorAll("input[type=radio], input[type=checkbox]")) {
    const width = box.getBoundingClientRect().width;
    if (width > 32) {
      problems.push(`a ${box.type} (${box.name}) is ${Math.round(width)} px wide`);
      break;
    }
  }
  const brand = document.querySelector(".site-header .brand")?.innerText.trim();
  if (location.pathname.startsWith("/backoffice") && brand !== "Back office")
    problems.push(`the header says ${JSON.stringify(brand)}, not "Back office"`);
  return problems;
}"""

LINKS = """() => [...document.querySelectorAll("header a[href], nav a[href], main a[href]")]
  .filter((a) => !a.hasAttribute("download"))
  .map((a) => a.href)"""


def route_of(url: str) -> str:
    """The walk visits one page per route: path segments holding a digit (ids, invoice
    numbers, supply point codes) become `*`, and of a route's addresses with a query string
    only the first is followed. Company slugs stay: each company is walked."""
    parts = urlsplit(url)
    segments = ("*" if re.search(r"\d", part) else part for part in parts.path.split("/"))
    path = "/".join(segments)
    return path + ("?" if parts.query else "")


@dataclass
class Walk:
    visited: list[str] = field(default_factory=list)  # paths (with their query strings)
    problems: list[str] = field(default_factory=list)

    def reached(self, pattern: str) -> bool:
        return any(re.fullmatch(pattern, path) for path in self.visited)


def walk(page: Page, base_url: str, starts: list[str]) -> Walk:
    """Breadth-first over the same-origin links from `starts`; every page is measured."""
    result = Walk()
    origin = urlsplit(base_url).netloc
    seen: set[str] = set()
    queue: deque[tuple[str, str]] = deque()  # (address, the page that links to it)
    for start in starts:
        url = base_url + start
        seen.add(route_of(url))
        queue.append((url, "the start"))
    while queue and len(result.visited) < MAX_PAGES:
        url, linked_from = queue.popleft()
        try:
            response = page.goto(url, wait_until="load")
        except Error as error:  # a link that turned out to be a download
            if "Download is starting" in str(error):
                continue
            raise
        address = urlsplit(page.url)
        path = address.path + (f"?{address.query}" if address.query else "")
        if page.url != url and route_of(page.url) in seen:
            continue  # redirected to a page the walk has (or will have) measured
        seen.add(route_of(page.url))
        result.visited.append(path)
        status = response.status if response else 0
        if status >= 400:
            result.problems.append(f"{path}: HTTP {status} (linked from {linked_from})")
            continue
        measured = page.evaluate(MEASURE)
        if measured["scrollWidth"] > measured["width"]:
            result.problems.append(
                f"{path}: the page is {measured['scrollWidth']} px wide at {measured['width']} px; "
                "sticking out: " + "; ".join(measured["offenders"] or ["(nothing found)"])
            )
        result.problems.extend(f"{path}: {problem}" for problem in page.evaluate(CHECKS))
        for href in page.evaluate(LINKS):
            link = urldefrag(href).url
            parts = urlsplit(link)
            if parts.scheme not in ("http", "https") or parts.netloc != origin:
                continue
            if DOWNLOAD.search(parts.path) or parts.path == "/logout":
                continue
            key = route_of(link)
            if key not in seen:
                seen.add(key)
                queue.append((link, path))
    return result


PORTAL_PAGES = {
    "invoice list": r"/c/[\w-]+/invoices",
    "invoice": r"/c/[\w-]+/invoices/[^/?]+",
    "supply point": r"/c/[\w-]+/supply-points/[^/?]+",
    "advance payments": r"/c/[\w-]+/advances(\?.*)?",
    "price lists": r"/c/[\w-]+/pricelists",
    "price list": r"/c/[\w-]+/pricelists/\d+",
    "account": r"/account/",
}
REQUEST_PAGES = {
    "requests": r"/c/[\w-]+/requests",
    "request": r"/c/[\w-]+/requests/\d+",
    "request types": r"/c/[\w-]+/requests/new",
    "request form": r"/c/[\w-]+/requests/new/[\w-]+",
}
BACKOFFICE_PAGES = {
    "companies": r"/backoffice/companies",
    "company": r"/backoffice/companies/\d+",
    "invoices": r"/backoffice/invoices",
    "invoice": r"/backoffice/invoices/\d+",
    "readings queue": r"/backoffice/readings",
    "reading": r"/backoffice/readings/\d+",
    "imports": r"/backoffice/imports",
    "requests": r"/backoffice/requests(\?.*)?",
    "request": r"/backoffice/requests/\d+",
    "account": r"/account/",
}


@dataclass(frozen=True)
class Persona:
    name: str
    email: str | None
    must_reach: dict[str, str]
    starts: tuple[str, ...] = ("/",)


PERSONAS = [
    Persona(
        "anonymous",
        None,
        {"sign-in": r"/login(\?.*)?", "forgot password": r"/forgot-password"},
        starts=("/", "/forgot-password"),
    ),
    Persona(
        "jan (owner of three companies)",
        "jan.novak@example.com",
        {
            **PORTAL_PAGES,
            **REQUEST_PAGES,
            "companies": r"/companies",
            "logins": r"/c/[\w-]+/logins",
            "sign-in history": r"/c/[\w-]+/logins/history",
            "reading form": r"/c/[\w-]+/supply-points/[^/]+/readings/new",
            **{f"{slug} overview": f"/c/{slug}/" for slug in ("alfa-trade", "beta-services")},
        },
    ),
    Persona(
        "anna (manager of Alfa)",
        "anna.kralova@example.com",
        {**PORTAL_PAGES, **REQUEST_PAGES, "logins": r"/c/alfa-trade/logins"},
    ),
    Persona(
        "eva (accountant of Beta)",
        "eva.horvathova@example.com",
        {k: v for k, v in PORTAL_PAGES.items() if k not in ("supply point", "advance payments")},
    ),
    Persona(
        "admin",
        "admin@example.com",
        {
            **BACKOFFICE_PAGES,
            "staff": r"/backoffice/staff",
            "staff member": r"/backoffice/staff/\d+",
            "price lists": r"/backoffice/pricelists(\?.*)?",
            "price list": r"/backoffice/pricelists/\d+",
            "price list form": r"/backoffice/pricelists/(new|\d+/edit)",
            "request settings": r"/backoffice/request-settings",
            "request type": r"/backoffice/request-settings/types/\d+",
            "service level": r"/backoffice/request-settings/policies/\d+",
            "business hours": r"/backoffice/request-settings/calendars/\d+",
            "requests by team": r"/backoffice/requests/overview",
            "security": r"/backoffice/security",
        },
    ),
    Persona("clerk", "clerk@example.com", BACKOFFICE_PAGES),
    Persona(
        "agent (call center)",
        "agent@example.com",
        {"companies": r"/backoffice/companies", "company": r"/backoffice/companies/\d+"},
    ),
]


@pytest.mark.parametrize("persona", PERSONAS, ids=[p.name.split()[0] for p in PERSONAS])
def test_no_page_scrolls_sideways_on_a_phone(
    browser: Browser, live_server: str, persona: Persona
) -> None:
    context = browser.new_context(locale="en-US", base_url=live_server, viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        if persona.email:
            browser_sign_in(page, persona.email)
        result = walk(page, live_server, list(persona.starts))
    finally:
        context.close()

    report = list(result.problems)
    missed = [name for name, pattern in persona.must_reach.items() if not result.reached(pattern)]
    if missed:
        report.append(
            f"the walk never reached: {', '.join(missed)}; "
            f"it visited {len(result.visited)} pages: {', '.join(result.visited)}"
        )
    assert not report, f"as {persona.name}, at {PHONE['width']} px:\n" + "\n".join(report)
