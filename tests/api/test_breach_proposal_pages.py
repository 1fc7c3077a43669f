"""On the pages, a department proposes a commitment's breach from its commitments list, and a
reviewer finds it among the proposed breaches and confirms it (the record is filed) or
declines another with reasons; all without JavaScript."""

from __future__ import annotations

from ledger.events import Role
from tests.support.api import Api, Views, csrf, sign_in
from tests.support.registers import commitments_made

FORM = {"finding": "逾期未付款，经核实属实", "decision_date": "2026-05-06",
        "severity": "general", "legal_basis": "《保障中小企业款项支付条例》第八条",
        "decision_content": "认定失信并予以公示。"}


def test_a_department_proposes_a_breach_and_a_reviewer_confirms_one_and_declines_another(
    api: Api, views: Views,
) -> None:
    ledger = api.services.ledger
    first, second = commitments_made(ledger, 2)
    views.catch_up()
    sign_in(api, Role.SOURCE_DEPARTMENT)
    listing = api.client.get("/department/commitments")
    assert f'formaction="/department/commitments/{first}/breach/proposal"' in listing.text
    for cid, number in ((first, 1), (second, 2)):
        sent = api.client.post(f"/department/commitments/{cid}/breach/proposal", data=FORM | {
            "document_number": f"闽纪认〔2026〕{number}号", "csrf": csrf(listing.text)},
            follow_redirects=False)
        assert sent.status_code == 303, sent.text
    views.catch_up()
    assert "待复核确认" in api.client.get("/department/commitments").text
    assert api.client.get("/review/breaches").status_code == 403

    sign_in(api, Role.PLATFORM_REVIEWER)
    page = api.client.get("/review/breaches")
    assert page.status_code == 200 and "闽纪认〔2026〕1号" in page.text
    assert 'href="/review/breaches"' in page.text
    token = csrf(page.text)
    confirmed = api.client.post(f"/review/breaches/{first}/confirmation",
                                data={"csrf": token}, follow_redirects=False)
    assert confirmed.status_code == 303
    declined = api.client.post(f"/review/breaches/{second}/declination",
                               data={"csrf": token, "reasons": "不构成失信"},
                               follow_redirects=False)
    assert declined.status_code == 303
    views.catch_up()
    assert "闽纪认〔2026〕" not in api.client.get("/review/breaches").text
    assert ledger.commitment(first).record_id is not None
    assert ledger.commitment(second).record_id is None
