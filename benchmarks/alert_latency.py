"""Time from a student's worrying answer to the DSL's email reaching the mail server.

Run by hand (not part of the tests):

    .venv/bin/python benchmarks/alert_latency.py [--alerts 100] [--interval 2]

Uses a throwaway SQLite database with the demo school and its DSL, a local
SMTP server (aiosmtpd, from the test extras) and the same worker the demo and
``survey-app mail worker`` run, polling every ``--interval`` seconds. Each
simulated student answers up to the PHQ-A page and says "More than half the
days" to item 9; the clock stops when the SMTP server accepts the email.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from admin.demo import set_up_demo_school, set_up_demo_staff  # noqa: E402
from survey_app import create_app  # noqa: E402
from survey_app.config import Settings  # noqa: E402
from survey_app.db import db  # noqa: E402
from survey_app.migrate import upgrade_database  # noqa: E402
from survey_app.runtime import catalogue  # noqa: E402
from survey_app.safeguarding.worker import safeguarding_worker  # noqa: E402
from tests.mailbox import MailServer, free_port  # noqa: E402
from tests.student import Student  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alerts", type=int, default=100)
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="alert-bench-"))
    os.environ["SURVEY_APP_INSTANCE"] = str(folder)
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    upgrade_database(url)
    mail = MailServer(free_port())
    mail.start()
    settings = Settings(
        database_url=url,
        secret_key="bench",
        code_hash_key="bench",
        mail_server="127.0.0.1",
        mail_port=mail.port,
    )
    app = create_app(settings)
    with app.app_context(), db.begin() as session:
        school, issued = set_up_demo_school(
            session, catalogue().wave("demo/baseline"), settings.code_hash_key
        )
        set_up_demo_staff(session, school)
    codes = [entry.code for entry in issued][: args.alerts]

    with app.app_context():
        worker = safeguarding_worker(app)
    worker.interval = args.interval
    worker.start()

    latencies = []
    try:
        for code in codes:
            student = Student(app.test_client())
            student.type_code(code)
            student.agree()
            for _ in range(3):
                student.answer(default="1")
            expected = len(mail.inbox.messages) + 1
            submitted = time.perf_counter()
            student.answer({"phqa_9": "2"}, default="0")
            while len(mail.inbox.messages) < expected:
                time.sleep(0.005)
            latencies.append(time.perf_counter() - submitted)
    finally:
        worker.stop()
        mail.stop()

    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"{len(latencies)} alerts, worker polling every {args.interval:g} s")
    print(
        f"median {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
