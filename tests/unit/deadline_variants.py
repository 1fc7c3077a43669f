"""Variants of ``DeadlineWorkflow`` for the replay tests, registered under its name.

They live apart from the tests because the workflow sandbox re-imports the module a workflow
class comes from, and the test module reads files when imported.
"""

from __future__ import annotations

from temporalio import workflow

from workflows.deadline import CHECK_LEDGER_FIRST, DeadlineWorkflow

with workflow.unsafe.imports_passed_through():
    from workflows.inputs import DeadlineInput, DeadlineOutcome


@workflow.defn(name="DeadlineWorkflow")
class UnguardedDeadlineWorkflow(DeadlineWorkflow):
    """The v2 change made without ``workflow.patched()``: every run checks the ledger."""

    @workflow.run
    async def run(self, input: DeadlineInput) -> DeadlineOutcome:
        return await super().run(input)

    def _checks_the_ledger_first(self) -> bool:
        return True

    def _checks_close_signals(self) -> bool:
        return False


@workflow.defn(name="DeadlineWorkflow")
class ReleasedV1DeadlineWorkflow(DeadlineWorkflow):
    """The commands v1 issued: no check, no patch marker."""

    @workflow.run
    async def run(self, input: DeadlineInput) -> DeadlineOutcome:
        return await super().run(input)

    def _checks_the_ledger_first(self) -> bool:
        return False

    def _checks_close_signals(self) -> bool:
        return False


@workflow.defn(name="DeadlineWorkflow")
class UnguardedCloseCheckDeadlineWorkflow(DeadlineWorkflow):
    """The v3 change made without ``workflow.patched()``: every close signal is checked."""

    @workflow.run
    async def run(self, input: DeadlineInput) -> DeadlineOutcome:
        return await super().run(input)

    def _checks_close_signals(self) -> bool:
        return True


@workflow.defn(name="DeadlineWorkflow")
class ReleasedV2DeadlineWorkflow(DeadlineWorkflow):
    """The commands v2 issued: the ledger checked before overdue steps, close signals taken
    as they came."""

    @workflow.run
    async def run(self, input: DeadlineInput) -> DeadlineOutcome:
        return await super().run(input)

    def _checks_close_signals(self) -> bool:
        return False


@workflow.defn(name="DeadlineWorkflow")
class DeprecatedPatchDeadlineWorkflow(DeadlineWorkflow):
    """The later step: the patch deprecated, the old branch gone."""

    @workflow.run
    async def run(self, input: DeadlineInput) -> DeadlineOutcome:
        return await super().run(input)

    def _checks_the_ledger_first(self) -> bool:
        workflow.deprecate_patch(CHECK_LEDGER_FIRST)
        return True
