"""Rule sets: every legal default of docs/domain.md as data with effective dates.

A record keeps the rule set in force on the day it was filed; deadlines record the rule-set id
they were computed with, so a rule change applies only to deadlines that start after it.
Built-in rule sets ship as JSON under ``ledger/data/rulesets``; an administrator can publish
more into the ledger (see ``Ledger.publish_rule_set``).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Annotated

from pydantic import Field, model_validator

from ledger.errors import LifecycleError, ValidationError
from ledger.events import Immutable
from ledger.values import Category, Severity
from ledger.versions import Book, Version, load_builtin

# Bounds keep a mistyped rule set (a period of a million years) out of the ledger.
Days = Annotated[int, Field(ge=1, le=3_650)]
OptionalDays = Annotated[int, Field(ge=0, le=3_650)]
Months = Annotated[int, Field(ge=1, le=1_200)]
OptionalMonths = Annotated[int, Field(ge=0, le=1_200)]


class PublicityWindow(Immutable):
    published: bool
    min_months: OptionalMonths
    max_months: OptionalMonths

    @model_validator(mode="after")
    def _ordered(self) -> PublicityWindow:
        if self.max_months < self.min_months:
            raise ValueError("max_months is below min_months")
        return self


class RuleSet(Version):
    """One version of the rules: periods in working days (``_working_days``) or days/months."""

    explanation_working_days: Days
    rectification_days: Days
    rectification_extensions: Annotated[int, Field(ge=0, le=10)]
    objection_mark_working_days: Days
    objection_acceptance_working_days: Days
    objection_forwarding_working_days: Days
    objection_decision_working_days: Days
    objection_case_working_days: Days
    objection_extension_cap_working_days: OptionalDays
    review_request_days: Days
    review_decision_working_days: Days
    revocation_working_days: Days
    repair_forwarding_working_days: Days
    repair_decision_working_days: Days
    repair_answer_working_days: Days
    repair_extension_working_days: OptionalDays
    repair_propagation_working_days: Days
    repair_repeat_limit: Annotated[int, Field(ge=0, le=100)] | None
    repair_revocation_bar_months: Months = 24
    """A repair obtained with false material is revoked, and its subject may not apply for
    repair again for this many months (失信行为纠正后的信用信息修复管理办法（试行）, NDRC Order
    58, art. 20: two years; kept under Order 36 until the province confirms its clause)."""
    publicity: dict[Severity, PublicityWindow]
    long_minimum_matters: list[Annotated[str, Field(min_length=1, max_length=200)]]
    long_minimum_months: OptionalMonths
    dishonest_debtor_months: Months
    listing_removal_working_days: Days = 3
    """A dishonest debtor's listing is removed within this many working days of performance
    (SPC 2017 rules on the list of dishonest judgment debtors, art. 10)."""
    listing_extension_max_years: Annotated[int, Field(ge=1, le=10)] = 3
    """A listing can be extended once by one year up to this many (SPC 2017 rules, art. 2)."""
    lead_verification_working_days: Days = 15
    """A lead (线索: a 12345 call, a deputy's suggestion, a media report …) is verified by the
    department it was sent to within this many working days. No national rule sets it for
    integrity leads: an assumption (**A**) after the 12345 hotlines' practice for complex
    requests, to be confirmed by the province."""
    warning_acknowledgement_working_days: Days = 5
    """An early warning (预警) is acknowledged by its region's operator within this many working
    days, or it is escalated to the region above. The provincial plan asks for early warning and
    supervision without a period: an assumption (**A**), to be confirmed by the province."""
    serious_dishonesty_serious_records: Annotated[int, Field(ge=1, le=100)] = 1
    """A subject with this many serious (严重) records in force is flagged seriously dishonest
    (严重失信). 国发〔2016〕76号 asks for the seriously dishonest in government integrity to be
    named and disciplined; the province's list rules are not yet issued, so the number is an
    assumption (**A**) after 国办发〔2020〕49号 (serious acts only), to be confirmed."""
    serious_dishonesty_records: Annotated[int, Field(ge=1, le=100)] = 3
    """… or with this many general or serious records in force (repeated dishonesty: an
    assumption **A**, to be confirmed by the province)."""
    serious_dishonesty_categories: list[Category] = Field(
        default_factory=lambda: [Category.DISHONEST_JUDGMENT_DEBTOR])
    """… or with one record in force of one of these categories: a body listed as a dishonest
    judgment debtor (government bodies on the court's list are the plan's first target; the
    criterion itself is an assumption **A**)."""
    serious_dishonesty_public: bool = False
    """Whether the flag is shown on the public pages (bodies only, never a civil servant). Not
    public unless the province decides so: 国办发〔2020〕49号 keeps lists to what law provides."""
    sanction_periods_months: list[Months] = Field(min_length=1)
    sanction_cap_months: Months
    reminder_working_days_before: list[Days]
    urge_after_working_days: Days
    escalate_after_working_days: Days

    @model_validator(mode="after")
    def _complete(self) -> RuleSet:
        missing = set(Severity) - set(self.publicity)
        if missing:
            raise ValueError(f"publicity has no window for {sorted(missing)}")
        return self

    def publicity_window(self, category: Category, severity: Severity, matter: str | None,
                         *more: str) -> PublicityWindow:
        """The window for a record: debtor listings and long-minimum matters have their own; a
        decision naming several penalty matters takes the longest of their windows."""
        if more:
            windows = [self.publicity_window(category, severity, m) for m in (matter, *more)]
            return PublicityWindow(published=any(w.published for w in windows),
                                   min_months=max(w.min_months for w in windows),
                                   max_months=max(w.max_months for w in windows))
        if category is Category.DISHONEST_JUDGMENT_DEBTOR:
            return PublicityWindow(
                published=True, min_months=0, max_months=self.dishonest_debtor_months
            )
        window = self.publicity[severity]
        if matter is not None and matter in self.long_minimum_matters:
            minimum = max(window.min_months, self.long_minimum_months)
            return PublicityWindow(
                published=window.published, min_months=minimum, max_months=window.max_months
            )
        return window

    def check_sanction_period(self, months: int, already_months: int = 0) -> None:
        if months not in self.sanction_periods_months:
            raise ValidationError(
                f"must be one of {self.sanction_periods_months} months under {self.id}",
                field="months",
            )
        if already_months + months > self.sanction_cap_months:
            raise LifecycleError(
                f"sanction periods would total {already_months + months} months, "
                f"over the cap of {self.sanction_cap_months}",
                field="months",
            )


@cache
def builtin_rule_sets() -> tuple[RuleSet, ...]:
    return load_builtin(RuleSet, "rulesets")


class RuleBook(Book[RuleSet]):
    """All rule sets known to the ledger; picks the one in force on a date."""

    what, field = "rule set", "filed_on"

    def __init__(self, published: Iterable[RuleSet] = ()) -> None:
        super().__init__(builtin_rule_sets(), published)

    def get(self, rule_set_id: str) -> RuleSet:
        try:
            return self._by_id[rule_set_id]
        except KeyError:
            raise ValidationError(
                f"unknown rule set {rule_set_id!r}", field="rule_set_id"
            ) from None
