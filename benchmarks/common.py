"""Helpers shared by the benchmarks: a throwaway embedded PostgreSQL, a sample world, and the
HTTP server."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

from ledger import commands as c
from ledger.application import Ledger
from ledger.events import Actor, Role
from ledger.identifiers import uscc_check_char
from ledger.personal import Vault
from ledger.store.keys import PostgresKeyStore
from ledger.store.storage import create_database, eventsourcing_env, scratch_postgres

ADMIN = Actor(id="bench-admin", role=Role.ADMINISTRATOR)
BENCH_MASTER_KEY = b"b" * 32
SOURCE = "11350000MB0123400"
SOURCE += uscc_check_char(SOURCE)
DEPT = Actor(id="bench-dept", role=Role.SOURCE_DEPARTMENT, subject=SOURCE)
REGIONS = ["350102", "350203", "350304", "350404", "350503", "350602", "350702", "350802",
           "350902", "350128"]


class Server:
    """One embedded server for the whole run; a fresh database per measurement."""

    def __init__(self) -> None:
        self.admin_url = scratch_postgres("clbench")

    def database(self) -> str:
        return create_database(self.admin_url, f"bench_{uuid.uuid4().hex[:10]}")


def fixed_clock() -> datetime:
    return datetime(2026, 5, 6, 2, 0, tzinfo=UTC)


def ledger_on(url: str) -> Ledger:
    return Ledger(eventsourcing_env(url), clock=fixed_clock,
                  vault=Vault(BENCH_MASTER_KEY, PostgresKeyStore(url)))


def body_code(n: int) -> str:
    first = f"11{REGIONS[n % len(REGIONS)]}MB{n:07d}"[:17]
    return first + uscc_check_char(first)


def register_bodies(app: Ledger, count: int) -> list[str]:
    codes = []
    for n in range(count):
        code = body_code(n)
        region = REGIONS[n % len(REGIONS)]
        app.register_body(c.RegisterBody(credit_code=code, name=f"测试机关{n}",
                                         region_code=region), ADMIN)
        codes.append(code)
    return codes


def filing_fields(n: int, bodies: list[str]) -> dict[str, Any]:
    code = bodies[n % len(bodies)]
    return {
        "source": {"name": "福建省纪委监委", "code": SOURCE},
        "document_number": f"闽纪〔2026〕{n}号",
        "decision_date": date(2026, 4, 20).isoformat(),
        "deciding_authority": {"name": "福建省纪委监委", "code": SOURCE},
        "subject_type": "body",
        "subject_code": code,
        "category": "administrative_penalty",
        "domain": "government_procurement",
        "severity": ["minor", "general", "serious"][n % 3],
        "facts": "未按合同约定支付中标企业货款，拖欠金额较大，经督促仍未履行。",
        "legal_basis": "《保障中小企业款项支付条例》第八条",
        "decision_content": "责令限期支付并予以通报。",
        "fine_yuan": "50000.00",
        "region_code": REGIONS[bodies.index(code) % len(REGIONS)],
        "scope": "public",
    }


CLI = str(Path(sys.executable).parent / "credit-ledger")


def start_api(url: str, port: int, home: str, log: Path | None = None) -> (
    subprocess.Popen[bytes]
):
    """``credit-ledger serve`` on 127.0.0.1:``port``, once it answers ``/health``; what it
    writes to stderr goes to ``log`` (or nowhere)."""
    env = dict(os.environ, LEDGER_DATABASE_URL=url, LEDGER_LOG_LEVEL="WARNING", LEDGER_HOME=home,
               # The key of ``ledger_on``'s vault (a named database makes none up); one
               # client address sends every search, so searches are not rate-limited.
               LEDGER_MASTER_KEY=base64.b64encode(BENCH_MASTER_KEY).decode(),
               LEDGER_PUBLIC_SEARCHES_PER_MINUTE="0", LEDGER_PUBLIC_EXPORTS_PER_MINUTE="0")
    with open(log or os.devnull, "ab") as errors:
        process = subprocess.Popen([CLI, "serve", "--port", str(port)], env=env,
                                   stdout=subprocess.DEVNULL, stderr=errors)
    for _ in range(150):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("the API did not start")


def run_clients(clients: list[Callable[[], None]]) -> float:
    """Run every client in a thread of its own, all at once; the seconds until the last ends."""
    threads = [threading.Thread(target=client) for client in clients]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started
