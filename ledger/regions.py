"""The dated GB/T 2260 region table for Fujian and the reporting tree records roll up along.

Codes change when a county becomes a district (长乐市 350182 became 长乐区 350112 in 2017), and
a record keeps the code that was in force on its own date. So every entry carries the period it
was in force: ``valid_from`` inclusive, ``valid_to`` exclusive, either end open when ``None``.
A retired code names its ``successor``, whose ``valid_from`` is the retired code's ``valid_to``,
so on any date exactly one of the two is in force.

The reporting tree is not always the code tree: 平潭 keeps its county code 350128 under Fuzhou,
but as the comprehensive experimental zone it reports to the province directly. ``reports_to``
says where an entry reports; it defaults to ``parent``.

The table is data (``ledger/data/regions_fujian.json``), replaced when the code list changes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, TypeAdapter, model_validator

from ledger.errors import UnknownRegionError

PROVINCE = "350000"
_CODE = re.compile(r"[0-9]{6}")
Code = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]


class Region(BaseModel):
    """One administrative division as GB/T 2260 lists it for a period."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: Code
    name: str
    name_en: str
    level: Literal["province", "city", "county"]
    parent: Code | None
    valid_from: date | None
    valid_to: date | None
    successor: Code | None
    reports_to: Code | None = None

    @model_validator(mode="before")
    @classmethod
    def _reports_to_parent_by_default(cls, data: Any) -> Any:
        if isinstance(data, dict) and "reports_to" not in data:
            return {**data, "reports_to": data.get("parent")}
        return data

    @property
    def retired(self) -> bool:
        """Whether the code has gone out of use."""
        return self.valid_to is not None

    def in_force_on(self, on: date) -> bool:
        """Whether a record dated ``on`` may carry this code."""
        started = self.valid_from is None or self.valid_from <= on
        return started and (self.valid_to is None or on < self.valid_to)


_REGIONS = TypeAdapter(list[Region])


class RegionTable:
    """Every Fujian region code, past and present, with lookups by date and by reporting tree."""

    def __init__(self, regions: Iterable[Region]) -> None:
        self._by_code: dict[str, Region] = {}
        for region in regions:
            if region.code in self._by_code:
                raise ValueError(f"region {region.code} is listed twice")
            self._by_code[region.code] = region
        self._check()

    @classmethod
    def from_json(cls, text: str) -> RegionTable:
        """Build a table from the JSON list stored in ``ledger/data``."""
        return cls(_REGIONS.validate_python(json.loads(text)))

    def get(self, code: str, on: date | None = None, *, field: str = "region_code") -> Region:
        """The region with this code; with ``on``, only if the code was in force that day.

        Without ``on`` any code the table knows is returned, retired or not.
        """
        if not _CODE.fullmatch(code):
            raise UnknownRegionError(f"{code!r} is not a 6-digit region code", field=field)
        region = self._by_code.get(code)
        if region is None:
            raise UnknownRegionError(f"{code} is not a Fujian region code", field=field)
        if on is not None and not region.in_force_on(on):
            raise UnknownRegionError(self._not_in_force(region, on), field=field)
        return region

    def current(self, code: str, *, field: str = "region_code") -> Region:
        """The region now in force for ``code``, following successors of retired codes."""
        region = self.get(code, field=field)
        while region.successor is not None:
            region = self._by_code[region.successor]
        return region

    def name_of(self, code: str, lang: str = "zh") -> str | None:
        """The current name of ``code`` (old codes included), or ``None`` for a code the table
        does not know: lists show such a code as it is."""
        try:
            region = self.current(code)
        except UnknownRegionError:
            return None
        return region.name_en if lang == "en" else region.name

    def reporting_chain(self, code: str, *, field: str = "region_code") -> list[str]:
        """Current codes from ``code`` up to the province along ``reports_to``.

        A retired code rolls up as its successor, so old records count where their area is now.
        """
        region = self.current(code, field=field)
        chain = [region.code]
        while region.reports_to is not None:
            region = self.current(region.reports_to)
            chain.append(region.code)
        return chain

    def under(self, code: str, *, field: str = "region_code") -> list[str]:
        """Every code, retired ones too, whose records roll up to ``code`` (itself included)."""
        top = self.current(code, field=field).code
        return sorted(c for c in self._by_code if top in self.reporting_chain(c))

    def children(self, code: str, *, field: str = "region_code") -> list[Region]:
        """Current regions that report directly to ``code`` (or to its successor)."""
        parent = self.current(code, field=field).code
        return [r for r in self._by_code.values() if r.reports_to == parent and not r.retired]

    def all(self, on: date | None = None) -> list[Region]:
        """Every region in force on ``on``; without a date, every region the table knows."""
        regions = self._by_code.values()
        return [r for r in regions if on is None or r.in_force_on(on)]

    def _not_in_force(self, region: Region, on: date) -> str:
        if region.valid_from is not None and on < region.valid_from:
            return f"{region.code} ({region.name}) came into force on {region.valid_from}"
        return (
            f"{region.code} ({region.name}) was retired on {region.valid_to}; "
            f"use {self.current(region.code).code}"
        )

    def _check(self) -> None:
        # A broken table would misroute roll-ups silently, so refuse it at load.
        for region in self._by_code.values():
            for link in (region.parent, region.reports_to, region.successor):
                if link is not None and link not in self._by_code:
                    raise ValueError(f"region {region.code} points to unknown region {link}")
            if region.retired and region.successor is None:
                raise ValueError(f"retired region {region.code} has no successor to roll up to")
            successor = self._by_code.get(region.successor or "")
            if successor is not None and successor.valid_from != region.valid_to:
                # A gap would refuse every code for some days; an overlap would count twice.
                raise ValueError(f"region {region.code} and its successor do not meet on one day")
        for code in self._by_code:
            self._check_reaches_province(code)

    def _check_reaches_province(self, code: str) -> None:
        seen = {code}
        region = self._by_code[code]
        while (link := region.successor or region.reports_to) is not None:
            if link in seen:
                raise ValueError(f"region {code} leads into a cycle at {link}")
            seen.add(link)
            region = self._by_code[link]
        if region.code != PROVINCE:
            raise ValueError(f"region {code} does not report up to {PROVINCE}")


@cache
def fujian() -> RegionTable:
    """The Fujian region table shipped with the ledger, loaded once."""
    data = resources.files("ledger").joinpath("data/regions_fujian.json")
    return RegionTable.from_json(data.read_text(encoding="utf-8"))
