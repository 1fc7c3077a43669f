"""The department's forms: a filing, and the reasons and changed fields of its record steps.

A form sends flat text fields; they are put together as the API's command (``FileRecord``,
``RecordChanges``) and validated by it, so a page refuses exactly what the API refuses. Each
refusal is worded in the page's language and shown next to the field it concerns, and the form
comes back with what was typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pydantic
from pydantic import BaseModel

from api.i18n import translator
from ledger import errors as e
from ledger.values import SanctionKind

FORM = "form"  # errors that concern no one field are shown above the form
SANCTIONS = [k.value for k in SanctionKind]
CHANGEABLE = ("facts", "legal_basis", "decision_content", "fine_yuan", "confiscation_yuan",
              "severity", "category", "domain", "matter", "decision_date")


class FilingFields(BaseModel):
    """A filing as the form sends it: every field as typed."""

    source_name: str = ""
    document_number: str = ""
    decision_date: str = ""
    deciding_authority_name: str = ""
    deciding_authority_code: str = ""
    subject_type: str = ""
    subject_code: str = ""
    subject_citizen_id: str = ""
    category: str = ""
    domain: str = ""
    severity: str = ""
    matter: str = ""
    facts: str = ""
    legal_basis: str = ""
    decision_content: str = ""
    fine_yuan: str = ""
    confiscation_yuan: str = ""
    region_code: str = ""
    scope: str = ""
    responsible_citizen_ids: str = ""
    request_explanation: str = ""
    rectification_requirement: str = ""
    rectification_due: str = ""
    sanction_honours_disqualification: str = ""
    sanction_public_criticism: str = ""
    sanction_promotion_restriction: str = ""
    csrf: str = ""


class StepFields(BaseModel):
    """A record step as its form sends it: reasons, a decision, and the changed fields."""

    reasons: str = ""
    outcome: str = ""
    approved: str = ""
    new_facts: str = ""
    new_legal_basis: str = ""
    new_decision_content: str = ""
    new_fine_yuan: str = ""
    new_confiscation_yuan: str = ""
    new_severity: str = ""
    new_category: str = ""
    new_domain: str = ""
    new_matter: str = ""
    new_decision_date: str = ""
    new_deciding_authority_name: str = ""
    new_deciding_authority_code: str = ""
    csrf: str = ""


def _given(**values: Any) -> dict[str, Any]:
    """The fields that were filled in: an empty one is absent, as in the API's JSON."""
    return {k: v.strip() if isinstance(v, str) else v for k, v in values.items()
            if v not in ("", None, [], {})}


def filing_data(f: FilingFields, source_code: str) -> dict[str, Any]:
    """The ``FileRecord`` the form describes, as the API's JSON would carry it."""
    authority = _given(name=f.deciding_authority_name, code=f.deciding_authority_code)
    rectification = _given(requirement=f.rectification_requirement, due=f.rectification_due)
    sanctions = [{"kind": kind, "months": months.strip()} for kind in SANCTIONS
                 if (months := getattr(f, f"sanction_{kind}"))]
    return _given(
        source={"name": f.source_name.strip(), "code": source_code},
        document_number=f.document_number, decision_date=f.decision_date,
        deciding_authority=authority, subject_type=f.subject_type,
        subject_code=f.subject_code if f.subject_type != "civil_servant" else "",
        subject_citizen_id=f.subject_citizen_id if f.subject_type == "civil_servant" else "",
        category=f.category, domain=f.domain, severity=f.severity, matter=f.matter,
        facts=f.facts, legal_basis=f.legal_basis, decision_content=f.decision_content,
        fine_yuan=f.fine_yuan, confiscation_yuan=f.confiscation_yuan, region_code=f.region_code,
        scope=f.scope, rectification=rectification, sanctions=sanctions,
        responsible_citizen_ids=[i for i in re.split(r"[\s,;，；、]+", f.responsible_citizen_ids)
                                 if i],
    ) | {"request_explanation": bool(f.request_explanation)}


def changes_data(f: StepFields) -> dict[str, Any] | None:
    """The ``RecordChanges`` the form names, or ``None`` when it names none."""
    authority = _given(name=f.new_deciding_authority_name, code=f.new_deciding_authority_code)
    named = _given(**{name: getattr(f, f"new_{name}") for name in CHANGEABLE},
                   deciding_authority=authority)
    return named or None


# -- errors, in the page's language, by the form field they concern ------------------------------

_NESTED = {("source", "name"): "source_name", ("source", "code"): "source_name",
           ("deciding_authority", "name"): "deciding_authority_name",
           ("deciding_authority", "code"): "deciding_authority_code",
           ("rectification", "requirement"): "rectification_requirement",
           ("rectification", "due"): "rectification_due"}
_WHOLE = {"source": "source_name", "deciding_authority": "deciding_authority_name",
          "rectification": "rectification_requirement"}
