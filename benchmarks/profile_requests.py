"""Where a worker's time goes: the student flow in one process, under cProfile.

Run by hand from the project folder, after benchmarks/student_load.py:

    .venv/bin/python benchmarks/profile_requests.py
    .venv/bin/python benchmarks/profile_requests.py --students 200 --top 30

It prepares the same kind of database as the load test (in a temporary
folder), builds the app in this process and drives students through it with
Flask's test client, one request at a time. It prints the time the app itself
spends on each kind of request (measured around app.wsgi_app, so the test
client's own work is left out), then the functions that cost most per request
under cProfile. Without gunicorn and its sockets the figures are a lower bound
of what a worker spends.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from student_load import (
    _CARRY_ON,
    END_PATH,
    PROJECT_ROOT,
    IssuedSlip,
    choose_answers,
    csrf_token_of,
    percentile,
    prepare_database,
    radio_choices,
    request_kind,
)


class TimedApp:
    """WSGI middleware that records how long the app takes per kind of request."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.wsgi_app = wsgi_app
        self.seconds: dict[str, list[float]] = defaultdict(list)
        self.cpu_seconds: dict[str, list[float]] = defaultdict(list)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        kind = request_kind(environ["REQUEST_METHOD"], environ["PATH_INFO"])
        started, started_cpu = time.perf_counter(), time.process_time()
        # Read the whole body here, so that rendering is counted too.
        body = list(self.wsgi_app(environ, start_response))
        self.seconds[kind].append(time.perf_counter() - started)
        self.cpu_seconds[kind].append(time.process_time() - started_cpu)
        return body


def follow(client: Any, method: str, path: str, form: dict[str, str] | None) -> Any:
    """Send one request and follow redirects one by one, as a browser does."""
    reply = client.post(path, data=form) if method == "POST" else client.get(path)
    while reply.status_code in (302, 303):
        path = urlsplit(reply.headers["Location"]).path
        reply = client.get(path)
    if reply.status_code >= 400:
        raise RuntimeError(f"{method} {path} answered {reply.status_code}")
    reply.landed = path
    return reply


def take_survey(
    app: Any, slip: IssuedSlip, page_keys: Sequence[str], chooser: random.Random
) -> None:
    """Drive one student through the survey, every page answered."""
    client = app.test_client()
    reply = follow(client, "GET", "/", None)
    html = reply.get_data(as_text=True)
    form = {"csrf_token": csrf_token_of(html, "/"), "code": slip.code}
    reply = follow(client, "POST", "/", form)
    html = reply.get_data(as_text=True)
    form = {"csrf_token": csrf_token_of(html, reply.landed), "action": "agree"}
    reply = follow(client, "POST", "/survey/introduction", form)
    for key in page_keys:
        path = f"/survey/page/{key}"
        assert reply.landed == path, reply.landed
        html = reply.get_data(as_text=True)
        answers = choose_answers(radio_choices(html), chooser, 0.1)
        form = {"csrf_token": csrf_token_of(html, path)} | answers
        reply = carry_on(client, follow(client, "POST", path, form))
    assert reply.landed == END_PATH, reply.landed


def carry_on(client: Any, reply: Any) -> Any:
    """Press "Carry on" on a page shown between question pages, if this is one."""
    if reply.landed.startswith("/survey/page/") or reply.landed == END_PATH:
        return reply
    link = _CARRY_ON.search(reply.get_data(as_text=True))
    return reply if link is None else follow(client, "GET", link.group(1), None)


def print_timings(timed: TimedApp) -> None:
    """Print the app's wall and CPU time per kind of request."""
    print("Time inside the app per request (ms): wall p50 / p95, CPU mean")
    total_cpu = total_count = 0.0
    for kind in sorted(timed.seconds):
        wall = timed.seconds[kind]
        cpu = timed.cpu_seconds[kind]
        total_cpu += sum(cpu)
        total_count += len(cpu)
        print(
            f"  {kind:32} {len(wall):5}  {percentile(wall, 0.5) * 1000:6.2f} / "
            f"{percentile(wall, 0.95) * 1000:6.2f}   {sum(cpu) / len(cpu) * 1000:6.2f}"
        )
    print(f"  mean CPU per request: {total_cpu / total_count * 1000:.2f} ms")


def print_profile(profile: cProfile.Profile, requests: int, top: int) -> None:
    """Print the costliest functions, per request, by own and by total time."""
    stats = pstats.Stats(profile, stream=io.StringIO())
    # pstats keeps, per function: primitive calls, calls, own and total seconds.
    table: dict[tuple[str, int, str], tuple[int, int, float, float, Any]]
    table = stats.stats  # type: ignore[attr-defined]
    for column, title in ((2, "own time"), (3, "total time")):
        rows = sorted(table.items(), key=lambda row: row[1][column], reverse=True)
        print(f"\nTop {top} functions by {title}, ms per request ({requests} requests)")
        print(f"  {'own':>7} {'total':>7} {'calls/req':>9}  function")
        for (filename, line, name), (_primitive, calls, own, total, _) in rows[:top]:
            print(
                f"  {own / requests * 1000:7.3f} {total / requests * 1000:7.3f} "
                f"{calls / requests:9.1f}  {shorten(filename)}:{line}({name})"
            )


def shorten(filename: str) -> str:
    """Return a file name relative to the project or to site-packages."""
    for marker in ("site-packages/", str(PROJECT_ROOT) + "/", "lib/python3.11/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--students", type=int, default=200, help="students timed, then profiled"
    )
    parser.add_argument("--top", type=int, default=30, help="functions listed")
    parser.add_argument("--seed", type=int, default=1, help="seed of the answers")
    parser.add_argument(
        "--save", type=Path, help="also write the raw profile here, for pstats"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Time and profile the student flow in this process."""
    args = parse_args(argv)
    sys.path.insert(0, str(PROJECT_ROOT))
    warmup = 10
    with tempfile.TemporaryDirectory(prefix="survey-profile-") as name:
        folder = Path(name)
        setup = prepare_database(folder, warmup + 2 * args.students)
        slips, page_keys = setup.slips, setup.page_keys

        import logging

        from survey_app import create_app

        app = create_app()
        # Keep the log lines' formatting cost, but not the terminal's.
        devnull = open(os.devnull, "w")  # noqa: SIM115 - open for the whole run
        for handler in logging.getLogger("survey_app").handlers:
            handler.setStream(devnull)  # type: ignore[attr-defined]
        timed = TimedApp(app.wsgi_app)
        app.wsgi_app = timed  # type: ignore[method-assign]
        chooser = random.Random(args.seed)

        for slip in slips[:warmup]:
            take_survey(app, slip, page_keys, chooser)
        timed.seconds.clear()
        timed.cpu_seconds.clear()

        timed_slips = slips[warmup : warmup + args.students]
        started = time.perf_counter()
        for slip in timed_slips:
            take_survey(app, slip, page_keys, chooser)
        elapsed = time.perf_counter() - started
        requests = sum(len(values) for values in timed.seconds.values())
        print(
            f"{len(timed_slips)} students, {requests} requests in {elapsed:.1f} s "
            f"through the test client, one at a time"
        )
        print_timings(timed)

        profile = cProfile.Profile()
        profiled_slips = slips[warmup + args.students :]
        profile.enable()
        for slip in profiled_slips:
            take_survey(app, slip, page_keys, chooser)
        profile.disable()
        print_profile(profile, requests, args.top)
        if args.save:
            profile.dump_stats(args.save)
            print(f"\nRaw profile written to {args.save}")
        devnull.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
