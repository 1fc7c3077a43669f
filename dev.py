#!/usr/bin/env python3
"""Set up the project's virtualenv from the lock file, then run the system or its tests.

    python3 dev.py run    # embedded PostgreSQL and Temporal, sample data, API on :8000
    python3 dev.py test   # ruff, mypy and the whole test suite

Only the standard library is used here, so this works on a fresh machine with Python 3.11+.
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
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".lock-installed"


def _bin(name: str) -> str:
    return str(VENV / "bin" / name)


def ensure_venv() -> None:
    """Create .venv and install the locked dependencies unless already done for this lock."""
    wanted = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (VENV / "bin" / "python").exists():
        print("creating .venv ...", flush=True)
        venv.create(VENV, with_pip=True)
    pip = [_bin("python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    print("installing locked dependencies ...", flush=True)
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "--require-hashes", "-r", str(LOCK)], check=True)
    subprocess.run([*pip, "--no-deps", "-e", str(ROOT)], check=True)
    STAMP.write_text(wanted)


def run(*argv: str) -> int:
    print("$", " ".join(argv), flush=True)
    return subprocess.run(argv, cwd=ROOT).returncode


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    if command not in {"run", "test"}:
        print(__doc__)
        return 2
    ensure_venv()
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    if command == "run":
        return run(_bin("credit-ledger"), "dev", *sys.argv[2:])
    for step in ([_bin("ruff"), "check", "."], [_bin("mypy")]):
        if code := run(*step):
            return code
    return run(_bin("pytest"), *sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
