"""How long staff dashboards take to refresh, on realistic amounts of data.

Run by hand (not part of the tests):

    .venv/bin/python benchmarks/dashboard_refresh.py [--database URL]

Builds a throwaway database with one school of 300 students (a third
finished, a third part-way) and 200 schools with 60,000 students in all, then
times the refreshes staff pages make: one school's progress (overall and by
form group), the room view of a sitting, and the all-schools table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from survey_app import create_app
from survey_app.config import Settings
from survey_app.dashboard.service import students_progress
from survey_app.db import db, utcnow
from survey_app.migrate import upgrade_database
from survey_app.progress.service import completion_by_form_group, completion_by_school
from survey_app.runtime import catalogue
from survey_app.schools.models import School, Student
from survey_app.survey.models import PageSubmission, Response, ResponseStatus

SCHOOLS = 200
STUDENTS_PER_SCHOOL = 300
FORM_GROUPS = ["7A", "7B", "7C", "7D", "7E", "7F", "7G", "7H", "7J", "7K"]
REPEATS = 30


def build(session, wave) -> School:
    """Fill the database; return the first school."""
    now = utcnow()
    students, responses, pages = [], [], []
    student_id = response_id = 0
    for number in range(SCHOOLS):
        session.execute(
            insert(School).values(
                id=number + 1, urn=f"{800000 + number}", name=f"School {number:03d}"
            )
        )
        for place in range(STUDENTS_PER_SCHOOL):
            student_id += 1
            students.append(
                {
                    "id": student_id,
                    "school_id": number + 1,
                    "study_id": f"B{student_id:09d}",
                    "upn": f"X{student_id:012d}",
                    "legal_surname": f"Surname{place}",
                    "legal_forename": "Made-up",
                    "year_group": 7,
                    "form_group": FORM_GROUPS[place % len(FORM_GROUPS)],
                    "created_at": now,
                }
            )
            if place % 3 == 2:
                continue
            response_id += 1
            done = place % 3 == 0
            responses.append(
                {
                    "id": response_id,
                    "student_id": student_id,
                    "wave_key": wave.key,
                    "status": ResponseStatus.COMPLETED
                    if done
                    else ResponseStatus.IN_PROGRESS,
                    "browser_token": "x",
                    "created_at": now,
                    "last_active_at": now,
                }
            )
            for page in wave.question_pages[: len(wave.question_pages) if done else 2]:
                pages.append(
                    {
                        "response_id": response_id,
                        "page_key": page.key,
                        "submitted_at": now,
                    }
                )
    session.execute(insert(Student), students)
    session.execute(insert(Response), responses)
    session.execute(insert(PageSubmission), pages)
    return session.get(School, 1)


def timed(label: str, action) -> None:
    """Run ``action`` REPEATS times and print the median and worst time."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    print(f"| {label} | {statistics.median(times):.1f} ms | {max(times):.1f} ms |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database", help="an empty database URL (default: temporary SQLite)"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="dashboard-bench-"))
    url = args.database or f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["SURVEY_APP_INSTANCE"] = str(folder)
    upgrade_database(url)
    app = create_app(
        Settings(database_url=url, secret_key="bench", code_hash_key="bench")
    )
    with app.app_context():
        wave = catalogue().wave("demo/baseline")
        with db.begin() as session:
            build(session, wave)
        session = db.session()
        school = session.get(School, 1)
        students = SCHOOLS * STUDENTS_PER_SCHOOL
        print(f"Database: {url.split(':')[0]}; {SCHOOLS} schools, {students} students")
        print("| refresh | median | worst |")
        print("| --- | --- | --- |")
        timed(
            "one school's progress (300 students, with form groups)",
            lambda: (
                completion_by_school(session, wave, [school.id]),
                completion_by_form_group(session, wave, school),
            ),
        )
        timed(
            "room view of two form groups (60 students)",
            lambda: students_progress(session, school, wave, ["7A", "7B"]),
        )
        timed(
            "not-completed list of one school (300 students)",
            lambda: students_progress(session, school, wave),
        )
        timed(
            "all schools (200 schools, 60,000 students)",
            lambda: completion_by_school(session, wave),
        )


if __name__ == "__main__":
    main()
