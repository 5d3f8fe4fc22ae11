#!/usr/bin/env python3
"""Run the demo or the tests on a fresh machine that has only Python 3.11+.

    python3 dev.py demo [survey-app demo options]
    python3 dev.py test [pytest options]

The first run makes a virtual environment in .venv and installs the project
into it; later runs reinstall only when pyproject.toml has changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed-from"


def ensure_environment() -> None:
    """Create .venv and install the project with its test tools, when needed."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    if not (BIN / "python").exists():
        print("Creating a virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing survey_app and its dependencies ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "--editable", f"{ROOT}[test]"], check=True)
    STAMP.write_text(wanted)


def main() -> None:
    commands = {
        "demo": [str(BIN / "survey-app"), "demo"],
        "test": [str(BIN / "python"), "-m", "pytest"],
    }
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    ensure_environment()
    command = commands[sys.argv[1]] + sys.argv[2:]
    os.chdir(ROOT)
    if os.name == "nt":
        sys.exit(subprocess.call(command))
    os.execv(command[0], command)


if __name__ == "__main__":
    main()
