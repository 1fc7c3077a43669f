"""The forms of the commitment and lead pages: one set of fields for every answer, read into
the ledger's commands, and a refusal worded for the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pydantic
from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from api.auth import Account
from api.deps import Services
from api.errors import status_of
from api.i18n import translator
from api.pages import check_csrf, language
from api.pages.filing import refusal, worded
from api.visibility import Step, responsible_for_step
from ledger import errors as e
from ledger.register_commands import CommitmentStep
from ledger.values import Category, Severity

CATEGORIES = [v.value for v in Category]
SEVERITIES = [v.value for v in Severity]


class AnswerFields(BaseModel):
    """An answer as its form sends it: every field as typed, an empty one absent."""

    evidence: str = ""
    reasons: str = ""
    finding: str = ""
    to_name: str = ""
    to_code: str = ""
    commitment_id: str = ""
    document_number: str = ""
    decision_date: str = ""
    category: str = ""
    severity: str = ""
    legal_basis: str = ""
    decision_content: str = ""
    facts: str = ""
    csrf: str = ""


def _given(**values: str) -> dict[str, str]:
    return {k: v.strip() for k, v in values.items() if v.strip()}


def filing_of(f: AnswerFields) -> dict[str, Any]:
    """The ``ShortFiling`` the form describes, as the API's JSON would carry it."""
    return _given(document_number=f.document_number, decision_date=f.decision_date,
                  category=f.category, severity=f.severity, legal_basis=f.legal_basis,
                  decision_content=f.decision_content, facts=f.facts)


def refused(error: pydantic.ValidationError | e.LedgerError, lang: str) -> list[str]:
    """What the page says of a refused answer: each field named with its problem."""
    t = translator(lang)
    if isinstance(error, pydantic.ValidationError):
        return [f"{t(_label(p['loc']))}：{worded(p, lang)}"
                for p in error.errors(include_url=False, include_input=False)]
    return [f"{t(_label(tuple(field.split('.'))))}：{message}" if field != "form" else message
            for field, message in refusal(error, lang).items()]


REFUSALS: tuple[type[e.LedgerError], ...] = (e.ValidationError, e.LifecycleError,
                                            e.ConflictError)
"""What an answer's form is refused for, shown on its page rather than as an error page."""


def answered(request: Request, fields: BaseModel, act: Callable[[], object], *, done: str,
             again: Callable[..., Response],
             refusals: tuple[type[e.LedgerError], ...] = ()) -> Response:
    """An answer taken from a form: on to ``done``, or refused, when ``again`` shows the page
    once more with the problems and what was typed kept (``refusals``: more errors so shown)."""
    try:
        act()
    except pydantic.ValidationError as error:
        return again(problems=refused(error, language(request)),
                     typed=fields.model_dump(exclude={"csrf"}), status=422)
    except (*REFUSALS, *refusals) as error:
        return again(problems=refused(error, language(request)),
                     typed=fields.model_dump(exclude={"csrf"}), status=status_of(error))
    return RedirectResponse(done, status_code=303)


def step_answered(request: Request, services: Services, account: Account, fields: AnswerFields,
                  step: type[Step], held_id: UUID, given: dict[str, Any], *, done: str,
                  again: Callable[..., Response],
                  refusals: tuple[type[e.LedgerError], ...] = ()) -> Response:
    """A step on a commitment or lead taken from its form by the department responsible for it
    (anyone else is answered as if it did not exist): ``step`` validated with what the form gave
    (``given``) and carried out, then on to ``done`` or back as ``answered`` says."""
    check_csrf(request, fields.csrf)
    responsible_for_step(account, services.ledger, step, held_id)
    held = "commitment_id" if issubclass(step, CommitmentStep) else "lead_id"

    def act() -> object:
        command = step.model_validate({held: held_id, **given})
        return services.ledger.execute(command, account.actor())

    return answered(request, fields, act, done=done, again=again, refusals=refusals)


def _label(loc: tuple[int | str, ...]) -> str:
    """The text key of the form field an error's location points at (``to.code`` is the
    receiving department's code, ``filing.severity`` the record's severity)."""
    if loc[:1] == ("to",):
        return "handover_to_code" if loc[1:2] == ("code",) else "handover_to_name"
    return str(loc[-1]) if loc else ""
