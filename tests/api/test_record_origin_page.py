"""A department reads, on a record filed on a 12345 lead, the lead it came from, and on the
lead the record it became."""

from __future__ import annotations

from ledger import register_commands as rc
from ledger.events import Role
from tests.support.api import Api, Views, sign_in
from tests.support.registers import lead, short_filing
from tests.support.world import DEPT, REVIEWER, filing


def test_a_record_filed_on_a_lead_links_back_to_the_lead_and_the_lead_to_the_record(
    api: Api, views: Views,
) -> None:
    ledger = api.services.ledger
    lead_id = ledger.receive_lead(lead(), REVIEWER).id
    rid = ledger.file_record_on_lead(rc.FileRecordOnLead(
        lead_id=lead_id, filing=short_filing(category="accountability")), DEPT)
    other = ledger.file_record(filing(7), DEPT).record_id
    views.catch_up()
    sign_in(api, Role.SOURCE_DEPARTMENT)

    record_page = api.client.get(f"/department/records/{rid}")
    assert record_page.status_code == 200
    assert f'href="/department/leads/{lead_id}"' in record_page.text
    assert "来源线索" in record_page.text
    lead_page = api.client.get(f"/department/leads/{lead_id}")
    assert f'href="/department/records/{rid}"' in lead_page.text
    assert "来源线索" not in api.client.get(f"/department/records/{other}").text

