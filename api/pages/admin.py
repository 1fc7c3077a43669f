"""The administrator's calendar page: published years, who waits, and publishing a year."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from api.auth import Account
from api.deps import ServicesDep
from api.pages import check_csrf, page_role, render
from ledger import access
from ledger import commands as c
from ledger.calendar import PublishedYear
from ledger.errors import ValidationError

router = APIRouter(tags=["pages"])
ADMINISTRATORS = page_role(*access.ADMINISTRATORS)
_SPAN = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\s*[~～至]\s*(\d{4}-\d{2}-\d{2}))?$")


@router.get("/admin/calendar", response_class=Response)
def calendar_page(request: Request, services: ServicesDep,
                  account: Annotated[Account, ADMINISTRATORS]) -> Response:
    """The working-day calendar: published years, the last countable day, waiting deadlines."""
    return _page(request, services, account)


@router.post("/admin/calendar/years", response_class=Response)
def publish_year(
    request: Request, services: ServicesDep, account: Annotated[Account, ADMINISTRATORS],
    csrf: Annotated[str, Form()], year: Annotated[int, Form(ge=1900, le=9999)],
    notice: Annotated[str, Form(max_length=200)],
    holidays: Annotated[str, Form(max_length=5000)] = "",
    workdays: Annotated[str, Form(max_length=5000)] = "",
    revision: Annotated[int, Form(ge=1, le=99)] = 1,
) -> Response:
    """Publish a year from the State Council's notice; the deadlines waiting for it are dated."""
    check_csrf(request, csrf)
    form = {"year": year, "notice": notice, "holidays": holidays, "workdays": workdays,
            "revision": revision}
    try:
        published = PublishedYear(year=year, notice=notice, revision=revision,
                                  holidays=days(holidays, "holidays"),
                                  workdays=days(workdays, "workdays"))
        dated = services.ledger.publish_calendar_year(c.PublishCalendarYear(year=published),
                                                      account.actor())
    except ValidationError as error:
        return _page(request, services, account, error=str(error), form=form, status=422)
    except ValueError as error:  # pydantic's, with the field in its text
        return _page(request, services, account, error=str(error).splitlines()[-1].strip()
                     or str(error), form=form, status=422)
    message = (f"已发布{year}年（第{revision}版，{notice}）；{dated}个等待中的时限已确定截止日期。"
               if request.cookies.get("lang") != "en" else
               f"Published {year} (revision {revision}, {notice}); {dated} waiting deadline(s) "
               "dated.")
    return _page(request, services, account, message=message)


def days(text: str, field: str) -> tuple[date, ...]:
    """Dates typed as ``2027-01-01`` or spans ``2027-02-06~2027-02-12``, one per line or
    separated by commas."""
    found: list[date] = []
    for item in (part.strip() for part in re.split(r"[,，、;\n]+", text)):
        if not item:
            continue
        match = _SPAN.match(item)
        try:
            if match is None:
                raise ValueError
            first = date.fromisoformat(match.group(1))
            last = date.fromisoformat(match.group(2) or match.group(1))
        except ValueError:
            raise ValidationError(f"{item!r} is not a date (YYYY-MM-DD) or a span "
                                  "(YYYY-MM-DD~YYYY-MM-DD)", field=field) from None
        if last < first or (last - first).days > 60:
            raise ValidationError(f"{item!r} is not a span of at most 60 days", field=field)
        found += [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return tuple(found)


def _page(request: Request, services: ServicesDep, account: Account, *,
          error: str | None = None, message: str | None = None,
          form: dict[str, object] | None = None, status: int = 200) -> Response:
    state = services.ledger.calendar_status(services.today())
    return render(request, "calendar.html", {
        "state": state, "error": error, "message": message,
        "form": form or {"year": state.next_year, "notice": "", "holidays": "", "workdays": "",
                         "revision": 1},
    }, account=account, status=status)
