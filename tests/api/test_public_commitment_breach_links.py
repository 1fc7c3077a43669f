"""A visitor reading the public commitments follows a breached commitment to its record when
that record is public, and sees no link (which would lead nowhere) when it is not."""

from __future__ import annotations

from ledger import register_commands as rc
from tests.support.api import Api, Views
from tests.support.registers import commitments_made, short_filing
from tests.support.world import DEPT


def test_the_public_commitments_link_a_breach_record_only_where_the_public_may_read_it(
    api: Api, views: Views,
) -> None:
    ledger = api.services.ledger
    shown, kept_inside = commitments_made(ledger, 2)
    public = ledger.find_breach(rc.FindBreach(commitment_id=shown, finding="逾期未付款",
                                              filing=short_filing(1)), DEPT)
    internal = ledger.find_breach(rc.FindBreach(
        commitment_id=kept_inside, finding="逾期未付款",
        filing=short_filing(2, scope="shared")), DEPT)
    views.catch_up()
    api.client.cookies.clear()

    page = api.client.get("/commitments").text
    assert f'href="/disclosure/records/{public}"' in page
    assert str(internal) not in page
    assert api.client.get(f"/disclosure/records/{public}").status_code == 200
    listed = {r["commitment_id"]: r.get("record_id")
              for r in api.client.get("/api/v1/public/commitments").json()}
    assert listed == {str(shown): str(public), str(kept_inside): None}
    exported = api.client.get("/commitments?format=csv").text
    assert "已失信" in exported and str(internal) not in exported
