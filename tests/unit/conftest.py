"""Fixtures of the workflow unit tests: Temporal's time-skipping server, and the deadline
workflow's activities faked on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.support.fake_activities import FakeLedger, fake_worker
from workflows.devserver import start_test_server


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async with await start_test_server() as environment:
        yield environment


@pytest.fixture
async def fake(env: WorkflowEnvironment) -> AsyncIterator[FakeLedger]:
    """The fake activities, run by a worker on the server for the whole test."""
    found = FakeLedger()
    async with fake_worker(env, found):
        yield found
