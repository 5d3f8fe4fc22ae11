"""Load test: many students taking the survey at once, against gunicorn.

Run by hand from the project folder (not part of the test suite):

    .venv/bin/python benchmarks/student_load.py
    .venv/bin/python benchmarks/student_load.py --students 1500 --rate 280

It builds a fresh SQLite database in a temporary folder (never ./instance),
loads the demo class list plus made-up students, issues their codes, starts
the app under gunicorn with the shipped options (2 sync workers) on a free
port of 127.0.0.1, and lets simulated students type their code, agree and
answer every question page of the demo wave. It prints throughput,
latencies, errors, the workers' CPU time and memory, then checks every
submitted answer against the database. It exits with status 1 if any
request failed or any answer is missing or wrong.

A "page cycle" is one question page submitted plus the next page loaded: the
wait a student sees after pressing "Save and continue".

By default students never pause, so the server runs flat out and latency is
mostly queueing (100 students waiting on 2 workers). With ``--rate``, each
student reads every page for a while after it appears, as a class in a
computer room does: the reading times are chosen so that, were pages shown
at once, all seats together would send that many page cycles per second.
A slow page delays its student's next form, so the rate reached is a little
lower than the one aimed at; the report shows both, and the latency.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import random
import re
import resource
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_RADIO = re.compile(r'type="radio" id="[^"]+" name="([^"]+)" value="([^"]+)"')
#: The "Carry on with the survey" link of a page shown between question pages,
#: such as where to get help after a worrying answer.
_CARRY_ON = re.compile(r'<a class="button" href="(/survey[^"]*)"')
SKIP = "skip"
END_PATH = "/survey/end"
#: The shipped class list, topped up with made-up students when more are needed.
DEMO_ROSTER = PROJECT_ROOT / "admin" / "demo_roster.csv"
SCHOOL_URN = "900002"
SCHOOL_NAME = "Load Test Academy"
#: The demo study's Year 7 wave, which the demo class list is eligible for.
WAVE_KEY = "demo/baseline"
#: Longest wait for one request; a student stuck longer counts as an error.
REQUEST_TIMEOUT = 30.0
#: How often worker memory is read from /proc.
MEMORY_SAMPLE_SECONDS = 0.2


# The database ---------------------------------------------------------------


@dataclass(frozen=True)
class IssuedSlip:
    """A code as printed on a student's slip, and the student it belongs to."""

    code: str
    student_id: int


def made_up_roster_lines(count: int) -> str:
    """Return ``count`` Year 7 class-list rows with valid, made-up UPNs.

    The columns are those of admin/demo_roster.csv, in the same order.
    """
    from stdnum.gb.upn import calc_check_digit

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for number in range(count):
        # LA 873 is valid; establishment 4099 is not the demo school's 4012,
        # so these UPNs can never clash with the shipped class list.
        body = f"8734099{number // 1000 % 100:02d}{number % 1000:03d}"
        writer.writerow(
            [
                "Loadtest",
                f"Pupil{number}",
                "",
                "01/09/2014",
                random.choice("MF"),
                "Year 7",
                f"7L{number % 8}",
                calc_check_digit(body) + body,
                f"9{number:05d}",
                "WBRI",
                "No",
                "N",
            ]
        )
    return out.getvalue()


@dataclass(frozen=True)
class Setup:
    """The prepared database: where it is, the codes issued and the pages asked."""

    database_url: str
    slips: list[IssuedSlip]
    #: Keys of the wave's question pages, in the order students meet them.
    page_keys: list[str]


