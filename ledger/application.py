"""The ledger application: commands in, events appended in one transaction each.

Each command method loads what it needs, calls the aggregate (which checks the rules), and saves
the new events atomically; a failure anywhere leaves the log as it was. Filing is idempotent:
the record id derives from (source code, document number), a resend with the same content
returns the existing record and a resend with different content is refused.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    ProjectorFunction,
    Repository,
    project_aggregate,
)
from eventsourcing.persistence import (
    EventStore,
    IntegrityError,
    Mapper,
    Notification,
    PersistenceError,
    Recording,
    StoredEvent,
)

from ledger import commands as c
from ledger.calendar_years import CalendarYears
from ledger.clock import Clock, business_date, system_clock
from ledger.errors import (
    CalendarUnavailableError,
    ConcurrentChangeError,
    DuplicateFilingError,
    LedgerError,
    PermissionDeniedError,
    RecordNotFoundError,
    SubjectNotFoundError,
    ValidationError,
)
from ledger.evaluations import Evaluations
from ledger.events import Actor, Aggregate, DomainEvent, Role
from ledger.identifiers import body_id, mask_citizen_id, record_id
from ledger.period_evaluations import PeriodEvaluations
from ledger.personal import MemoryKeyStore, Vault
from ledger.ratings import Ratings
from ledger.record import CreditRecord, RecordContent, Schedule, require_role
from ledger.record_events import RecordFiled
from ledger.regions import RegionTable, fujian
from ledger.register_steps import Registers
from ledger.settings import SETTINGS_ID, LedgerSettings
from ledger.snapshots import (
    SNAPSHOT_INTERVAL,
    Snapshot,
    SnapshotMapper,
    SnapshotRepository,
    latest_snapshot,
)
from ledger.steps import RecordSteps
from ledger.store.group_commit import WINDOW_SECONDS, Also, GroupCommitter, Pending
from ledger.store.loading import load_aggregates
from ledger.store.persistence import OrjsonTranscoder, PydanticMapper, canonical_json
from ledger.subjects import CivilServant, GovernmentBody
from ledger.values import ReadingPurpose, SubjectType

A = TypeVar("A", bound=Aggregate)
MAX_EVENTS_PER_SAVE = 1000
_SETTINGS_TTL_SECONDS = 10.0
_SUBJECT_CACHE_SIZE = 10_000
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Filing:
    """The answer to a filing: the record id, and whether this call created it."""

    record_id: UUID
    created: bool


class Ledger(RecordSteps, CalendarYears, Evaluations, PeriodEvaluations, Registers, Ratings,
             Application[UUID]):
    """Every fact about credit records, subjects, calendars and rule sets."""

    name = "ledger"
    # Long records are snapshotted (``ledger.snapshots``); IS_SNAPSHOTTING_ENABLED=n turns it
    # off, LEDGER_SNAPSHOT_INTERVAL sets another interval.
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {CreditRecord: SNAPSHOT_INTERVAL}
    snapshot_class = Snapshot

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        clock: Clock = system_clock,
        vault: Vault | None = None,
        regions: RegionTable | None = None,
    ) -> None:
        super().__init__(env)
        self.clock = clock
        self.vault = vault or Vault(os.urandom(32), MemoryKeyStore())
        self.regions = regions or fujian()
        self._settings: LedgerSettings | None = None
        self._subjects: dict[UUID, Aggregate] = {}
        self._filing_lock = threading.RLock()
        self._settings_loaded = 0.0
        interval = self.env.get("LEDGER_SNAPSHOT_INTERVAL")
        if interval:
            self.snapshotting_intervals = {CreditRecord: int(interval)}  # type: ignore[misc]
        window = self.env.get("LEDGER_GROUP_COMMIT_MS")
        self.committer = GroupCommitter(
            self.recorder, window=float(window) / 1000 if window else WINDOW_SECONDS)

    def close(self) -> None:
        if "committer" in self.__dict__:
            self.committer.close()
        super().close()

    def construct_mapper(self) -> Mapper[UUID]:
        return PydanticMapper(transcoder=OrjsonTranscoder())

    def construct_snapshot_store(self) -> EventStore[UUID]:
        recorder = self.factory.aggregate_recorder(purpose="snapshots")
        return EventStore(mapper=SnapshotMapper(transcoder=OrjsonTranscoder()),
                          recorder=recorder)

    def construct_repository(self) -> Repository[UUID]:
        return SnapshotRepository(event_store=self.events, snapshot_store=self.snapshots)

    def take_snapshot(self, aggregate_id: UUID, version: int | None = None,
                      projector_func: ProjectorFunction[Any, Any] = project_aggregate) -> None:
        """A snapshot after a save; taken already (by another process) or failing, the
        command's events are committed all the same, and reads replay a little more."""
        try:
            super().take_snapshot(aggregate_id, version, projector_func)
        except IntegrityError:
            pass
        except PersistenceError as error:
            logger.warning("snapshot of %s at version %s not taken: %s", aggregate_id,
                           version, type(error).__name__)

    # -- loading and saving --------------------------------------------------------------------

    def _get(self, aggregate_id: UUID, cls: type[A], version: int | None = None) -> A:
        aggregate: Any = self.repository.get(aggregate_id, version=version)
        if not isinstance(aggregate, cls):
            raise AggregateNotFoundError(aggregate_id)
        return aggregate

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """``Application.save``; a save of events alone goes the short way of ``save_events``."""
        if kwargs or not all(isinstance(obj, DomainEvent) for obj in objs):
            return super().save(*objs, **kwargs)
        return self.save_events(objs)

    def save_events(self, events: Iterable[DomainEvent]) -> list[Recording[UUID]]:
        """Append events in one transaction (``save`` without its per-object protocol checks).

        The library checks every object against runtime protocols, which costs more than
        encoding the event on Python 3.11; events need none of what those checks decide.
        """
        processing = ProcessingEvent[UUID]()
        processing.events.extend(events)
        recordings = self._record(processing)
        self._notify(recordings)
        return recordings

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        """Events go through the group committer (``ledger.store.group_commit``): one transaction
        with the other commands that arrive meanwhile. ``save(..., also=[write])`` adds a
        write of the caller's own to the same transaction."""
        if processing_event.tracking is not None:
            return super()._record(processing_event)
        also = processing_event.saved_kwargs.get("also", ())
        return self._submit(processing_event.events, also).wait()

    def _submit(self, events: Iterable[Any], also: Iterable[Also] = ()) -> _Submitted:
        """Map the events and queue them for the next batch; ``wait`` for the recordings."""
        domain = list(events)
        stored = [self.mapper.to_stored_event(e) for e in domain]
        return _Submitted(domain, stored, self.committer.submit(stored, list(also)))

    def _save(self, *items: Aggregate | DomainEvent) -> None:
        try:
            self.save(*items)
        except IntegrityError:
            raise ConcurrentChangeError(
                "another command changed this record first; reload and try again"
            ) from None

    def settings(self, *, fresh: bool = False) -> LedgerSettings:
        stale = time.monotonic() - self._settings_loaded > _SETTINGS_TTL_SECONDS
        if self._settings is None or fresh or stale:
            try:
                self._settings = self._get(SETTINGS_ID, LedgerSettings)
            except AggregateNotFoundError:
                self._settings = LedgerSettings.create(
                    LedgerSettings.Created, SETTINGS_ID, Actor(id="system", role=Role.SYSTEM),
                    self.clock(),
                )
            self._settings_loaded = time.monotonic()
        return self._settings

    def _schedule(self, rule_set_id: str | None = None, on: date | None = None) -> Schedule:
        """The record's rule set (or the one in force ``on`` a day, by default today)."""
        settings = self.settings()
        book = settings.rule_book()
        rules = book.get(rule_set_id) if rule_set_id else book.in_force(
            on or business_date(self.clock())
        )
        return Schedule(rules=rules, calendar=settings.calendar())

    def _with_schedule(self, rule_set_id: str | None, step: Callable[[Schedule], Any],
                       on: date | None = None) -> Any:
        """Run a step; if the calendar lacks a year, reload once in case it was just published."""
        try:
            return step(self._schedule(rule_set_id, on))
        except CalendarUnavailableError:
            self.settings(fresh=True)
            return step(self._schedule(rule_set_id, on))

    # -- settings: calendar years and rule sets ------------------------------------------------

    def publish_rule_set(self, cmd: c.PublishRuleSet, actor: Actor) -> None:
        require_role(actor, Role.ADMINISTRATOR)
        settings = self.settings(fresh=True)
        if cmd.rule_set.id in settings.rule_sets or cmd.rule_set.id in {
            r.id for r in settings.rule_book().all()
        }:
            raise ValidationError("a rule set with this id exists; publish a new id",
                                  field="rule_set.id")
        settings.trigger(LedgerSettings.RuleSetPublished, actor, self.clock(),
                         rule_set=cmd.rule_set)
        self._save(settings)

    # -- subjects ------------------------------------------------------------------------------

    def register_body(self, cmd: c.RegisterBody, actor: Actor) -> UUID:
        require_role(actor, Role.ADMINISTRATOR, Role.SOURCE_DEPARTMENT)
        at = self.clock()
        self.regions.get(cmd.region_code, business_date(at), field="region_code")
        if cmd.parent_code is not None:
            self.body(cmd.parent_code, field="parent_code")
        body = GovernmentBody.create(
            GovernmentBody.Created, body_id(cmd.credit_code), actor, at,
            credit_code=cmd.credit_code, name=cmd.name, region_code=cmd.region_code,
            parent_code=cmd.parent_code, kind=cmd.kind,
        )
        return self._create_once(body, lambda: self.body(cmd.credit_code).name == cmd.name,
                                 field="credit_code")

    def register_civil_servant(self, cmd: c.RegisterCivilServant, actor: Actor) -> UUID:
        """Register a civil servant by citizen ID; the name and ID are sealed.

        Registering an ID that is registered already records nothing and answers the existing
        id, whatever name, body or position is given: the answer neither confirms nor denies the
        stored name, so registration cannot be used to test guesses of a person's name. The
        stored details are read only through ``reveal_person``, and that read is logged.
        """
        require_role(actor, Role.ADMINISTRATOR, Role.SOURCE_DEPARTMENT)
        self.body(cmd.body_code, field="body_code")
        person_id = self.vault.person_id(cmd.citizen_id)
        key_id = str(person_id)
        person = CivilServant.create(
            CivilServant.Created, person_id, actor, self.clock(),
            name=self.vault.seal(key_id, cmd.name),
            citizen_id=self.vault.seal(key_id, cmd.citizen_id),
            masked_id=mask_citizen_id(cmd.citizen_id), body_code=cmd.body_code,
            position=cmd.position,
        )
        return self._create_once(person, None, field="citizen_id")

    def _create_once(self, aggregate: Aggregate, same: Callable[[], bool] | None,
                     field: str) -> UUID:
        """Save a new subject; registering the same subject again changes nothing.

        A body registered again with other details is refused (``same`` says whether the
        details match). A civil servant is not compared: see ``register_civil_servant``.
        """
        try:
            self.save(aggregate)
        except IntegrityError:
            if same is not None and not same():
                raise DuplicateFilingError(
                    "already registered with different details", field=field
                ) from None
        return aggregate.id

    def body(self, credit_code: str, field: str = "subject_code") -> GovernmentBody:
        return self._found(body_id(credit_code), GovernmentBody, SubjectNotFoundError(
            "no government body with this credit code is registered", field=field))

    def civil_servant(self, person_id: UUID, version: int | None = None) -> CivilServant:
        return self._found(person_id, CivilServant, SubjectNotFoundError(
            "no civil servant with this ID is registered", field="subject_citizen_id"), version)

    def reveal_person(self, person_id: UUID, actor: Actor, purpose: ReadingPurpose) -> (
        dict[str, str]
    ):
        """A person's name and ID for an authorised reader, for a purpose from the closed list;
        the read itself is logged. An auditor may read anyone's; a department only the data of
        a person it filed a record about (the record's subject), whose identity it already
        holds from its own decision."""
        require_role(actor, Role.AUDITOR, Role.SOURCE_DEPARTMENT)
        purpose = ReadingPurpose(purpose)
        person = self.civil_servant(person_id)
        if actor.role is Role.SOURCE_DEPARTMENT and not any(
            self.record(rid, version=1).content.source.code == actor.subject
            for rid in person.records
        ):
            # Answered like an unknown person, so the refusal tells nothing about who exists.
            raise SubjectNotFoundError("no civil servant with this ID is registered",
                                       field="subject_citizen_id")
        at = self.clock()
        person.trigger(CivilServant.PersonalDataRead, actor, at, purpose=purpose.value,
                       on=business_date(at))
        self._save(person)
        return {"name": self.vault.open(person.name),
                "citizen_id": self.vault.open(person.citizen_id)}

    # -- filing --------------------------------------------------------------------------------

    def _check_filing(self, cmd: c.FileRecord) -> None:
        """The checks a filing needs no look-up for; they run before any subject is looked up,
        so a refusal never tells whether a subject or a responsible person is registered."""
        self.regions.get(cmd.region_code, cmd.decision_date, field="region_code")
        today = business_date(self.clock())
        if cmd.decision_date > today:
            raise ValidationError("must not be in the future", field="decision_date")
        if cmd.filed_on is not None and not cmd.decision_date <= cmd.filed_on <= today:
            raise ValidationError("an original filing day must lie between the decision date "
                                  "and today", field="filed_on")
        if cmd.rectification is not None and cmd.rectification.due is not None and (
            cmd.rectification.due <= (cmd.filed_on or today)
        ):
            raise ValidationError("must be after the filing date", field="rectification_due")

    def _subject(
        self, cmd: c.FileRecord, cache: dict[UUID, Aggregate] | None = None
    ) -> tuple[GovernmentBody | CivilServant, str, str | None]:
        subject: GovernmentBody | CivilServant
        if cmd.subject_type is SubjectType.BODY:
            if cmd.subject_code is None:
                raise ValidationError("is required for a government body", field="subject_code")
            cached = cache.get(body_id(cmd.subject_code)) if cache is not None else None
            subject = cached if isinstance(cached, GovernmentBody) else self.body(cmd.subject_code)
        else:
            if cmd.subject_citizen_id is None:
                raise ValidationError("is required for a civil servant",
                                      field="subject_citizen_id")
            person_id = self.vault.person_id(cmd.subject_citizen_id)
            cached = cache.get(person_id) if cache is not None else None
            subject = cached if isinstance(cached, CivilServant) else self.civil_servant(person_id)
        if cache is not None:
            if len(cache) >= _SUBJECT_CACHE_SIZE:
                cache.clear()
            cache[subject.id] = subject
        if isinstance(subject, GovernmentBody):
            return subject, subject.credit_code, subject.name
        return subject, str(subject.id), None

    def _content(self, cmd: c.FileRecord, subject_id: UUID, code: str, name: str | None,
                 cache: dict[UUID, Aggregate] | None = None) -> RecordContent:
        persons = []
        for n, citizen_id in enumerate(cmd.responsible_citizen_ids, start=1):
            person_id = self.vault.person_id(citizen_id)
            if cache is None or not isinstance(cache.get(person_id), CivilServant):
                try:
                    person = self._get(person_id, CivilServant)
                except AggregateNotFoundError:
                    raise SubjectNotFoundError(f"responsible person {n} is not registered",
                                               field="responsible_citizen_ids") from None
                if cache is not None and len(cache) < _SUBJECT_CACHE_SIZE:
                    cache[person_id] = person
            persons.append(person_id)
        return RecordContent(
            subject_type=cmd.subject_type, subject_id=subject_id, subject_code=code,
            subject_name=name, source=cmd.source.organisation(),
            document_number=cmd.document_number, decision_date=cmd.decision_date,
            deciding_authority=cmd.deciding_authority.organisation(), category=cmd.category,
            domain=cmd.domain, severity=cmd.severity, matter=cmd.matter, facts=cmd.facts,
            legal_basis=cmd.legal_basis, decision_content=cmd.decision_content,
            fine_yuan=cmd.fine_yuan, confiscation_yuan=cmd.confiscation_yuan,
            region_code=cmd.region_code, scope=cmd.scope, responsible_persons=tuple(persons),
            more_matters=cmd.more_matters,
        )

    def prepare_filing(
        self, cmd: c.FileRecord, actor: Actor, subject_cache: dict[UUID, Aggregate] | None = None,
        *, digest: str | None = None, sanctioned_elsewhere: int | None = None,
    ) -> list[DomainEvent]:
        """The events a new filing appends (record and subject listing), not yet saved.

        With ``subject_cache``, subjects (and responsible persons) are taken from and kept in
        it, so several filings of one subject can be prepared before any is saved; the caller
        must drop the cache when a save fails. ``digest`` is ``filing_digest(cmd)`` if the
        caller has it already, and ``sanctioned_elsewhere`` the months of sanctions in force on
        the civil servant from their saved records (``sanctioned_months``), if it keeps count.
        """
        require_role(actor, Role.SOURCE_DEPARTMENT)
        require_department(actor)
        if actor.subject != cmd.source.code:
            raise PermissionDeniedError("a department may file only under its own credit code",
                                        field="source.code")
        self._check_filing(cmd)
        subject, code, name = self._subject(cmd, subject_cache)
        content = self._content(cmd, subject.id, code, name, subject_cache)
        at = self.clock()
        rid = record_id(cmd.source.code, cmd.document_number)
        content_digest = digest or filing_digest(cmd)
        record = self._with_schedule(None, lambda schedule: CreditRecord.file(
            content=content, content_digest=content_digest, actor=actor, at=at,
            schedule=schedule, record_id=rid, request_explanation=cmd.request_explanation,
            rectification=cmd.rectification.requirement if cmd.rectification else None,
            rectification_due=cmd.rectification.due if cmd.rectification else None,
            sanctions=list(cmd.sanctions), filed_on=cmd.filed_on,
            sanctioned_elsewhere=0 if not cmd.sanctions else sanctioned_elsewhere
            if sanctioned_elsewhere is not None else self.sanctioned_months(subject, rid),
        ), on=cmd.filed_on)
        subject.trigger(type(subject).RecordListed, actor, at, record_id=rid)
        return [*record.collect_events(), *subject.collect_events()]

    def sanctioned_months(self, subject: Aggregate, rid: UUID | None = None) -> int:
        """Months of sanctions in force on a civil servant from their saved records."""
        if not isinstance(subject, CivilServant):
            return 0
        saved = load_aggregates(self, (r for r in subject.records if r != rid))
        return sum(s.months for other in saved.values() if isinstance(other, CreditRecord)
                   for s in other.sanctions.values() if not s.lifted)

    def file_record(self, cmd: c.FileRecord, actor: Actor, *,
                    answer: Callable[[Filing], Also] | None = None) -> Filing:
        """File a record; a resend of the same filing returns the existing record.

        ``answer`` gives a write to commit with a new record's events (the stored reply to an
        ``Idempotency-Key``); a resend writes nothing, so it is not called then.

        Filings are prepared one at a time on the cached subjects and queued in that order;
        they wait for their commit side by side, so concurrent filings share transactions.
        """
        rid = record_id(cmd.source.code, cmd.document_number)
        also = [answer(Filing(rid, created=True))] if answer is not None else []
        with self.committer.preparing():
            for _attempt in range(5):
                try:
                    with self._filing_lock:
                        submitted = self._submit(self.prepare_filing(cmd, actor, self._subjects),
                                                 also)
                    self._notify(submitted.wait())
                    return Filing(rid, created=True)
                except IntegrityError:
                    # The record exists already, another process listed a record on the
                    # subject since it was cached, or a filing queued before on the same cached
                    # subject failed.
                    self._forget_subjects()
                except LedgerError:
                    # Refused before anything was triggered on a cached subject; a resend of
                    # an old filing may fail today's checks and is still the same filing.
                    if (existing := self._resent(rid, cmd)) is not None:
                        return existing
                    raise
                except BaseException:
                    self._forget_subjects()
                    raise
                if (existing := self._resent(rid, cmd)) is not None:
                    return existing
        raise ConcurrentChangeError("the subject kept changing; try again",
                                    field="subject_code")

    def _forget_subjects(self) -> None:
        with self._filing_lock:
            self._subjects.clear()

    def _resent(self, rid: UUID, cmd: c.FileRecord) -> Filing | None:
        try:
            record = self._get(rid, CreditRecord, version=1)
        except AggregateNotFoundError:
            return None
        if record.content_digest != filing_digest(cmd):
            raise DuplicateFilingError(
                "this source department already filed this document number with different "
                "content; file a correction instead", field="document_number",
            )
        return Filing(rid, created=False)

    def existing_records(self, ids: Iterable[UUID]) -> set[UUID]:
        """Which of these record ids are already in the log (one query on PostgreSQL)."""
        return existing_originators(self, list(ids))

    def filing_digests(self, ids: Iterable[UUID]) -> dict[UUID, str]:
        """The content digest each of these records was filed with, for those in the log.

        One query on PostgreSQL reads the records' first events, instead of loading each.
        """
        found = {}
        for stored in first_events(self, list(ids)):
            event = self.mapper.to_domain_event(stored)
            if isinstance(event, RecordFiled):
                found[event.originator_id] = event.content_digest
        return found

    # -- record steps --------------------------------------------------------------------------

    def record(self, rid: UUID, version: int | None = None) -> CreditRecord:
        return self._found(rid, CreditRecord, RecordNotFoundError(
            "no record with this id", field="record_id"), version)

    def system_step(self, rid: UUID, step: Callable[[CreditRecord, Schedule], Any]) -> Any:
        """A step the system takes (deadline passed, expiry); retried on a concurrent change."""
        for _attempt in range(5):
            record = self.record(rid)
            result = self._with_schedule(
                record.rule_set_id, lambda s, r=record: step(r, s)  # type: ignore[misc]
            )
            try:
                self.save(record)
                return result
            except IntegrityError:
                continue
        raise ConcurrentChangeError("the record kept changing", field="record_id")

    # -- as-of reads for auditors --------------------------------------------------------------

    def timeline(self, rid: UUID, as_of: datetime | None = None) -> list[DomainEvent]:
        events = [e for e in self.events.get(rid) if isinstance(e, DomainEvent)]
        if not events:
            raise RecordNotFoundError("no record with this id", field="record_id")
        return [e for e in events if as_of is None or e.timestamp <= as_of]

    def record_as_of(self, rid: UUID, as_of: datetime) -> CreditRecord:
        """The record as its events up to ``as_of`` make it: the latest snapshot of a version
        at or before that instant, and the events after it (or every event, without one)."""
        snapshot = latest_snapshot(self.snapshots, rid, at_or_before=as_of)
        if snapshot is not None:
            record: Aggregate = snapshot.mutate(None)
            for event in self.events.get(rid, gt=snapshot.originator_version):
                if isinstance(event, DomainEvent) and event.timestamp <= as_of:
                    record = event.mutate(record)
            if isinstance(record, CreditRecord):
                return record
        replayed = CreditRecord.replay(self.timeline(rid, as_of))
        if replayed is None:
            raise RecordNotFoundError(f"the record did not exist at {as_of.isoformat()}",
                                      field="as_of")
        return replayed

    def records_of_subject(self, subject_id: UUID, as_of: datetime | None = None) -> (
        list[CreditRecord]
    ):
        events = [e for e in self.events.get(subject_id) if isinstance(e, DomainEvent)]
        listed = [e.record_id for e in events if isinstance(
            e, GovernmentBody.RecordListed | CivilServant.RecordListed
        ) and (as_of is None or e.timestamp <= as_of)]
        if as_of is None:
            return [self.record(rid) for rid in listed]
        return [self.record_as_of(rid, as_of) for rid in listed]

    def notifications(self, start: int, limit: int) -> Iterator[Any]:
        return iter(self.recorder.select_notifications(start=start, limit=limit))


