"""Steps on commitments and leads for the views' property test: each made, then taken as far
as ``k`` says (ended one way or another, or left to go overdue)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from ledger import register_commands as rc
from ledger.clock import business_date
from ledger.events import SYSTEM
from tests.conftest import BODY_CODE, DEPT, REVIEWER, SOURCE_CODE, uscc

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
            SYSTEM, w.clock(), "due" if key == "due" else key, *a)))


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