def prepare_database(folder: Path, student_count: int) -> Setup:
    """Create an upgraded database in ``folder`` with a school and its codes.

    Issues one code per eligible student (at least ``student_count``). The
    environment of this process is pointed at ``folder`` so that the
    settings, and the server started later with the same environment, find
    the database and its keys there.
    """
    os.environ["SURVEY_APP_ENV"] = "development"
    os.environ["SURVEY_APP_INSTANCE"] = str(folder)
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'survey_app.sqlite3'}"

    # Imported only now, from this checkout, after the environment is set.
    from survey_app import create_app
    from survey_app.codes.access_codes import format_code
    from survey_app.codes.service import issue_codes
    from survey_app.config import load_settings
    from survey_app.db import db
    from survey_app.migrate import upgrade_database
    from survey_app.rosters.service import import_file
    from survey_app.runtime import catalogue
    from survey_app.schools.roster import decode_roster, read_roster
    from survey_app.schools.service import add_school

    settings = load_settings()
    upgrade_database(settings.database_url)
    app = create_app(settings)

    text = decode_roster(DEMO_ROSTER.read_bytes())
    shipped = len(read_roster(text).rows)
    if student_count > shipped:
        text = text.rstrip("\n") + "\n" + made_up_roster_lines(student_count - shipped)
    roster = read_roster(text)
    if roster.problems:
        raise SystemExit(f"made-up class list refused: {roster.problems[0]}")

    with app.app_context(), db.begin() as session:
        school = add_school(session, SCHOOL_URN, SCHOOL_NAME)
        import_file(
            session,
            school,
            roster,
            dry_run=False,
            mark_missing_as_left=False,
            actor="benchmark",
        )
        wave = catalogue().wave(WAVE_KEY)
        issued = issue_codes(session, school, wave, settings.code_hash_key)
        slips = [IssuedSlip(format_code(e.code), e.student.id) for e in issued]
        page_keys = [page.key for page in wave.question_pages]
    return Setup(settings.database_url, slips, page_keys)


# The server -----------------------------------------------------------------


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def server_command(port: int) -> list[str]:
    """Return the command that serves the app as the operator's CLI does."""
    # admin.server.SurveyServer carries the shipped gunicorn options (2 sync
    # workers, no access log), so the benchmark measures what schools run.
    script = (
        f"from admin.server import SurveyServer; SurveyServer('{HOST}:{port}').run()"
    )
    return [sys.executable, "-c", script]