@dataclass(frozen=True)
class _Submitted:
    """Events queued for a group commit; ``wait`` answers their recordings."""

    events: list[Any]
    stored: list[StoredEvent]
    pending: Pending

    def wait(self) -> list[Recording[UUID]]:
        ids = self.pending.wait()
        return [Recording(d, Notification(
            originator_id=s.originator_id, originator_version=s.originator_version,
            topic=s.topic, state=s.state, id=n,
        )) for d, s, n in zip(self.events, self.stored, ids, strict=True)]


def require_department(actor: Actor) -> None:
    """A department acts for one named organisation, never for every department."""
    if actor.role is Role.SOURCE_DEPARTMENT and actor.subject is None:
        raise PermissionDeniedError("a department account must name its organisation")


# Fields added to a filing after records were filed, left out of the digest while they hold
# their defaults, so a resend of an older filing is still recognised as the same.
_LATER_FIELDS: dict[str, Any] = {"filed_on": None, "more_matters": []}
_LATER_SANCTION_FIELDS: dict[str, Any] = {"starts_on": None}


def filing_digest(cmd: c.FileRecord) -> str:
    """What makes two filings 'the same': the canonical JSON of the whole command."""
    data = cmd.model_dump(mode="json")
    for name, default in _LATER_FIELDS.items():
        if data.get(name) == default:
            del data[name]
    for order in data["sanctions"]:
        for name, default in _LATER_SANCTION_FIELDS.items():
            if order.get(name) == default:
                del order[name]
    return hashlib.sha256(canonical_json(data)).hexdigest()


