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


@workflow.defn(name="DeadlineWorkflow")
class ReleasedV1DeadlineWorkflow(DeadlineWorkflow):
    """The commands v1 issued: no check, no patch marker."""

    @workflow.run
    async def run(self, input: DeadlineInput) -> DeadlineOutcome:
        return await super().run(input)

    def _checks_the_ledger_first(self) -> bool:
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