def start_server(port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """Start gunicorn in the background, with this process's environment."""
    with log_path.open("wb") as log:
        return subprocess.Popen(
            server_command(port),
            cwd=PROJECT_ROOT,
            env=os.environ.copy(),
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own session: Ctrl+C reaches only us, and we stop it cleanly.
            start_new_session=True,
        )


def wait_until_healthy(server: subprocess.Popen[bytes], port: int) -> None:
    """Wait for GET /healthz to answer 200, or fail if the server died."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped with exit status {server.returncode}")
        try:
            url = f"http://{HOST}:{port}/healthz"
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            # Not listening yet, or still loading the app: ask again shortly.
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not become healthy within 30 s")


def worker_pids(master_pid: int) -> list[int]:
    """Return the process ids of the gunicorn master's workers."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    try:
        return sorted(int(pid) for pid in children.read_text().split())
    except OSError:
        return []


def wait_for_workers(master_pid: int, count: int) -> list[int]:
    """Wait until the master has ``count`` workers and return their ids."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        pids = worker_pids(master_pid)
        if len(pids) >= count:
            return pids
        time.sleep(0.1)
    raise SystemExit(f"gunicorn started {len(worker_pids(master_pid))} workers")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Stop our gunicorn master (and so its workers), forcefully if it hangs."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def rss_kib(pid: int) -> int | None:
    """Return a process's resident memory in KiB, or None if it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def scheduler_seconds(pid: int) -> tuple[float, float]:
    """Return how long a process has run on a CPU, and waited for one."""
    try:
        running, waiting, _slices = Path(f"/proc/{pid}/schedstat").read_text().split()
    except (OSError, ValueError):
        return 0.0, 0.0
    return int(running) / 1e9, int(waiting) / 1e9


def machine_busy_seconds() -> float:
    """Return the CPU time every process on the machine has used since boot."""
    # user, nice, system, irq, softirq and steal; idle and iowait are not busy.
    ticks = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    busy = sum(int(ticks[index]) for index in (0, 1, 2, 5, 6, 7))
    return busy / os.sysconf("SC_CLK_TCK")


@dataclass
class MemorySampler:
    """Reads the workers' resident memory while the load runs."""

    master_pid: int
    first: dict[int, int] = field(default_factory=dict)
    peak: dict[int, int] = field(default_factory=dict)
    last: dict[int, int] = field(default_factory=dict)
    samples: int = 0

    def sample(self) -> None:
        """Read every current worker's VmRSS once."""
        for pid in worker_pids(self.master_pid):
            kib = rss_kib(pid)
            if kib is None:
                continue
            self.first.setdefault(pid, kib)
            self.peak[pid] = max(kib, self.peak.get(pid, 0))
            self.last[pid] = kib
        self.samples += 1

    async def run(self) -> None:
        """Sample until cancelled."""
        while True:
            self.sample()
            await asyncio.sleep(MEMORY_SAMPLE_SECONDS)


# The students' browsers -----------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """One HTTP answer: status, lower-cased headers and the body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        """Return the first value of a header, if present."""
        return next((value for key, value in self.headers if key == name), None)

    @property
    def text(self) -> str:
        """Return the body as text."""
        return self.body.decode("utf-8", "replace")


class HttpError(Exception):
    """The server answered with a status a student should never meet."""


@dataclass
class Timings:
    """Latencies of every request (by kind) and of every page cycle, in seconds."""

    requests: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    cycles: list[float] = field(default_factory=list)
    #: When each page cycle ended (time.perf_counter), in the same order.
    cycle_ends: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def all_requests(self) -> list[float]:
        """Return every request latency, whatever its kind."""
        return [value for values in self.requests.values() for value in values]


async def _receive(loop: asyncio.AbstractEventLoop, connection: socket.socket) -> bytes:
    """Return the next bytes the server sent; fail if it closed too early."""
    chunk = await loop.sock_recv(connection, 65536)
    if not chunk:
        raise ConnectionError("the server closed the connection mid-answer")
    return chunk


def request_kind(method: str, path: str) -> str:
    """Group a request for the report: question pages count as one kind."""
    if path.startswith("/survey/page/"):
        path = "/survey/page/<key>"
    return f"{method} {path}"


class Browser:
    """One student's browser: a cookie jar and a raw HTTP/1.1 connection.

    The standard library's clients are blocking; this small asyncio client
    keeps hundreds of students in one thread and leaves the cores to the
    server (its CPU time is printed with the results). Gunicorn's sync
    workers close the connection after every answer, so each request opens
    a new one, as a browser's does against this server. It works on the
    sockets directly: asyncio's streams cost several times more per
    connection, and that time was taken from the server on the same cores.
    """

    def __init__(self, port: int, timings: Timings) -> None:
        self.port = port
        self.timings = timings
        self.cookies: dict[str, str] = {}

    async def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> Reply:
        """Send one request and return the answer, without following redirects."""
        body = urlencode(form).encode() if form is not None else b""
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {HOST}:{self.port}",
            "User-Agent: survey-app-student-load",
            "Accept: text/html",
            "Connection: close",
        ]
        if self.cookies:
            jar = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
            lines.append(f"Cookie: {jar}")
        if form is not None:
            lines.append("Content-Type: application/x-www-form-urlencoded")
            lines.append(f"Content-Length: {len(body)}")
        message = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

        started = time.perf_counter()
        async with asyncio.timeout(REQUEST_TIMEOUT):
            reply = await self._exchange(message)
        self.timings.requests[request_kind(method, path)].append(
            time.perf_counter() - started
        )
        self._keep_cookies(reply)
        if reply.status >= 400:
            raise HttpError(f"{method} {path} answered {reply.status}")
        return reply

    async def _exchange(self, message: bytes) -> Reply:
        loop = asyncio.get_running_loop()
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as connection:
            connection.setblocking(False)
            await loop.sock_connect(connection, (HOST, self.port))
            await loop.sock_sendall(connection, message)
            received = bytearray()
            while (head_end := received.find(b"\r\n\r\n")) < 0:
                received += await _receive(loop, connection)
            status_line, *header_lines = (
                received[:head_end].decode("latin-1").split("\r\n")
            )
            headers = []
            for line in header_lines:
                name, _colon, value = line.partition(":")
                headers.append((name.strip().lower(), value.strip()))
            reply = Reply(int(status_line.split(" ", 2)[1]), headers, b"")
            body_start = head_end + 4
            length = reply.header("content-length")
            if length is None:
                # No length given: the body ends where the server closes.
                while chunk := await loop.sock_recv(connection, 65536):
                    received += chunk
            else:
                while len(received) - body_start < int(length):
                    received += await _receive(loop, connection)
        # Closed as soon as the answer is in, as a browser does: the server's
        # worker waits for this before it takes the next request.
        return Reply(reply.status, headers, bytes(received[body_start:]))

    def _keep_cookies(self, reply: Reply) -> None:
        for key, value in reply.headers:
            if key != "set-cookie":
                continue
            pair, *attributes = value.split(";")
            name, _equals, content = pair.strip().partition("=")
            expired = any(
                a.strip().lower()
                in ("max-age=0", "expires=thu, 01 jan 1970 00:00:00 gmt")
                for a in attributes
            )
            if expired:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = content

    async def open(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[str, Reply]:
        """Send a request and follow redirects; return the final path and answer."""
        reply = await self.request(method, path, form)
        for _hop in range(5):
            location = reply.header("location")
            if reply.status not in (301, 302, 303, 307, 308) or location is None:
                return path, reply
            target = urlsplit(location)
            if target.hostname not in (None, HOST):
                raise HttpError(f"redirected off this server, to {location}")
            path = target.path + (f"?{target.query}" if target.query else "")
            reply = await self.request("GET", path)
        raise HttpError(f"too many redirects from {method} {path}")


# A student ------------------------------------------------------------------


class FlowError(Exception):
    """The student landed somewhere the survey should not have sent them."""


@dataclass
class StudentRecord:
    """What one simulated student sent, to check against the database later."""

    student_id: int
    #: Answers of every page the server accepted (answered with a redirect).
    saved: dict[str, int | None] = field(default_factory=dict)
    #: Answers of a page sent without a reply (a timeout): the server may or
    #: may not have saved them, so either is accepted.
    unanswered: dict[str, int | None] = field(default_factory=dict)
    pages_saved: int = 0
    #: When this student's first page cycle ended (time.perf_counter).
    first_cycle_end: float | None = None
    finished: bool = False
    error: str | None = None


def csrf_token_of(html: str, path: str) -> str:
    """Return the CSRF token of the page's form."""
    match = _CSRF.search(html)
    if match is None:
        raise FlowError(f"no form on {path}")
    return match.group(1)


def radio_choices(html: str) -> dict[str, list[str]]:
    """Return each radio group's name and its values, in page order."""
    groups: dict[str, list[str]] = {}
    for name, value in _RADIO.findall(html):
        groups.setdefault(name, []).append(value)
    return groups


def choose_answers(
    groups: dict[str, list[str]], chooser: random.Random, skip_share: float
) -> dict[str, str]:
    """Pick a random valid answer per item, "Prefer not to say" now and then."""
    chosen = {}
    for name, values in groups.items():
        codes = [value for value in values if value != SKIP]
        skipping = SKIP in values and chooser.random() < skip_share
        chosen[name] = SKIP if skipping else chooser.choice(codes)
    return chosen


def expect_path(landed: str, expected: str) -> None:
    """Fail the student when a redirect went somewhere unexpected."""
    if landed != expected:
        raise FlowError(f"expected to land on {expected}, landed on {landed}")


@dataclass(frozen=True)
class Behaviour:
    """How the simulated students answer."""

    #: Keys of the question pages, in the order the survey should show them.
    page_keys: Sequence[str]
    #: Share of items answered "Prefer not to say".
    skip_share: float
    #: Mean time a student reads a page before sending it (0: no reading).
    reading_time: float


@dataclass
class Pacer:
    """Holds one seat's forms back while its student reads the page.

    A student starts reading when the page appears and sends the form when
    done, so a seat never has more than one request at the server and never
    hurries to make up for a slow page: 100 seats are 100 students at once.
    Reading times vary at random from half to one and a half of the mean,
    which also spreads the seats out after they start together. With no
    reading time, forms go out as soon as their page arrives.
    """

    reading_time: float
    chooser: random.Random

    async def wait(self) -> None:
        """Wait while the student reads the page that has just arrived."""
        if self.reading_time:
            await asyncio.sleep(self.reading_time * self.chooser.uniform(0.5, 1.5))


async def take_survey(
    browser: Browser,
    slip: IssuedSlip,
    record: StudentRecord,
    chooser: random.Random,
    behaviour: Behaviour,
    pacer: Pacer,
) -> None:
    """Type the code, agree, and answer every question page, as a student does."""
    path, reply = await browser.open("GET", "/")
    form = {"csrf_token": csrf_token_of(reply.text, path), "code": slip.code}
    await pacer.wait()
    path, reply = await browser.open("POST", "/", form)
    expect_path(path, "/survey/introduction")

    form = {"csrf_token": csrf_token_of(reply.text, path), "action": "agree"}
    await pacer.wait()
    path, reply = await browser.open("POST", "/survey/introduction", form)

    for key in behaviour.page_keys:
        path, reply = await carry_on(browser, path, reply)
        expect_path(path, f"/survey/page/{key}")
        html = reply.text
        groups = radio_choices(html)
        if not groups:
            raise FlowError(f"no questions on {path}")
        answers = choose_answers(groups, chooser, behaviour.skip_share)
        await pacer.wait()

        started = time.perf_counter()
        form = {"csrf_token": csrf_token_of(html, path)} | answers
        sent = {
            name: None if value == SKIP else int(value)
            for name, value in answers.items()
        }
        record.unanswered = sent
        reply = await browser.request("POST", path, form)
        record.unanswered = {}
        if reply.status != 303:
            raise FlowError(f"POST {path} answered {reply.status}, not a redirect")
        record.saved |= sent
        record.pages_saved += 1
        path, reply = await browser.open("GET", reply.header("location") or "")
        ended = time.perf_counter()
        browser.timings.cycles.append(ended - started)
        browser.timings.cycle_ends.append(ended)
        if record.first_cycle_end is None:
            record.first_cycle_end = ended
    path, reply = await carry_on(browser, path, reply)
    expect_path(path, END_PATH)
    record.finished = True


async def carry_on(browser: Browser, path: str, reply: Reply) -> tuple[str, Reply]:
    """Press "Carry on" on a page shown between question pages, if this is one."""
    if path.startswith("/survey/page/") or path == END_PATH:
        return path, reply
    link = _CARRY_ON.search(reply.text)
    if link is None:
        return path, reply
    return await browser.open("GET", link.group(1))


# The load -------------------------------------------------------------------


@dataclass
class LoadResult:
    """Everything measured during one run of students."""

    records: list[StudentRecord]
    timings: Timings
    wall_seconds: float
    #: From when every seat had finished its first page cycle until the first
    #: seat had no student left to take: the time the room was full and
    #: answering, without the students settling in at the start or the room
    #: emptying at the end.
    full_room_seconds: float
    #: Page cycles that ended while every seat was busy.
    full_room_cycles: int
    client_cpu_seconds: float
    server_cpu_seconds: float
    #: Time the workers were ready to run but every core was taken.
    server_waiting_seconds: float
    #: CPU time of everything else on the machine: other programs compete with
    #: the server for the same two cores and make the figures worse.
    other_cpu_seconds: float


async def run_students(
    port: int,
    slips: Sequence[IssuedSlip],
    concurrency: int,
    max_seconds: float,
    chooser: random.Random,
    behaviour: Behaviour,
    worker_ids: Sequence[int],
) -> LoadResult:
    """Let ``slips`` students take the survey, ``concurrency`` at a time.

    No student starts after ``max_seconds``; those under way finish.
    """
    timings = Timings()
    records: list[StudentRecord] = []
    queue = list(reversed(slips))
    started = time.perf_counter()
    client_before = resource.getrusage(resource.RUSAGE_SELF)
    machine_before = machine_busy_seconds()
    server_before = [scheduler_seconds(pid) for pid in worker_ids]

    room_filled: list[float] = []
    room_emptying: list[float] = []

    async def one_seat() -> None:
        # A seat in the computer room: students use it one after another.
        pacer = Pacer(behaviour.reading_time, chooser)
        answering = False
        while queue and time.perf_counter() - started < max_seconds:
            slip = queue.pop()
            record = StudentRecord(slip.student_id)
            records.append(record)
            browser = Browser(port, timings)
            try:
                await take_survey(browser, slip, record, chooser, behaviour, pacer)
            except Exception as exc:  # noqa: BLE001 - every failure is counted
                record.error = f"{type(exc).__name__}: {exc}"
                timings.errors[type(exc).__name__] += 1
            if not answering and record.first_cycle_end is not None:
                room_filled.append(record.first_cycle_end)
                answering = True
        room_emptying.append(time.perf_counter())

    # A hard bound, so that a wedged server cannot keep the benchmark running.
    try:
        async with asyncio.timeout(max_seconds + 4 * REQUEST_TIMEOUT):
            await asyncio.gather(*(one_seat() for _ in range(concurrency)))
    except TimeoutError:
        timings.errors["RunOutOfTime"] += 1

    client_after = resource.getrusage(resource.RUSAGE_SELF)
    machine = machine_busy_seconds() - machine_before
    client = (client_after.ru_utime - client_before.ru_utime) + (
        client_after.ru_stime - client_before.ru_stime
    )
    server_after = [scheduler_seconds(pid) for pid in worker_ids]
    pairs = list(zip(server_after, server_before, strict=True))
    server = sum(after[0] - before[0] for after, before in pairs)
    waiting = sum(after[1] - before[1] for after, before in pairs)
    full_until = min(room_emptying, default=time.perf_counter())
    full_from = max(room_filled, default=started)
    return LoadResult(
        records=records,
        timings=timings,
        wall_seconds=time.perf_counter() - started,
        full_room_seconds=max(0.0, full_until - full_from),
        full_room_cycles=sum(
            full_from < end <= full_until for end in timings.cycle_ends
        ),
        client_cpu_seconds=client,
        server_cpu_seconds=server,
        server_waiting_seconds=waiting,
        other_cpu_seconds=max(0.0, machine - client - server),
    )


# Checking the database ------------------------------------------------------


@dataclass
class Verification:
    """How many submitted answers were looked up, and what was wrong."""

    checked: int = 0
    mismatches: list[str] = field(default_factory=list)
    completed_expected: int = 0
    completed_found: int = 0


def verify_answers(database_url: str, records: Sequence[StudentRecord]) -> Verification:
    """Compare every answer the students sent with the ``answers`` table."""
    from sqlalchemy import select

    from survey_app.db import make_engine
    from survey_app.survey.models import Answer, Response, ResponseStatus

    engine = make_engine(database_url)
    stored: dict[int, dict[str, tuple[int | None, bool]]] = defaultdict(dict)
    status: dict[int, ResponseStatus] = {}
    try:
        with engine.connect() as connection:
            query = (
                select(
                    Response.student_id, Answer.item_id, Answer.value, Answer.skipped
                )
                .join(Answer, Answer.response_id == Response.id)
                .where(Response.wave_key == WAVE_KEY)
            )
            for student_id, item_id, value, skipped in connection.execute(query):
                stored[student_id][item_id] = (value, skipped)
            query = select(Response.student_id, Response.status).where(
                Response.wave_key == WAVE_KEY
            )
            status = {row[0]: row[1] for row in connection.execute(query)}
    finally:
        engine.dispose()

    result = Verification()
    for record in records:
        found = stored.get(record.student_id, {})
        for item_id, value in record.saved.items():
            result.checked += 1
            if item_id not in found:
                result.mismatches.append(
                    f"student {record.student_id} {item_id}: missing"
                )
            elif found[item_id] != (value, value is None):
                result.mismatches.append(
                    f"student {record.student_id} {item_id}: sent {value!r}, "
                    f"stored value={found[item_id][0]!r} skipped={found[item_id][1]!r}"
                )
        for item_id, value in record.unanswered.items():
            if item_id in found and found[item_id] != (value, value is None):
                result.mismatches.append(
                    f"student {record.student_id} {item_id}: sent {value!r} "
                    f"without a reply, stored {found[item_id]!r}"
                )
        sent = record.saved.keys() | record.unanswered.keys()
        for item_id in found.keys() - sent:
            result.mismatches.append(
                f"student {record.student_id} {item_id}: stored but never sent"
            )
        if record.finished:
            result.completed_expected += 1
            if status.get(record.student_id) == ResponseStatus.COMPLETED:
                result.completed_found += 1
    return result


# The report -----------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """Return the nearest-rank percentile of ``values`` (0 when empty)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def latency_text(values: Sequence[float]) -> str:
    """Return "p50 / p95 / p99" in milliseconds."""
    return " / ".join(f"{percentile(values, q) * 1000:.0f}" for q in (0.5, 0.95, 0.99))


def mib(kib: int) -> str:
    """Return KiB as MiB, for people."""
    return f"{kib / 1024:.1f}"


def full_room_rate(result: LoadResult) -> float:
    """Return the page cycles per second while every seat was busy.

    The overall rate also counts the start of the run, before students reach
    the questions, and its end, when the last students finish in an emptying
    room, and so understates what the server kept up with.
    """
    return result.full_room_cycles / max(result.full_room_seconds, 1e-9)


def print_report(
    args: argparse.Namespace,
    result: LoadResult,
    memory: MemorySampler,
    verification: Verification,
    command: str,
) -> None:
    """Print the figures, a markdown table for README.md, and the command."""
    timings = result.timings
    cycles = len(timings.cycles)
    requests = timings.all_requests()
    errors = sum(timings.errors.values())
    finished = sum(record.finished for record in result.records)
    peak_total = sum(memory.peak.values())
    peak_each = max(memory.peak.values(), default=0)

    print()
    print(
        f"Students: {len(result.records)} started, {finished} finished, "
        f"{args.concurrency} at a time, aiming at {rate_text(args.rate)}"
    )
    print(f"Wall time: {result.wall_seconds:.1f} s")
    print(
        f"Page cycles: {cycles}, {cycles / result.wall_seconds:.1f} per second "
        f"overall, {full_room_rate(result):.1f} per second while every seat was "
        f"answering ({result.full_room_seconds:.1f} s)"
    )
    print(f"Requests: {len(requests)}, {len(requests) / result.wall_seconds:.1f} per s")
    print(f"Page cycle latency p50 / p95 / p99: {latency_text(timings.cycles)} ms")
    print(f"Request latency p50 / p95 / p99: {latency_text(requests)} ms")
    print("Requests by kind (count, p50 / p95 / p99 ms):")
    for kind, values in sorted(timings.requests.items()):
        print(f"  {kind:32} {len(values):6}  {latency_text(values)}")
    print(f"Errors: {errors}")
    for name, count in sorted(timings.errors.items()):
        print(f"  {name}: {count}")
    for record in [r for r in result.records if r.error][:5]:
        print(f"  e.g. student {record.student_id}: {record.error}")
    print(
        f"CPU: gunicorn workers {result.server_cpu_seconds:.1f} s "
        f"({result.server_cpu_seconds / result.wall_seconds:.2f} cores), "
        f"load generator {result.client_cpu_seconds:.1f} s "
        f"({result.client_cpu_seconds / result.wall_seconds:.2f} cores), "
        f"other processes {result.other_cpu_seconds:.1f} s "
        f"({result.other_cpu_seconds / result.wall_seconds:.2f} cores) "
        f"of {os.cpu_count()} cores"
    )
    if requests and result.server_cpu_seconds:
        # Per request, a busy worker either runs, waits for a core that other
        # programs hold, or is blocked (disk writes, SQLite locks, sockets).
        cpu_each = result.server_cpu_seconds / len(requests)
        workers = len(memory.peak) or 2
        held = workers * result.wall_seconds / len(requests)
        queued = result.server_waiting_seconds / len(requests)
        print(
            f"Per request, a worker: runs {cpu_each * 1000:.2f} ms, waits for a "
            f"core {queued * 1000:.2f} ms, is blocked or idle "
            f"{max(0.0, held - cpu_each - queued) * 1000:.2f} ms "
            f"(of {held * 1000:.2f} ms held)"
        )
        # CPU time per request hardly depends on how busy the machine is, so
        # it bounds what free cores could serve even on a shared machine.
        cores = min(workers, os.cpu_count() or workers)
        print(
            f"CPU bound: {cores} free cores would serve at most "
            f"~{cores / cpu_each:.0f} requests/s, "
            f"~{cores / cpu_each * cycles / len(requests):.0f} page cycles/s"
        )
    print(f"Worker memory (VmRSS MiB, {memory.samples} samples):")
    for pid in sorted(memory.peak):
        print(
            f"  worker {pid}: start {mib(memory.first[pid])}, "
            f"peak {mib(memory.peak[pid])}, end {mib(memory.last[pid])}"
        )
    print(
        f"Answers checked (warm-up students too): {verification.checked}, "
        f"mismatches: {len(verification.mismatches)}; "
        f"completed responses {verification.completed_found}"
        f"/{verification.completed_expected}"
    )
    for mismatch in verification.mismatches[:10]:
        print(f"  {mismatch}")

    print()
    print(
        "| Students (at once) | Aiming at | Page cycles/s, full room (overall) "
        "| Page cycle p50/p95/p99 ms "
        "| Request p50/p95/p99 ms | Errors | Worker RSS peak MiB (each/total) "
        "| Answers checked / wrong | Other programs' CPU (cores) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {len(result.records)} ({args.concurrency}) "
        f"| {rate_text(args.rate)} "
        f"| {full_room_rate(result):.0f} ({cycles / result.wall_seconds:.0f}) "
        f"| {latency_text(timings.cycles).replace(' ', '')} "
        f"| {latency_text(requests).replace(' ', '')} "
        f"| {errors} "
        f"| {mib(peak_each)} / {mib(peak_total)} "
        f"| {verification.checked} / {len(verification.mismatches)} "
        f"| {result.other_cpu_seconds / result.wall_seconds:.2f} |"
    )
    print()
    print(f"Command: {command}")
    print(f"Server: gunicorn via admin.server.SurveyServer, {len(memory.peak)} workers")


# Running it -----------------------------------------------------------------


def reading_time(rate: float, concurrency: int, question_pages: int) -> float:
    """Return the mean reading time that would make all seats reach ``rate``.

    That is, were pages shown at once: a student sends one form per question
    page plus two more (the code and the assent), and ``concurrency`` seats
    send them side by side.
    """
    if not rate:
        return 0.0
    forms_per_cycle = (question_pages + 2) / question_pages
    return concurrency / (rate * forms_per_cycle)


def rate_text(rate: float) -> str:
    """Return the aimed-at rate for people."""
    return f"{rate:g} page cycles/s" if rate else "no reading time"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--students", type=int, default=400, help="students who take the survey"
    )
    parser.add_argument(
        "--concurrency", type=int, default=100, help="students at once (seats)"
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=60.0,
        help="no student starts after this many seconds",
    )
    parser.add_argument(
        "--warmup", type=int, default=10, help="students run first, not measured"
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="page cycles per second the students would send together were "
        "pages shown at once; they read each page for a while to aim at it "
        "(0: no reading, as fast as the server answers)",
    )
    parser.add_argument(
        "--skip-share", type=float, default=0.1, help="share of 'Prefer not to say'"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the answers")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary folder and print it"
    )
    return parser.parse_args(argv)


