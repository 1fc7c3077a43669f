"""An operator scrapes the deadline worker's Prometheus endpoint and sees activity failures."""

from __future__ import annotations

import urllib.request
import uuid
from datetime import timedelta

import pytest
from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.support.processes import free_port
from workflows.devserver import find_binary
from workflows.worker import metrics_runtime

pytestmark = pytest.mark.timeout(120)


@activity.defn
async def flaky() -> str:
    if activity.info().attempt == 1:
        raise RuntimeError("the database is away")
    return "recorded"


@workflow.defn(sandboxed=False)
class FlakyWorkflow:
    @workflow.run
    async def run(self) -> str:
        result: str = await workflow.execute_activity(
            flaky, start_to_close_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=10)))
        return result


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return str(response.read().decode())


async def test_the_worker_reports_failed_activities_to_prometheus(
        monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    monkeypatch.setenv("LEDGER_WORKER_METRICS", f"127.0.0.1:{port}")
    metrics_runtime.cache_clear()
    try:
        runtime = metrics_runtime()
        assert runtime is not None
        env = await WorkflowEnvironment.start_time_skipping(
            data_converter=pydantic_data_converter, runtime=runtime,
            test_server_existing_path=find_binary("temporal-test-server"))
        async with env, Worker(env.client, task_queue="metrics", workflows=[FlakyWorkflow],
                               activities=[flaky]):
            result = await env.client.execute_workflow(
                FlakyWorkflow.run, id=f"flaky-{uuid.uuid4()}", task_queue="metrics")
            assert result == "recorded"
            text = scrape(port)
    finally:
        metrics_runtime.cache_clear()
    failed = [line for line in text.splitlines()
              if line.startswith("temporal_activity_execution_failed")]
    assert failed, "no activity failure counter on the metrics endpoint"
    assert any(float(line.rsplit(" ", 1)[1]) >= 1 for line in failed)


def test_without_a_metrics_address_the_worker_uses_the_default_runtime(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEDGER_WORKER_METRICS", raising=False)
    metrics_runtime.cache_clear()
    assert metrics_runtime() is None
    metrics_runtime.cache_clear()
