"""One generic workflow per human deadline: remind, wait, and when it passes miss, urge, escalate.

The workflow only waits for dates the ledger computed; it never counts working days. It ends
when the ``closed`` signal brings the fact that closes the deadline (or makes it moot, e.g. a
withdrawal) and the ledger, asked, confirms it, or when the ledger, asked before each step after
the due date, says the deadline is no longer open; a close signal the ledger does not confirm
is logged and changes nothing. An approved extension arrives as the ``extended`` update and
restarts the ladder with new dates. Every outcome goes back to the ledger through an
idempotent activity, so retries and replays never duplicate a fact. After escalation the
workflow stays open, without timers, until the deadline is closed: operators see it among the
open, overdue deadlines.

Changing this workflow. A deadline runs for weeks, and a worker with new code replays the
history of every run that older code started, so a change to the commands the workflow issues
(which activities and timers, in which order) must leave old runs on their old path:

1. Record the released version's histories first, if they do not yet take the path you change
   (add a scenario to ``tests/unit/test_workflow_replay.py``, then
   ``python -m tests.unit.test_workflow_replay v<N>``; stored histories are never rewritten).
2. Put the change behind ``workflow.patched(<id>)``, keeping the old code in the other branch;
   name the id in a constant below and add it to ``PATCHES``. A run records the patch's marker
   the first time it reaches ``patched`` outside a replay, so runs that reached that point
   before the deployment keep the old path, and later ones take the new.
3. Record the new version's histories as ``v<N+1>``; the replay test replays them all, and shows
   (with a test-only copy of the change without its guard) that the old ones would break.
4. Once no run started before the deployment is running (``ExecutionStatus = 'Running' AND
   StartTime < '<deployment>'``) or within the namespace's retention (a query replays it too),
   replace ``patched(<id>)`` by ``workflow.deprecate_patch(<id>)``, delete the old branch and
   the histories without the marker. The call itself may go only when no run that recorded
   the marker is left either: a marker the code no longer asks for is a nondeterminism error.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic import BaseModel

    from workflows.inputs import (
        CheckInput,
        DeadlineExtension,
        DeadlineInput,
        DeadlineOutcome,
        DeadlineState,
        EscalationInput,
        Ladder,
        PlanInput,
        ReminderInput,
        StepInput,
        business_day,
        event_version,
        start_of_day,
    )
    from workflows.search_attributes import has_search_attributes, state_updates

# A ledger step takes milliseconds; a worker that died holding one is noticed after this long
# and the step retried elsewhere (it is idempotent).
ACTIVITY_TIMEOUT = timedelta(seconds=20)
ACTIVITY_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=2))

# Ids of the changes made to the workflow's commands since its first release, oldest first.
CHECK_LEDGER_FIRST = "check-ledger-before-overdue-steps"
"""(v2) Before each step after the due date, ask the ledger whether the deadline is still
open, and end when it is not: a close signal that never arrived no longer leaves an overdue,
urged or escalated deadline running (and on the operators' board) after the fact that ended
it."""
CHECK_CLOSE_SIGNALS = "check-close-signals-against-the-ledger"
"""(v3) A ``closed`` signal is a claim, not a fact: the workflow asks the ledger whether the
deadline is closed and ends only when it is; while the ledger holds it open the signal is
logged and the ladder goes on. Anyone who can signal the workflow (the Temporal UI, a stolen
worker certificate) can no longer silence a deadline."""
PATCHES = (CHECK_LEDGER_FIRST, CHECK_CLOSE_SIGNALS)

_AFTER_DUE = frozenset({"miss", "plan", "urge", "escalate"})


class _Interrupted(Exception):
    """A close or an extension arrived while an activity ran; it was cancelled."""


@dataclass(frozen=True)
class _Step:
    """One rung of the ladder: when, which activity, what it takes, the state it leads to."""

    name: str
    at: datetime
    activity: str
    arg: BaseModel
    state: DeadlineState | None


@workflow.defn
class DeadlineWorkflow:
    """Enforces one deadline of one record (workflow id ``record-<record id>-<key>``)."""

    @workflow.init
    def __init__(self, input: DeadlineInput) -> None:
        # Set up from the input here, not in run(): signals and updates delivered together
        # with the start are handled before run() begins.
        self._closed_by: str | None = None
        self._claims: list[str] = []
        """Close signals not yet checked against the ledger."""
        self._events: list[str] = [input.started_by]
        self._recorded: list[str] = []
        self._done: set[str] = set()
        self._state = DeadlineState.OPEN
        self._changed = False
        self._ladder: Ladder = input.ladder
        self._first_version = event_version(input.started_by)

    @workflow.run
    async def run(self, input: DeadlineInput) -> DeadlineOutcome:
        while self._closed_by is None:
            if self._claims:
                await self._check_claims(input)
                continue
            step = self._next_step(input)
            self._changed = False
            if step is None:
                await workflow.wait_condition(self._interrupted)
                continue
            if not await self._sleep_until(step.at):
                continue
            await self._take(step, input)
        self._set_state(DeadlineState.CLOSED)
        return DeadlineOutcome(state=self._state, closed_by=self._closed_by,
                               events=tuple(self._events), recorded=tuple(self._recorded))

    @workflow.signal
    def closed(self, event_id: str) -> None:
        """The fact that closes the deadline, or makes it moot, was recorded (say the
        dispatcher); since v3 the ledger is asked before the workflow ends."""
        if not self._after_start(event_id):
            return
        if self._checks_close_signals():
            self._claims.append(event_id)
        else:
            self._close(event_id)

    def _after_start(self, event_id: str) -> bool:
        """Whether a close signal names a fact after the start of this deadline (one from
        before it, a replayed signal or one naming no event changes nothing)."""
        try:
            version = event_version(event_id)
        except (IndexError, ValueError):
            # Raising would fail every workflow task from here on: the deadline would stall.
            workflow.logger.warning("close signal naming no event ignored: %r", event_id[:80])
            return False
        return version >= self._first_version and self._closed_by is None

    def _close(self, event_id: str) -> None:
        if not self._after_start(event_id):
            return
        self._closed_by = event_id
        self._events.append(event_id)

    async def _check_claims(self, input: DeadlineInput) -> None:
        """End the deadline if the ledger says it is closed; otherwise the claims were wrong
        (or forged) and the ladder goes on. Retried while the ledger cannot answer."""
        claims, self._claims = self._claims, []
        closer = await workflow.execute_activity(
            "check", CheckInput(record_id=input.record_id, key=input.key, since=input.started_by),
            start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY,
        )
        if closer is None:
            workflow.logger.warning(
                "close signal %s ignored: the ledger holds deadline %s of record %s open",
                ", ".join(claims), input.key, input.record_id)
            return
        self._close(str(closer))

    @workflow.update
    def extended(self, extension: DeadlineExtension) -> None:
        """An approved extension moved the due date; the ladder starts again from it."""
        if extension.event_id in self._events:
            return
        self._events.append(extension.event_id)
        self._ladder = extension.ladder
        self._done.clear()
        self._set_state(DeadlineState.OPEN, extension.ladder)
        self._changed = True

    @extended.validator
    def _check_extension(self, extension: DeadlineExtension) -> None:
        if extension.event_id in self._events:
            return
        if self._closed_by is not None:
            raise ValueError("the deadline is already closed")
        if event_version(extension.event_id) <= max(event_version(e) for e in self._events):
            raise ValueError(f"event {extension.event_id} is older than this deadline's facts")
        if extension.ladder.due <= self._ladder.due:
            raise ValueError(
                f"the new due date {extension.ladder.due} must be later than {self._ladder.due}"
            )

    @workflow.query
    def state(self) -> DeadlineState:
        return self._state

    # -- the ladder ----------------------------------------------------------------------------

    def _interrupted(self) -> bool:
        return self._changed or self._closed_by is not None or bool(self._claims)

    def _steps(self, input: DeadlineInput) -> list[_Step]:
        ladder = self._ladder
        record, key = input.record_id, input.key
        steps = [
            _Step(f"remind-{r.on}-{r.working_days_before}", start_of_day(r.on), "remind",
                  ReminderInput(record_id=record, key=key,
                                working_days_before=r.working_days_before), None)
            for r in sorted(ladder.reminders, key=lambda r: r.on)
        ]
        steps.append(_Step("miss", ladder.missed_at, "miss", StepInput(record_id=record, key=key),
                           DeadlineState.OVERDUE))
        if ladder.urge_on is None or ladder.escalate_on is None:
            steps.append(_Step("plan", ladder.missed_at, "plan",
                               PlanInput(record_id=record, key=key, due=ladder.due), None))
            return steps
        steps += [
            _Step("urge", start_of_day(ladder.urge_on), "urge",
                  StepInput(record_id=record, key=key), DeadlineState.URGED),
            _Step("escalate", start_of_day(ladder.escalate_on), "escalate",
                  EscalationInput(record_id=record, key=key, to=input.superior),
                  DeadlineState.ESCALATED),
        ]
        return steps

    def _next_step(self, input: DeadlineInput) -> _Step | None:
        ladder = self._ladder
        today = business_day(workflow.now())
        for step in self._steps(input):
            if step.name in self._done:
                continue
            stale = step.activity == "remind" and (
                start_of_day(today) > step.at or workflow.now() >= ladder.missed_at
            )
            if stale:
                # A reminder for a day already gone (the dispatcher caught up late) is noise.
                self._done.add(step.name)
                continue
            return step
        return None

    async def _sleep_until(self, at: datetime) -> bool:
        """Wait for a moment; False when a signal or update interrupted the wait."""
        delay = at - workflow.now()
        if delay <= timedelta(0):
            return not self._interrupted()
        try:
            await workflow.wait_condition(self._interrupted, timeout=delay)
        except TimeoutError:
            return not self._interrupted()
        return False

    async def _take(self, step: _Step, input: DeadlineInput) -> None:
        """Run one rung's activity, after the due date only once the ledger says the deadline
        is still open; a close or an extension meanwhile cancels it (the step is idempotent,
        so whether it got recorded first does not matter)."""
        try:
            if step.activity in _AFTER_DUE and self._checks_the_ledger_first():
                closed_by = await self._call("check", CheckInput(
                    record_id=input.record_id, key=input.key, since=input.started_by))
                if closed_by is not None:
                    workflow.logger.info("the ledger closed the deadline with %s", closed_by)
                    self._close(str(closed_by))
                    return
            recorded = await self._call(step.activity, step.arg)
        except _Interrupted:
            return
        except ActivityError as error:
            cause = error.cause
            if not (isinstance(cause, ApplicationError) and cause.non_retryable):
                raise
            # The ledger refused the step (e.g. an extension it already recorded reset the
            # deadline); it is the judge, so the ladder moves on and the refusal is logged.
            workflow.logger.warning("ledger refused %s: %s", step.activity, cause.message)
            self._done.add(step.name)
            return
        self._done.add(step.name)
        if step.activity == "plan":
            if recorded is not None:
                self._ladder = Ladder.model_validate(recorded)
            return
        if recorded:
            self._recorded.append(str(recorded))
        if step.state is not None:
            self._set_state(step.state)

    def _checks_the_ledger_first(self) -> bool:
        """Whether this run asks the ledger before a step after the due date (see
        ``CHECK_LEDGER_FIRST``); runs that started earlier keep their old sequence."""
        return workflow.patched(CHECK_LEDGER_FIRST)

    def _checks_close_signals(self) -> bool:
        """Whether this run asks the ledger before it ends on a close signal (see
        ``CHECK_CLOSE_SIGNALS``); runs that ended on a signal before keep replaying so."""
        return workflow.patched(CHECK_CLOSE_SIGNALS)

    async def _call(self, activity: str, arg: BaseModel) -> Any:
        """An activity's result; raises ``_Interrupted`` (having cancelled it) when a close or
        an extension arrives first."""
        running = workflow.start_activity(
            activity, arg, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY,
        )
        await workflow.wait_condition(lambda: running.done() or self._interrupted())
        if not running.done():
            running.cancel()
            with contextlib.suppress(ActivityError, asyncio.CancelledError):
                await running
            raise _Interrupted
        return running.result()

    def _set_state(self, state: DeadlineState, ladder: Ladder | None = None) -> None:
        self._state = state
        if has_search_attributes(workflow.info().typed_search_attributes):
            workflow.upsert_search_attributes(state_updates(state, ladder))