def existing_originators(ledger: Ledger, ids: list[UUID]) -> set[UUID]:
    recorder: Any = ledger.recorder
    if getattr(recorder, "datastore", None) is None:
        return {i for i in ids if recorder.select_events(i, limit=1)}
    return {row["originator_id"] for row in _first_rows(recorder, "originator_id", ids)}


def first_events(ledger: Ledger, ids: list[UUID]) -> list[StoredEvent]:
    """The stored first event of each of these aggregates that exists."""
    recorder: Any = ledger.recorder
    if getattr(recorder, "datastore", None) is None:
        return [event for i in ids for event in recorder.select_events(i, limit=1)]
    rows = _first_rows(recorder, "originator_id, originator_version, topic, state", ids)
    return [StoredEvent(originator_id=row["originator_id"],
                        originator_version=row["originator_version"], topic=row["topic"],
                        state=bytes(row["state"])) for row in rows]


def _first_rows(recorder: Any, columns: str, ids: list[UUID]) -> list[Any]:
    """Version-1 rows of these aggregates, in one query on PostgreSQL."""
    if not ids:
        return []
    from psycopg import sql

    datastore = recorder.datastore
    query = sql.SQL(
        "SELECT {} FROM {}.{} WHERE originator_version = 1 AND originator_id = ANY(%s)"
    ).format(sql.SQL(columns), sql.Identifier(datastore.schema or "public"),
             sql.Identifier(recorder.events_table_name))
    with datastore.transaction(commit=False) as curs:
        curs.execute(query, (ids,))
        return list(curs.fetchall())
