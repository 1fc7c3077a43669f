"""The application served over HTTP as a browser reaches it: uvicorn in a thread on a free
local port, for the browser test and the screenshots alike."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from api.app import create_app
from api.deps import Services
from tests.support.processes import free_port


@contextmanager
def serving(services: Services) -> Iterator[str]:
    """The application on ``services``, served until the block ends; its address."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(services), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
