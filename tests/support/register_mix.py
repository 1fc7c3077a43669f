"""Steps on commitments, leads and warnings for the views' property test: each made, then
taken as far as ``k`` says (ended one way or another, or left to go overdue)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from ledger import register_commands as rc
from ledger.clock import business_date
from ledger.events import SYSTEM, Actor, Role
from ledger.warning_events import FollowUp
from ledger.warning_steps import Raised
from tests.support.world import BODY_CODE, DEPT, REVIEWER, SOURCE_CODE, uscc

OTHER = {"name": "福建省财政厅", "code": uscc("11350000MB05678")}
ORIGINS = ("hotline_12345", "npc_suggestion", "cppcc_proposal", "media_report",
           "inspection_finding", "third_party_evaluation", "other")
KINDS = ("service", "time_limit", "investment_promotion", "payment", "township_public", "other")


def _short(w: Any) -> rc.ShortFiling:
    w.filed += 1
    return rc.ShortFiling.model_validate({
        "document_number": f"认定〔2026〕{w.filed}号", "decision_date": business_date(w.clock()),
        "severity": "general", "legal_basis": "依据", "decision_content": "认定"})


def _late(w: Any, holder: UUID, key: str, k: int) -> None:
    deadline = w.app.deadline_holder(holder).deadlines.get(key)
    if deadline is None or deadline.due is None:
        return
    w.move_to(deadline.due + timedelta(days=1))
    steps = [("miss",), ("urge",), ("escalate", "350000")][: 1 + k % 3]
    for name, *args in steps:
        w.do(lambda n=name, a=args: w.app.holder_step(holder, lambda h, s: getattr(h, n)(
            SYSTEM, w.clock(), key, *a)))


def commitment(w: Any, k: int) -> None:
    today = business_date(w.clock())
    w.commitments = getattr(w, "commitments", [])
    fields: dict[str, Any] = {
        "department": {"name": "福建省纪委监委", "code": SOURCE_CODE},
        "reference": f"承诺{len(w.commitments) + 1}", "maker_code": BODY_CODE,
        "kind": KINDS[k % len(KINDS)], "content": "承诺内容", "source_document": "文件",
        "made_to": "企业", "made_on": today, "public": k % 2 == 0}
    if k % 5 == 4:
        fields["recurring"] = "每季度"
    else:
        fields["due"] = today + timedelta(days=10 + k)
    cmd = rc.MakeCommitment.model_validate(fields)
    if not w.do(lambda: w.commitments.append(w.app.make_commitment(cmd, DEPT).id)):
        return
    cid = w.commitments[-1]
    if k % 4 == 1:
        _late(w, cid, "due", k)
    if k % 6 == 0:
        w.do(lambda: w.app.fulfil_commitment(rc.FulfilCommitment(commitment_id=cid,
                                                                 evidence="凭证"), DEPT))
    elif k % 6 == 1:
        w.do(lambda: w.app.find_breach(rc.FindBreach(commitment_id=cid, finding="违约",
                                                     filing=_short(w)), DEPT))
    elif k % 6 == 3:
        w.do(lambda: w.app.release_commitment(rc.ReleaseCommitment(commitment_id=cid,
                                                                   reasons="解除"), DEPT))
    elif k % 3 == 2:  # proposed, then confirmed (5), declined (11) or left for a reviewer
        proposal = rc.ProposeBreach(commitment_id=cid, finding="拟认定违约", filing=_short(w))
        if not w.do(lambda: w.app.execute(proposal, DEPT)):
            return
        if k % 12 == 5:
            w.do(lambda: w.app.execute(rc.ConfirmBreach(commitment_id=cid), REVIEWER))
        elif k % 12 == 11:
            w.do(lambda: w.app.execute(rc.DeclineBreach(commitment_id=cid, reasons="不构成"),
                                       REVIEWER))


def lead(w: Any, k: int) -> None:
    w.leads = getattr(w, "leads", [])
    cmd = rc.ReceiveLead.model_validate({
        "origin": ORIGINS[k % len(ORIGINS)], "reference": f"L{len(w.leads) + k % 2}",
        "received_on": business_date(w.clock()), "summary": "线索内容", "body_code": BODY_CODE,
        "department": {"name": "福建省纪委监委", "code": SOURCE_CODE}})
    if not w.do(lambda: w.leads.append(w.app.receive_lead(cmd, REVIEWER).id)):
        return
    lid, app = w.leads[-1], w.app
    if k % 3 == 1:
        _late(w, lid, "verification", k)
    if k % 5 == 0:
        w.do(lambda: app.find_lead_unfounded(rc.FindLeadUnfounded(lead_id=lid, reasons="不实"),
                                             DEPT))
    elif k % 5 == 1:
        w.do(lambda: app.file_record_on_lead(rc.FileRecordOnLead(
            lead_id=lid, filing=_short(w).model_copy(update={"category": "accountability"})),
            DEPT))
    elif k % 5 == 2:
        w.do(lambda: app.hand_over_lead(rc.HandOverLead(lead_id=lid, to=OTHER, reasons="移交"),
                                        DEPT))
    elif k % 5 == 3 and getattr(w, "commitments", []):
        cid = w.commitments[k % len(w.commitments)]
        w.do(lambda: app.find_breach_on_lead(rc.FindBreachOnLead(
            lead_id=lid, commitment_id=cid, finding="线索查实", filing=_short(w)), DEPT))


RULES = (("body-serious-records", "body"), ("body-low-score", "body"),
         ("city-overdue-deadlines", "region"), ("county-overdue-rectifications", "region"))
OPERATORS = (Actor(id="operator-1", role=Role.OPERATOR),
             Actor(id="operator-fuzhou", role=Role.OPERATOR, subject="350100"),
             Actor(id="operator-xiamen", role=Role.OPERATOR, subject="350200"))


def warning(w: Any, k: int) -> None:
    """A warning raised (again, while open, it is the same one), then taken as far as ``k``
    says: acknowledged, followed up, closed, or left to go overdue and escalate."""
    rule, kind = RULES[k % len(RULES)]
    code, name = (BODY_CODE, "福州市鼓楼区自然资源局") if kind == "body" else (
        ("350100", "福州市") if k % 2 else ("350102", "鼓楼区"))
    raised = Raised(kind=kind, code=code, name=name, rule_id=rule, metric="score",
                    value=Decimal(50 + k), message="预警", score=Decimal(50 + k),
                    metrics={"records": k})
    found: list[UUID] = []
    w.do(lambda: found.extend(w.app.raise_warnings(business_date(w.clock()), "integrity-2026-v2",
                                                   [raised], SYSTEM)))
    if not found:
        return
    wid = found[0]
    w.warnings = [*getattr(w, "warnings", []), wid]
    if k % 4 == 3:
        _late(w, wid, "acknowledgement", k)
    operator = OPERATORS[k % len(OPERATORS)]
    steps = [lambda: w.app.acknowledge_warning(wid, operator, "收到"),
             lambda: w.app.record_warning_follow_up(wid, operator, list(FollowUp)[k % 4],
                                                    "处置"),
             lambda: w.app.record_warning_result(wid, operator, "结果")]
    for step in steps[: k % 4]:
        w.do(step)
