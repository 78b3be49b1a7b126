"""Load test: the embedded SQLite default under a small office's load, with no failed answer.

Run from the project's root (it takes minutes, so `make bench` does not run it):

    .venv/bin/python -m bench.sqlite_load [--minutes 3] [--connections 16]

(and --sessions 40, --writers 2). What it measures: gunicorn with 2 sync workers serves the
portal from a throw-away SQLite database with the demo data. The demo personas are signed in
several times each (40 login sessions); then 16 connections GET a mix of pages for a few
minutes, rotating over the sessions so that each session's once-a-minute last-seen write
falls inside the run, while two more threads keep up a trickle of writing POSTs (the
language switch and the profile form, each thread one every 0.2 s). Printed: the answers per
status class, the failed ones (any 5xx, or a connection error, timeout included), requests
per second and the duration, for how many sessions the last-seen time was written during
the run, and the database errors the portal logged. The exit code is 1 when any answer
failed: the two worker processes' writes must wait for each other, never fail.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import http.client
import http.cookiejar
import itertools
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
PASSWORD = "demo-portal-2026"  # noqa: S105 - the demo's published password
TIMEOUT = 60.0  # seconds one answer may take before it counts as a connection error
WRITE_EVERY = 0.2  # seconds between one writer's POSTs
WRITERS = 2  # threads of writing POSTs: ten a second between them
CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
FULL_NAME = re.compile(r'name="full_name"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="full_name"')
DRIVER_ERROR = re.compile(r"\(\w+(?:\.\w+)*Error\)[^\[(]*")
TIMEZONE = "Europe/Bratislava"
GUNICORN = ("--log-level", "warning", "app:create_app()")

# The demo personas and the pages each may see (every one answers 200 when signed in).
PERSONAS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "jan.novak@example.com",
        (
            "/companies",
            "/c/alfa-trade/invoices",
            "/c/alfa-trade/supply-points",
            "/c/gamma-household/invoices",
            "/account/",
        ),
    ),
    (
        "anna.kralova@example.com",
        ("/companies", "/c/alfa-trade/invoices", "/c/alfa-trade/supply-points", "/account/"),
    ),
    (
        "eva.horvathova@example.com",
        ("/companies", "/c/beta-services/invoices", "/account/"),  # an accountant: no supply
    ),
    ("clerk@example.com", ("/backoffice/companies", "/account/")),
    ("admin@example.com", ("/backoffice/companies", "/account/")),
)


@dataclasses.dataclass(frozen=True)
class LoginSession:
    """One signed-in browser: its Cookie header, a CSRF token for its POSTs, its pages."""

    email: str
    cookie: str
    csrf_token: str
    full_name: str
    paths: tuple[str, ...]


@dataclasses.dataclass
class Tally:
    """Answers by (kind, status) — status is the HTTP code or the connection error's name —
    and the failures by path. One per thread; summed at the end."""

    answers: Counter[tuple[str, int | str]] = dataclasses.field(default_factory=Counter)
    failed_paths: Counter[str] = dataclasses.field(default_factory=Counter)

    def add(self, other: Tally) -> None:
        self.answers.update(other.answers)
        self.failed_paths.update(other.failed_paths)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def portal_env(database: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("REDIS_URL", None)  # rate-limit counters in each worker's memory
    env.update(
        FLASK_APP="app",
        DATABASE_URL=f"sqlite:///{database}",
        SECRET_KEY="bench-only-sqlite-load",  # noqa: S106 - a throw-away database
        LOGIN_RATE_LIMIT="100000 per minute",  # 40 sign-ins from one address in seconds
    )
    return env


def prepare_database(env: dict[str, str]) -> None:
    for command in (["db", "upgrade"], ["demo"]):
        done = subprocess.run(  # noqa: S603 - our own venv's flask, fixed arguments
            [str(BIN / "flask"), "--app", "app", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            output = (done.stdout + done.stderr)[-2000:]
            raise SystemExit(f"flask {' '.join(command)} failed:\n{output}")


def serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """gunicorn, 2 sync workers, in a process group of its own; returns once it answers."""
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn, fixed arguments
            [str(BIN / "gunicorn"), "-w", "2", "-k", "sync", "-b", f"{HOST}:{port}", *GUNICORN],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://{HOST}:{port}/login", timeout=2)
            return proc
        except urllib.error.HTTPError:
            return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    stop(proc)
    raise SystemExit(f"gunicorn did not start on port {port}:\n{log.read_text()[-2000:]}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def sign_in(base: str, email: str, paths: tuple[str, ...]) -> LoginSession:
    """Signs in through the login form like a browser, then opens the account page for a
    CSRF token of the new session (signing in clears the old one) and the person's name."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login", timeout=TIMEOUT).read().decode()
    token = CSRF.search(page)
    if token is None:
        raise SystemExit("no csrf_token on /login")
    form = {"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    answer = opener.open(base + "/login", urllib.parse.urlencode(form).encode(), timeout=TIMEOUT)
    if urllib.parse.urlsplit(answer.geturl()).path == "/login":
        raise SystemExit(f"sign-in as {email} failed")
    account = opener.open(base + "/account/", timeout=TIMEOUT).read().decode()
    token, name = CSRF.search(account), FULL_NAME.search(account)
    if token is None or name is None:
        raise SystemExit(f"/account/ of {email} has no csrf_token or full_name")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    full_name = next(g for g in name.groups() if g is not None)
    return LoginSession(email, cookie, token.group(1), full_name, paths)


def request(
    port: int, method: str, path: str, cookie: str, form: dict[str, str] | None = None
) -> int:
    """One request on a fresh connection (sync workers close it after each answer); the
    status code. Raises OSError or http.client.HTTPException when there is no answer."""
    conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
    try:
        headers = {"Cookie": cookie, "Connection": "close"}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        answer = conn.getresponse()
        answer.read()
        return answer.status
    finally:
        conn.close()


def record(
    tally: Tally, port: int, login: LoginSession, path: str, form: dict[str, str] | None = None
) -> None:
    """Sends one request (a POST when there is a form) and counts its answer."""
    kind = "GET" if form is None else "POST"
    try:
        status: int | str = request(port, kind, path, login.cookie, form)
    except (OSError, http.client.HTTPException) as error:
        status = type(error).__name__
    tally.answers[kind, status] += 1
    if isinstance(status, str) or status >= 500:
        tally.failed_paths[f"{kind} {path}"] += 1


def reader(
    port: int,
    sessions: list[LoginSession],
    turns: itertools.count[int],
    lock: threading.Lock,
    deadline: float,
    tally: Tally,
) -> None:
    """GETs until the deadline; request i goes to session i mod n, so every session is seen
    often and each one's last-seen write falls due once a minute."""
    while time.monotonic() < deadline:
        with lock:
            turn = next(turns)
        login = sessions[turn % len(sessions)]
        path = login.paths[(turn // len(sessions)) % len(login.paths)]
        record(tally, port, login, path)


def writer(
    port: int, sessions: list[LoginSession], deadline: float, tally: Tally, index: int, of: int
) -> None:
    """Writer `index` of `of`: a writing POST every WRITE_EVERY seconds (the writers start
    staggered), over the sessions in turn: the language switch (writes the account's locale)
    and, every third time, the profile form (the account's row and an audit event)."""
    due = time.monotonic() + WRITE_EVERY * index / of
    for n in itertools.count():
        if due >= deadline:
            break
        time.sleep(max(0.0, due - time.monotonic()))
        due += WRITE_EVERY
        turn = n * of + index
        login = sessions[turn % len(sessions)]
        language = ("en", "sk")[n % 2]
        if n % 3 == 2:
            path = "/account/profile"
            form = {"full_name": login.full_name, "locale": language, "timezone": TIMEZONE}
        else:
            path = "/language"
            form = {"language": language, "next": "/account/"}
        form["csrf_token"] = login.csrf_token
        record(tally, port, login, path, form)


def check_pages(port: int, sessions: list[LoginSession]) -> None:
    """Every persona's pages answer 200 before the load starts (no 4xx by misconfiguration)."""
    seen: set[str] = set()
    for login in sessions:
        if login.email in seen:
            continue
        seen.add(login.email)
        for path in login.paths:
            status = request(port, "GET", path, login.cookie)
            if status != 200:
                raise SystemExit(f"{login.email} GET {path} answered {status} before the load")


def sessions_seen_since(database: Path, since: dt.datetime) -> int | str:
    """How many login sessions had their last-seen time written after `since`."""
    try:
        with sqlite3.connect(database) as conn:
            rows = conn.execute("SELECT last_seen_at FROM login_sessions").fetchall()
    except sqlite3.Error as error:
        return f"? ({error})"
    seen = (dt.datetime.fromisoformat(str(value)) for (value,) in rows)
    return sum(1 for t in seen if (t if t.tzinfo else t.replace(tzinfo=dt.UTC)) >= since)


def database_errors(log: Path) -> Counter[str]:
    """The portal's logged database errors, by message: the driver's error and its text
    ("(sqlite3.OperationalError) database is locked"), else the line's start."""
    errors: Counter[str] = Counter()
    for line in log.read_text(errors="replace").splitlines():
        if "database error:" in line:
            message = line.split("database error:", 1)[1].strip()
            driver = DRIVER_ERROR.search(message)
            errors[(driver.group(0) if driver else message).strip()[:100]] += 1
    return errors


def report(tally: Tally, seconds: float, setup: str, seen: str) -> int:
    """Prints the answers under the `setup` line; the number of failed ones."""
    answers = tally.answers
    kinds = ("GET", "POST")
    by_class: Counter[tuple[str, str]] = Counter()
    codes: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    for (kind, status), count in answers.items():
        if isinstance(status, str):
            by_class[kind, "conn error"] += count
            errors[status] += count
        else:
            by_class[kind, f"{status // 100}xx"] += count
            if status >= 400:
                codes[status] += count
    total = sum(answers.values())
    failed = sum(by_class[kind, c] for kind in kinds for c in ("5xx", "conn error"))

    print(f"\n{setup}")
    print(f"{'answers':<14}{'GET':>9}{'POST':>9}{'all':>9}")
    for name in ("2xx", "3xx", "4xx", "5xx", "conn error"):
        row = [by_class[kind, name] for kind in kinds]
        print(f"{name:<14}{row[0]:>9}{row[1]:>9}{sum(row):>9}")
    for code, count in sorted(codes.items()):
        print(f"  {code:<12}{'':>18}{count:>9}")
    for name, count in errors.most_common():
        print(f"  {name:<30}{count:>9}")
    print(f"requests      {total} in {seconds:.1f} s = {total / seconds:.1f} requests/s")
    print(f"last-seen     written during the run for {seen} sessions")
    print(f"failed        {failed} (5xx or connection error)")
    for path, count in tally.failed_paths.most_common(8):
        print(f"  {path:<40}{count:>9}")
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=3.0, help="load time (default 3)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent GETs (16)")
    parser.add_argument("--sessions", type=int, default=40, help="login sessions (40)")
    parser.add_argument("--writers", type=int, default=WRITERS, help=f"POST threads ({WRITERS})")
    args = parser.parse_args()
    if min(args.connections, args.writers) < 1 or args.sessions < len(PERSONAS):
        parser.error(f"--connections and --writers >= 1, --sessions >= {len(PERSONAS)}")
    if args.minutes <= 0:
        parser.error("--minutes > 0")

    folder = Path(tempfile.mkdtemp(prefix="sqlite-load-"))
    database, log = folder / "portal.sqlite", folder / "gunicorn.log"
    env = portal_env(database)
    proc: subprocess.Popen[bytes] | None = None
    try:
        prepare_database(env)
        port = free_port()
        proc = serve(env, port, log)
        base = f"http://{HOST}:{port}"
        personas = itertools.islice(itertools.cycle(PERSONAS), args.sessions)
        sessions = [sign_in(base, email, paths) for email, paths in personas]
        check_pages(port, sessions)
        print(
            f"{len(sessions)} sessions signed in; {args.connections} connections for "
            f"{args.minutes:g} min",
            flush=True,
        )

        since = dt.datetime.now(dt.UTC)
        started = time.monotonic()
        deadline = started + args.minutes * 60
        turns, lock = itertools.count(), threading.Lock()
        tallies = [Tally() for _ in range(args.connections + args.writers)]
        threads = [
            threading.Thread(target=reader, args=(port, sessions, turns, lock, deadline, t))
            for t in tallies[: args.connections]
        ]
        threads += [
            threading.Thread(target=writer, args=(port, sessions, deadline, t, index, args.writers))
            for index, t in enumerate(tallies[args.connections :])
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - started

        total = Tally()
        for tally in tallies:
            total.add(tally)
        setup = (
            f"SQLite, gunicorn 2 sync workers, {args.connections} connections GET, "
            f"{args.writers} POST every {WRITE_EVERY:g} s each, {len(sessions)} login sessions"
        )
        seen = sessions_seen_since(database, since)
        failed = report(total, seconds, setup, f"{seen} of {len(sessions)}")
        errors = database_errors(log)
        if errors:
            print("database errors the portal logged:")
            for message, count in errors.most_common(5):
                print(f"  {count:>6}  {message}")
        return 1 if failed else 0
    finally:
        if proc is not None:
            stop(proc)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
