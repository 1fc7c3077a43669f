"""Importing leads from a CSV or xlsx file (the workbook checks of ``ledger.bulk``): one lead
per row, columns ``origin``, ``reference``, ``received_on``, ``summary``, ``body_code``. Every
lead goes to the department named by the importer; a reference number imported before changes
nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

from ledger import register_commands as rc
from ledger.bulk.records import RowResult, take_rows
from ledger.events import Actor
from ledger.register_steps import Registers
from ledger.values import Organisation

COLUMNS = ("origin", "reference", "received_on", "summary", "body_code")


def import_leads(ledger: Registers, path: Path, department: Organisation, actor: Actor) -> (
    Iterator[RowResult]
):
    """Receive every row's lead; one result per row (``filed`` for a new lead)."""

    def take(fields: dict[str, Any]) -> tuple[UUID, bool]:
        done = ledger.receive_lead(rc.ReceiveLead.model_validate({
            **{k: v for k, v in fields.items() if k in COLUMNS},
            "department": department.model_dump()}), actor)
        return done.id, done.created

    return take_rows(path, take)
