"""Fixtures of the workflow unit tests: Temporal's time-skipping server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from workflows.devserver import start_test_server


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async with await start_test_server() as environment:
        yield environment
