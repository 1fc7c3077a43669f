"""The views the followers maintain, by name."""

from __future__ import annotations

from projections.commitments import CommitmentRegister
from projections.deadlines import OpenDeadlines
from projections.disclosure import PublicDisclosure
from projections.leads import LeadRegister
from projections.ratings import ThirdPartyRatings
from projections.records import RecordView
from projections.rollup import RegionRollup
from projections.subjects import SubjectStatus
from projections.view import VIEWS_SCHEMA, View
from projections.warnings import WarningBoard

VIEWS: tuple[type[View], ...] = (
    RecordView, OpenDeadlines, PublicDisclosure, SubjectStatus, RegionRollup,
    CommitmentRegister, LeadRegister, ThirdPartyRatings, WarningBoard,
)


def view_names() -> list[str]:
    return [cls.name for cls in VIEWS]


def view_class(name: str) -> type[View]:
    """The view class called ``name``; a ``KeyError`` lists the known names."""
    for cls in VIEWS:
        if cls.name == name:
            return cls
    raise KeyError(f"no view named {name!r}; known views: {', '.join(view_names())}")


def all_views(schema: str = VIEWS_SCHEMA) -> list[View]:
    return [cls(schema) for cls in VIEWS]
