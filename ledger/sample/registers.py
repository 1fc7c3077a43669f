"""Commitments and leads in the sample: in several regions, each register shows every way a
commitment or a lead ends, and some still open (loaded after the records, on the last day)."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from ledger import register_commands as rc
from ledger.application import Ledger
from ledger.clock import business_date
from ledger.errors import LedgerError
from ledger.events import Actor, Role
from ledger.sample.clock import SampleClock
from ledger.sample.life import REVIEWER
from ledger.sample.plan import SamplePlan

KINDS = ("payment", "investment_promotion", "township_public", "service", "time_limit")
ORIGINS = ("hotline_12345", "npc_suggestion", "cppcc_proposal", "media_report",
           "inspection_finding", "third_party_evaluation")
REGIONS = 4


def play_registers(ledger: Ledger, clock: SampleClock, plan: SamplePlan) -> None:
    """Register commitments and receive leads for the bodies of a few cities."""
    cities: dict[str, Any] = {}
    for body in plan.bodies:
        cities.setdefault(body.city, body)
    sources = list({item.command.source.code: item.command.source
                    for item in plan.records}.values())
    for n, body in enumerate(list(cities.values())[:REGIONS]):
        _region(ledger, clock, n, body, sources[n % len(sources)],
                sources[(n + 1) % len(sources)])


def _region(ledger: Ledger, clock: SampleClock, n: int, body: Any, source: Any,
            other: Any) -> None:
    """One body's commitments and leads, each ended one way, some left open."""
    today = business_date(clock())
    clerk = Actor(id=f"clerk-{source.code[-7:-1].lower()}", role=Role.SOURCE_DEPARTMENT,
                  subject=source.code)
    department = {"name": source.name, "code": source.code}
    code = body.command.credit_code
    made = []
    for k, kind in enumerate(KINDS):
        clock.now += timedelta(seconds=30)
        made.append(ledger.make_commitment(rc.MakeCommitment.model_validate({
            "department": department, "reference": f"样例承诺-{n}-{k}", "maker_code": code,
            "kind": kind, "content": f"{body.command.name}承诺事项{k + 1}",
            "source_document": f"样例〔2026〕{n * 10 + k}号", "made_to": "相关企业和群众",
            "made_on": today - timedelta(days=60), "due": today + timedelta(days=20 * k - 30),
            "public": k % 2 == 0}), clerk).id)
    short = {"decision_date": today - timedelta(days=30), "severity": "general",
             "legal_basis": "《优化营商环境条例》", "decision_content": "认定失信并公示"}
    _try(lambda: ledger.fulfil_commitment(rc.FulfilCommitment(
        commitment_id=made[3], evidence="兑现凭证已归档"), clerk))
    _try(lambda: ledger.release_commitment(rc.ReleaseCommitment(
        commitment_id=made[4], reasons="政策调整，经双方协商解除"), clerk))
    _try(lambda: ledger.find_breach(rc.FindBreach.model_validate({
        "commitment_id": made[0], "finding": "逾期未兑现承诺",
        "filing": short | {"document_number": f"样例认定〔2026〕{n}1号"}}), clerk))
    leads = []
    for k, origin in enumerate(ORIGINS):
        clock.now += timedelta(seconds=30)
        leads.append(ledger.receive_lead(rc.ReceiveLead.model_validate({
            "origin": origin, "reference": f"样例线索-{n}-{k}",
            "received_on": today - timedelta(days=3 * k),
            "summary": f"反映{body.command.name}失信问题{k + 1}",
            "body_code": code, "department": department}), REVIEWER).id)
    _try(lambda: ledger.find_lead_unfounded(rc.FindLeadUnfounded(
        lead_id=leads[1], reasons="经核实不属实"), clerk))
    _try(lambda: ledger.file_record_on_lead(rc.FileRecordOnLead.model_validate({
        "lead_id": leads[2], "filing": short | {
            "document_number": f"样例认定〔2026〕{n}2号", "category": "accountability"}}),
        clerk))
    _try(lambda: ledger.hand_over_lead(rc.HandOverLead.model_validate({
        "lead_id": leads[3], "to": {"name": other.name, "code": other.code},
        "reasons": "属其职责"}), clerk))
    _try(lambda: ledger.find_breach_on_lead(rc.FindBreachOnLead.model_validate({
        "lead_id": leads[4], "commitment_id": made[1], "finding": "线索查实，承诺未兑现",
        "filing": short | {"document_number": f"样例认定〔2026〕{n}3号"}}), clerk))


def _try(step: Any) -> None:
    """A step the sample's own state forbids (a department that is not the other's) is
    skipped, not fatal: the sample stays loadable."""
    with contextlib.suppress(LedgerError):
        step()
