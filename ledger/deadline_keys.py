"""A deadline's key as a value: which deadline of an aggregate it is.

The text form (``str(key)``) is stored in events, in workflow ids (``record-<id>-<key>``) and in
the views, so it never changes: ``explanation``, ``listing-removal``, ``objection-3-mark``,
``repair-1-propagation``. ``DeadlineKey.parse`` reads it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ledger.errors import ValidationError
from ledger.values import DeadlineKind

ObjectionStep = Literal["mark", "case", "acceptance", "forwarding", "decision", "review"]
RepairStep = Literal["forwarding", "answer", "decision", "propagation"]

SINGLE = ("explanation", "rectification", "revocation", "listing-removal", "due",
          "verification", "acknowledgement")
"""Families with one deadline each (``due`` is a commitment's, ``verification`` a lead's,
``acknowledgement`` a warning's)."""
STEPS: dict[str, tuple[str, ...]] = {
    "objection": ("mark", "case", "acceptance", "forwarding", "decision", "review"),
    "repair": ("forwarding", "answer", "decision", "propagation"),
}
"""Families with a numbered matter (the record's n-th objection or repair) and its steps."""


@dataclass(frozen=True)
class DeadlineKey:
    """A deadline's family, the matter's number and the step, for families that have them."""

    family: str
    number: int | None = None
    step: str | None = None

    def __post_init__(self) -> None:
        if self.family in SINGLE:
            if self.number is not None or self.step is not None:
                raise ValidationError(f"{self.family} has no matter number or step", field="key")
        elif self.family not in STEPS:
            raise ValidationError(f"unknown deadline family {self.family!r}", field="key")
        elif self.number is None or self.number < 1:
            raise ValidationError(f"{self.family} needs a matter number from 1", field="key")
        elif self.step not in STEPS[self.family]:
            raise ValidationError(f"{self.family} has no step {self.step!r}", field="key")

    @classmethod
    def objection(cls, number: int, step: ObjectionStep) -> DeadlineKey:
        return cls("objection", number, step)

    @classmethod
    def repair(cls, number: int, step: RepairStep) -> DeadlineKey:
        return cls("repair", number, step)

    @classmethod
    def parse(cls, text: str) -> DeadlineKey:
        """The key written as ``text``; malformed text is refused, naming the field ``key``."""
        if text in SINGLE:
            return cls(text)
        parts = text.split("-")
        number = parts[1] if len(parts) == 3 else ""
        # Digits only and no leading zero, so that str() gives back exactly the text parsed.
        if not (number.isascii() and number.isdigit() and not number.startswith("0")):
            raise ValidationError(f"not a deadline key: {text!r}", field="key")
        return cls(parts[0], int(number), parts[2])

    @property
    def matter(self) -> str | None:
        """The matter the deadline belongs to (``objection-3``), or ``None``."""
        return None if self.number is None else f"{self.family}-{self.number}"

    @property
    def kind(self) -> DeadlineKind | None:
        """The kind of a numbered matter's deadline (a review's decision is its own kind)."""
        if self.number is None:
            return None
        if self.step == "review":
            return DeadlineKind.REVIEW_DECISION
        return DeadlineKind(f"{self.family}_{self.step}")

    def __str__(self) -> str:
        return self.family if self.matter is None else f"{self.matter}-{self.step}"
