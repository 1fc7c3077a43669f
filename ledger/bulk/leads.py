"""Importing leads from a CSV or xlsx file (the workbook checks of ``ledger.bulk``): one lead
per row, columns ``origin``, ``reference``, ``received_on``, ``summary``, ``body_code``. Every
lead goes to the department named by the importer; a reference number imported before changes
nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pydantic

from ledger import register_commands as rc
from ledger.bulk.records import RowResult, UnreadableRow, explain, read_rows
from ledger.errors import LedgerError
from ledger.events import Actor
from ledger.register_steps import Registers
from ledger.values import Organisation

COLUMNS = ("origin", "reference", "received_on", "summary", "body_code")


def import_leads(ledger: Registers, path: Path, department: Organisation, actor: Actor) -> (
    Iterator[RowResult]
):
    """Receive every row's lead; one result per row (``filed`` for a new lead)."""
    for line, fields in read_rows(path):
        if isinstance(fields, UnreadableRow):
            yield RowResult(line, "error", field=fields.field, reason=fields.reason)
            continue
        try:
            cmd = rc.ReceiveLead.model_validate({
                **{k: v for k, v in fields.items() if k in COLUMNS},
                "department": department.model_dump()})
            done = ledger.receive_lead(cmd, actor)
        except pydantic.ValidationError as error:
            field, reason = explain(error)
            yield RowResult(line, "error", field=field, reason=reason)
        except LedgerError as error:
            yield RowResult(line, "error", field=error.field, reason=error.reason)
        else:
            yield RowResult(line, "filed" if done.created else "unchanged", record_id=done.id)
