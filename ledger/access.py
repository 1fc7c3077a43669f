"""Who may do what: the roles of every command, and whose records a reader sees and acts on.

This is the one place an access rule is written down. The API's ``require_command`` and the
pages' ``page_role`` take their roles from ``ACTS`` and the reader groups below; the ledger's
``execute`` checks ``may_act`` before a step runs; routes and pages filter reads through
``may_read``. ``tests/api/test_role_matrix.py`` is the independent specification this table
must agree with.

No role is implied. An administrator administers (accounts, calendar years, rule sets,
formulas, subjects) and reads; it takes a step on a record, a commitment or a lead only where
``ACTS`` names it, and today it names it nowhere (separation of duties, docs/domain.md
"Who acts"). The API's ``require`` and the domain's ``require_role`` both follow this rule.

Whose records:

- an official reads and acts on their own subject's records only;
- a department reads the records it filed and those with an objection or a repair
  application forwarded to it (then or earlier); it acts on the records it filed, decides a
  matter forwarded to it now, and revokes a repair it approved (谁认定谁修复);
- every other role reads every record;
- a commitment or a lead is acted on by the department responsible for it (``responsible``);
- an early warning by an operator of its region or of a region above it (the warning checks
  its region's reporting chain).
"""

from __future__ import annotations

from ledger import commands as c
from ledger import register_commands as rc
from ledger import warning_commands as wc
from ledger.commitment import Commitment
from ledger.errors import PermissionDeniedError
from ledger.events import Actor, Role
from ledger.lead import Lead
from ledger.record import CreditRecord
from ledger.values import Objection, Repair
from ledger.warning import EarlyWarning

SOURCE, OFFICIAL, REVIEWER = Role.SOURCE_DEPARTMENT, Role.SUBJECT_OFFICIAL, Role.PLATFORM_REVIEWER
OPERATOR, AUDITOR, ADMINISTRATOR = Role.OPERATOR, Role.AUDITOR, Role.ADMINISTRATOR

Roles = frozenset[Role]

READERS: Roles = frozenset({SOURCE, OFFICIAL, REVIEWER, OPERATOR, AUDITOR, ADMINISTRATOR})
"""Everyone with an account: records, bodies, the calendar and the rules (each sees only what
``may_read`` lets it)."""
WATCHERS: Roles = frozenset({OPERATOR, REVIEWER, AUDITOR, ADMINISTRATOR})
"""The platform's side: regions, deadlines, evaluations, every record."""
STATUS_READERS: Roles = WATCHERS | {SOURCE, OFFICIAL}
"""A subject's status: the platform, a department for its own records, an official for theirs."""
BODY_READERS: Roles = WATCHERS | {OFFICIAL}
"""A body's evaluation: not a department, whose own records are only part of the score."""
REGISTER_READERS: Roles = WATCHERS | {SOURCE}
"""The lead register: the platform and the departments leads are handed to."""
DISHONESTY_READERS: Roles = WATCHERS | {SOURCE}
"""Seriously dishonest subjects (严重失信): the departments that disqualify (取消资格) and assess
strictly (从严考核), and the platform; not an official, and not the public unless the rule set
in force says so."""
PERSON_READERS: Roles = frozenset({SOURCE, REVIEWER, AUDITOR, ADMINISTRATOR})
"""A civil servant's (masked) entry."""
PERSONAL_DATA: Roles = frozenset({AUDITOR, SOURCE})
"""A civil servant's personal data, read with a purpose that is logged."""
QUEUE_READERS: Roles = frozenset({REVIEWER, ADMINISTRATOR})
"""The review queue: an administrator may look, only a reviewer acts."""
AUDITORS: Roles = frozenset({AUDITOR, ADMINISTRATOR})
OPERATORS: Roles = frozenset({OPERATOR, ADMINISTRATOR})
"""Running the platform: importing ratings, recording an evaluation by hand, the metrics."""
REGISTRARS: Roles = frozenset({ADMINISTRATOR, SOURCE})
"""Government bodies and civil servants."""
ADMINISTRATORS: Roles = frozenset({ADMINISTRATOR})