# pydantic's error types, by the words that say them
_TYPES = {"missing": "err_required", "string_too_short": "err_required",
          "string_too_long": "err_too_long", "too_long": "err_too_many",
          "date_from_datetime_parsing": "err_date", "date_parsing": "err_date",
          "date_type": "err_date", "date_from_datetime_inexact": "err_date",
          "enum": "err_choice", "literal_error": "err_choice", "bool_parsing": "err_choice",
          "bool_type": "err_choice",
          "decimal_parsing": "err_amount", "decimal_type": "err_amount",
          "greater_than_equal": "err_at_least", "decimal_max_places": "err_fen",
          "decimal_max_digits": "err_amount_large", "decimal_whole_digits": "err_amount_large",
          "int_parsing": "err_whole", "int_type": "err_whole", "int_from_float": "err_whole",
          "string_pattern_mismatch": "err_form", "less_than_equal": "err_at_most",
          "greater_than": "err_at_least"}
_CODES = {"source_name": "err_credit_code", "deciding_authority_code": "err_credit_code",
          "subject_code": "err_credit_code", "new_deciding_authority_code": "err_credit_code",
          "subject_citizen_id": "err_citizen_id", "responsible_citizen_ids": "err_citizen_id"}
# The ledger's refusals of a filing, by error class and field
_LEDGER = {("UnknownRegionError", "region_code"): "err_region",
           ("ValidationError", "decision_date"): "err_future",
           ("ValidationError", "rectification_due"): "err_after_filing",
           ("ValidationError", "subject_code"): "err_required_body",
           ("ValidationError", "subject_citizen_id"): "err_required_person",
           ("SubjectNotFoundError", "subject_code"): "err_no_body",
           ("SubjectNotFoundError", "subject_citizen_id"): "err_no_person",
           ("SubjectNotFoundError", "responsible_citizen_ids"): "err_no_responsible",
           ("DuplicateFilingError", "document_number"): "err_duplicate",
           ("ValidationError", "months"): "err_months",
           ("ValidationError", "changes"): "err_changes",
           ("LifecycleError", None): "err_step"}


def field_of(loc: tuple[int | str, ...], prefix: str = "",
             sanctions: list[str] | None = None) -> str:
    """The form field a validation error's location points at."""
    if not loc:
        return FORM
    head = str(loc[0])
    if head == "sanctions":
        index = loc[1] if len(loc) > 1 else None
        found = isinstance(index, int) and sanctions and index < len(sanctions)
        return f"sanction_{sanctions[index]}" if found else FORM  # type: ignore[index]
    if head == "changes":
        return field_of(loc[1:], "new_") if len(loc) > 1 else "changes"
    if head in _WHOLE:
        return prefix + _NESTED.get((head, str(loc[1]) if len(loc) > 1 else ""), _WHOLE[head])
    return prefix + head


class _Context(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def refusals(error: pydantic.ValidationError, lang: str, prefix: str = "",
             sanctions: list[str] | None = None) -> dict[str, str]:
    """Each refused field's message (the first, where a field has several)."""
    t = translator(lang)
    found: dict[str, str] = {}
    for problem in error.errors(include_url=False, include_input=False):
        name = field_of(tuple(problem["loc"]), prefix, sanctions)
        if name in found:
            continue
        reason = str(problem["msg"]).removeprefix("Value error, ")
        key = _TYPES.get(problem["type"])
        if problem["type"] == "value_error":
            key = _CODES.get(name) or ("err_changes" if name in (FORM, "changes") else None)
        context = _Context(problem.get("ctx") or {}, reason=reason)
        found[name] = t(key).format_map(context) if key else reason
    return found


def worded(problem: Mapping[str, Any], lang: str) -> str:
    """One validation problem in the page's language (pydantic's words where we have none)."""
    reason = str(problem.get("msg", "")).removeprefix("Value error, ")
    key = _TYPES.get(str(problem.get("type")))
    context = _Context(problem.get("ctx") or {}, reason=reason)
    return translator(lang)(key).format_map(context) if key else reason


def refusal(error: e.LedgerError, lang: str) -> dict[str, str]:
    """The ledger's refusal of a form, next to its field (or above the form)."""
    t = translator(lang)
    field = {"source.code": "source_name", "to.code": FORM, "number": FORM,
             "record_id": FORM}.get(error.field or FORM, error.field or FORM)
    key = next((found for cls in type(error).__mro__ for found in (
        _LEDGER.get((cls.__name__, error.field)), _LEDGER.get((cls.__name__, None))) if found),
        None)
    return {field: t(key).format(reason=error.reason) if key else error.reason}


def placed(errors: dict[str, str], form: type[BaseModel]) -> dict[str, str]:
    """Refusals by the field that shows them: one the form has no field for goes above it."""
    shown = set(form.model_fields) | {"changes"}
    found: dict[str, str] = {}
    for name, message in errors.items():
        where = name if name in shown else FORM
        found[where] = f"{found[where]} {message}" if where in found else message
    return found