async def run(args: argparse.Namespace, folder: Path) -> int:
    """Prepare, serve, load, verify and report; return the exit status."""
    print(f"Preparing a database in {folder} ...", flush=True)
    setup = prepare_database(folder, args.students + args.warmup)
    slips = setup.slips
    if len(slips) < args.students + args.warmup:
        raise SystemExit(f"only {len(slips)} codes were issued")
    warmup_slips = slips[: args.warmup]
    measured_slips = slips[args.warmup : args.warmup + args.students]
    behaviour = Behaviour(
        setup.page_keys,
        args.skip_share,
        reading_time(args.rate, args.concurrency, len(setup.page_keys)),
    )
    print(f"Question pages: {', '.join(setup.page_keys)}", flush=True)

    port = free_port()
    server = start_server(port, folder / "server.log")
    try:
        wait_until_healthy(server, port)
        workers = wait_for_workers(server.pid, 2)
        print(f"gunicorn {server.pid} on {HOST}:{port}, workers {workers}", flush=True)
        chooser = random.Random(args.seed)

        warmup = await run_students(
            port,
            warmup_slips,
            min(10, args.concurrency),
            60,
            chooser,
            Behaviour(setup.page_keys, args.skip_share, 0.0),
            workers,
        )
        memory = MemorySampler(server.pid)
        memory.sample()
        sampling = asyncio.create_task(memory.run())
        print(f"Running {len(measured_slips)} students ...", flush=True)
        try:
            result = await run_students(
                port,
                measured_slips,
                args.concurrency,
                args.max_seconds,
                chooser,
                behaviour,
                workers,
            )
        finally:
            sampling.cancel()
        memory.sample()
    finally:
        stop_server(server)

    verification = verify_answers(setup.database_url, warmup.records + result.records)
    command = f"cd {PROJECT_ROOT} && " + shlex.join(
        [shown_path(sys.executable), *sys.argv]
    )
    print_report(args, result, memory, verification, command)
    warmup_errors = sum(warmup.timings.errors.values())
    if warmup_errors:
        print(f"Warm-up errors: {warmup_errors}")
    log = (folder / "server.log").read_text(errors="replace")
    print_server_errors(log)
    failed = (
        warmup_errors
        or sum(result.timings.errors.values())
        or verification.mismatches
        or verification.completed_found != verification.completed_expected
    )
    return 1 if failed else 0


def shown_path(path: str) -> str:
    """Return a path relative to the project folder when it lies inside it."""
    inside = Path(path).is_relative_to(PROJECT_ROOT)
    return os.path.relpath(path, PROJECT_ROOT) if inside else path


def print_server_errors(log: str) -> None:
    """Print how many errors the server logged, and the first one in full."""
    lines = log.splitlines()
    starts = [index for index, line in enumerate(lines) if " ERROR " in line]
    if not starts:
        return
    print(f"Server log errors: {len(starts)}; the first:")
    for line in lines[starts[0] : starts[0] + 40]:
        print(f"  {line}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark in a temporary folder."""
    args = parse_args(argv)
    sys.path.insert(0, str(PROJECT_ROOT))
    if args.keep:
        folder = Path(tempfile.mkdtemp(prefix="survey-load-"))
        print(f"Keeping {folder}")
        return asyncio.run(run(args, folder))
    with tempfile.TemporaryDirectory(prefix="survey-load-") as name:
        return asyncio.run(run(args, Path(name)))


if __name__ == "__main__":
    sys.exit(main())
