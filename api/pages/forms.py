"""The filter forms of the list pages, and their page links.

A form sends every field, so an empty select or number field arrives as an empty string: it
means "no filter". A value that is not empty and not valid is named in a message shown above
the form, in the page's language, and the page keeps what was typed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from api.i18n import translator
from ledger.errors import UnknownRegionError
from ledger.regions import RegionTable

_SHOWN = 40  # characters of a bad value repeated in its message
PER_PAGE = 20
"""Rows on a page of a list."""


class FilterForm:
    """Reads a GET form's fields one by one, collecting a message for each bad value."""

    def __init__(self, lang: str, labels: dict[str, str] | None = None) -> None:
        self.t = translator(lang)
        self.labels = labels or {}  # a field's text key, where it is not the field's name
        self.typed: dict[str, str] = {}
        self.errors: dict[str, str] = {}

    def _given(self, name: str, value: str | None) -> str | None:
        text = (value or "").strip()
        self.typed[name] = value or ""
        return text or None

    def _refuse(self, name: str, key: str, **values: Any) -> None:
        shown = self.typed[name].strip()
        shown = shown if len(shown) <= _SHOWN else shown[:_SHOWN] + "…"
        label = self.t(self.labels.get(name, name))
        self.errors[name] = self.t(key).format(label=label, value=shown, **values)

    def text(self, name: str, value: str | None, *, max_length: int) -> str | None:
        found = self._given(name, value)
        if found is not None and len(found) > max_length:
            self._refuse(name, "too_long", n=max_length)
            return None
        return found

    def choice(self, name: str, value: str | None, allowed: Iterable[str]) -> str | None:
        found = self._given(name, value)
        if found is not None and found not in set(allowed):
            self._refuse(name, "bad_choice")
            return None
        return found

    def region(self, name: str, value: str | None, regions: RegionTable) -> str | None:
        """A region code the table knows (a retired one too: it rolls up to its successor)."""
        found = self._given(name, value)
        if found is None:
            return None
        try:
            return regions.get(found, field=name).code
        except UnknownRegionError:
            self._refuse(name, "bad_region")
            return None

    def number(self, name: str, value: str | None, *, low: int, high: int) -> int | None:
        found = self._given(name, value)
        if found is None:
            return None
        if not _digits(found) or not low <= int(found) <= high:
            self._refuse(name, "bad_number", low=low, high=high)
            return None
        return int(found)

    def flag(self, name: str, value: str | None) -> bool:
        """A checkbox: sent as ``true`` when ticked, absent (or ``false``) when not."""
        found = self._given(name, value)
        if found is None or found.lower() in ("false", "0", "off", "no"):
            return False
        if found.lower() in ("true", "1", "on", "yes"):
            return True
        self._refuse(name, "bad_choice")
        return False


def _digits(text: str) -> bool:
    """Whether ``text`` is a whole number small enough to read (``int`` refuses thousands of
    digits)."""
    return text.isascii() and text.isdigit() and len(text.lstrip("0")) <= 9


def page_number(value: str | None) -> int:
    """The page asked for; anything that is not a page number asks for the first, and a
    number too long to read for one past any last page."""
    text = (value or "").strip()
    if text.isascii() and text.isdigit() and not _digits(text):
        return 10**9
    return int(text) if _digits(text) and int(text) >= 1 else 1


def page_count(total: int, per_page: int = PER_PAGE) -> int:
    """How many pages ``total`` rows fill; an empty list is one page."""
    return max(1, -(-total // per_page))


def pager(page: int, pages: int, filters: dict[str, Any]) -> list[dict[str, Any]]:
    """Links to the first and last pages and to two either side of this one; ``None`` where
    pages are left out."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links: list[dict[str, Any]] = []
    for number in shown:
        if links and number > links[-1]["page"] + 1:
            links.append({"page": None})
        links.append({"page": number, "current": number == page,
                      "href": "?" + urlencode({**filters, "page": number})})
    return links if pages > 1 else []
