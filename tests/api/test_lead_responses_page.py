"""An operator reads the lead response rates per department and per region, reached from the
navigation, and exports them as CSV and xlsx."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from ledger import register_commands as rc
from ledger.events import Role
from tests.support.api import Api, Views, sign_in
from tests.support.registers import lead
from tests.support.world import DEPT, REVIEWER, SOURCE_CODE, FakeClock


def test_an_operator_reads_and_exports_how_each_department_and_region_answered_its_leads(
    api: Api, views: Views, clock: FakeClock,
) -> None:
    ledger = api.services.ledger
    answered = ledger.receive_lead(lead(), REVIEWER).id
    ledger.receive_lead(lead("12345-20260506-0002"), REVIEWER)
    clock.set_date(date(2026, 5, 8))
    ledger.find_lead_unfounded(rc.FindLeadUnfounded(lead_id=answered, reasons="经核查不实"),
                               DEPT)
    views.catch_up()
    sign_in(api, Role.OPERATOR)

    home = api.client.get("/regions")
    assert 'href="/leads/responses"' in home.text
    page = api.client.get("/leads/responses")
    assert page.status_code == 200 and "线索办理响应率" in page.text
    assert SOURCE_CODE in page.text and "50.0%" in page.text  # one answered of two
    by_region = api.client.get("/leads/responses?by=region&region=350100")
    assert by_region.status_code == 200 and "鼓楼区" in by_region.text

    assert api.client.get("/leads/responses?region=999999").status_code < 500
    csv_text = api.client.get("/leads/responses?by=department&format=csv").text
    assert "办结率" in csv_text and SOURCE_CODE in csv_text and "50.0%" in csv_text
    xlsx = api.client.get("/leads/responses?by=region&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert "收到线索" in cells and "350102" in cells

    sign_in(api, Role.SOURCE_DEPARTMENT)
    assert api.client.get("/leads/responses").status_code == 403