ACTS: dict[type[c.Command], Roles] = {
    c.RegisterBody: REGISTRARS,
    c.RegisterCivilServant: REGISTRARS,
    c.PublishCalendarYear: ADMINISTRATORS,
    c.PublishRuleSet: ADMINISTRATORS,
    c.PublishFormula: ADMINISTRATORS,
    c.FileRecord: frozenset({SOURCE}),
    c.SubmitExplanation: frozenset({OFFICIAL}),
    c.SubmitRectificationPlan: frozenset({OFFICIAL}),
    c.ReportRectificationCompletion: frozenset({OFFICIAL}),
    c.VerifyRectification: frozenset({SOURCE}),
    c.RejectRectification: frozenset({SOURCE}),
    c.ExtendRectification: frozenset({SOURCE, REVIEWER}),
    c.FileObjection: frozenset({OFFICIAL}),
    c.MarkObjection: frozenset({REVIEWER}),
    c.AcceptObjection: frozenset({REVIEWER}),
    c.RejectObjection: frozenset({REVIEWER}),
    c.ForwardObjection: frozenset({REVIEWER}),
    c.ExtendObjection: frozenset({REVIEWER}),
    c.DecideObjection: frozenset({SOURCE}),
    c.RequestReview: frozenset({OFFICIAL}),
    c.DecideReview: frozenset({REVIEWER}),
    c.MarkReconsideration: frozenset({SOURCE, OFFICIAL}),
    c.ConcludeReconsideration: frozenset({SOURCE}),
    c.WithdrawRecord: frozenset({SOURCE}),
    c.CorrectRecord: frozenset({SOURCE}),
    c.ApplyForRepair: frozenset({OFFICIAL}),
    c.ForwardRepair: frozenset({REVIEWER}),
    c.ExtendRepair: frozenset({REVIEWER, SOURCE}),
    c.DecideRepair: frozenset({SOURCE}),
    c.RevokeRepair: frozenset({SOURCE}),
    c.PropagateRepair: frozenset({REVIEWER}),
    c.RecordPerformance: frozenset({SOURCE}),
    c.ExtendListing: frozenset({SOURCE}),
    c.ImposeSanction: frozenset({SOURCE}),
    c.RecordMitigation: frozenset({SOURCE}),
    rc.MakeCommitment: frozenset({SOURCE}),
    rc.FulfilCommitment: frozenset({SOURCE}),
    rc.ReleaseCommitment: frozenset({SOURCE}),
    rc.FindBreach: frozenset({SOURCE}),
    rc.ProposeBreach: frozenset({SOURCE}),
    rc.ConfirmBreach: frozenset({REVIEWER}),
    rc.DeclineBreach: frozenset({REVIEWER}),
    rc.ReceiveLead: frozenset({SOURCE, REVIEWER}),
    rc.FindLeadUnfounded: frozenset({SOURCE}),
    rc.FileRecordOnLead: frozenset({SOURCE}),
    rc.FindBreachOnLead: frozenset({SOURCE}),
    rc.HandOverLead: frozenset({SOURCE}),
    wc.AcknowledgeWarning: frozenset({OPERATOR}),
    wc.RecordWarningFollowUp: frozenset({OPERATOR}),
    wc.RecordWarningResult: frozenset({OPERATOR}),
}
"""Each command and the roles that may give it (the system's own steps are not commands)."""


def roles(command: type[c.Command]) -> tuple[Role, ...]:
    """The roles that may give ``command``, in the enumeration's order."""
    allowed = ACTS[command]
    return tuple(role for role in Role if role in allowed)


def may_give(actor: Actor, command: type[c.Command]) -> bool:
    """Whether the actor's role may give the command at all (whatever it acts on)."""
    return actor.role in ACTS[command]


def may_read(actor: Actor, record: CreditRecord) -> bool:
    """Whether the actor sees the record: an official their own subject's, a department what it
    filed or had a matter of forwarded to it, everyone else every record."""
    if actor.role is OFFICIAL:
        return actor.subject is not None and actor.subject in (
            record.content.subject_code, str(record.content.subject_id))
    if actor.role is SOURCE:
        matters: list[Objection | Repair] = [*record.objections.values(),
                                             *record.repairs.values()]
        return actor.subject is not None and actor.subject in (
            {record.content.source.code} | {m.forwarded_to for m in matters if m.forwarded_to})
    return True


def sees_subject(actor: Actor, *names: str | None) -> bool:
    """Whether the actor may look at a subject known by ``names`` (its credit code, its id):
    an official only at their own; a department at one of whose records it reads any, which
    the caller checks with ``may_read``; everyone else at every subject."""
    return actor.role is not OFFICIAL or (actor.subject is not None and actor.subject in names)


def responsible(actor: Actor, held: Commitment | Lead | EarlyWarning) -> bool:
    """Whether the actor is the department responsible for a commitment or a lead (no other
    account reaches one to act on it); a warning's operator is checked by the warning, which
    knows its region's reporting chain."""
    if isinstance(held, EarlyWarning):
        return actor.role is OPERATOR
    return actor.role is SOURCE and actor.subject == held.department.code


def may_act(actor: Actor, cmd: c.RecordStep, record: CreditRecord) -> bool:
    """Whether the actor may give ``cmd`` on this record: its role is in ``ACTS`` and, for an
    official or a department, the record is theirs to act on."""
    if not may_give(actor, type(cmd)):
        return False
    if actor.role is OFFICIAL:
        return actor.subject == record.content.subject_code
    if actor.role is SOURCE:
        return actor.subject in _acting_departments(cmd, record)
    return True


def _acting_departments(cmd: c.RecordStep, record: CreditRecord) -> set[str]:
    """The department that filed the record; for a decision, those a matter is forwarded to
    now; for a revocation, the one that approved the repair (the record checks which)."""
    allowed = {record.content.source.code}
    if isinstance(cmd, c.DecideObjection | c.DecideRepair):
        allowed |= record.deciders()
    if isinstance(cmd, c.RevokeRepair) and cmd.number in record.repairs:
        allowed |= {record.repairs[cmd.number].forwarded_to or ""}
    return allowed


def check_act(actor: Actor, cmd: c.RecordStep, record: CreditRecord) -> None:
    """Refuse a step the actor may not take on this record, saying why."""
    if actor.role is OFFICIAL and actor.subject != record.content.subject_code:
        raise PermissionDeniedError("an official may act only on their own subject's records")
    if actor.role is SOURCE and actor.subject not in _acting_departments(cmd, record):
        raise PermissionDeniedError(
            "a department may act only on records it filed or matters forwarded to it")
    if not may_give(actor, type(cmd)):
        allowed = ", ".join(r.value for r in roles(type(cmd)))
        raise PermissionDeniedError(f"role {actor.role.value} may not do this (needs {allowed})")
