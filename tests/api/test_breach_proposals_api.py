"""Over the API, a department proposes a commitment's breach and a platform reviewer confirms
it, filing the record, or declines it with reasons; the department cannot confirm its own."""

from __future__ import annotations

from datetime import date

from ledger.events import Role
from tests.support.api import Api
from tests.support.world import BODY_CODE, SOURCE_CODE

FILING = {"document_number": "闽纪认〔2026〕1号", "decision_date": "2026-05-06",
          "severity": "general", "legal_basis": "《保障中小企业款项支付条例》第八条",
          "decision_content": "认定失信并予以公示。"}


def make(api: Api, reference: str) -> str:
    made = api.client.post("/api/v1/commitments", headers=api.headers(Role.SOURCE_DEPARTMENT),
                           json={"department": {"name": "福建省纪委监委", "code": SOURCE_CODE},
                                 "reference": reference, "maker_code": BODY_CODE,
                                 "kind": "payment", "content": "按期付款",
                                 "source_document": "鼓自然〔2026〕8号", "made_to": "某公司",
                                 "made_on": date(2026, 5, 6).isoformat(),
                                 "due": "2026-06-30", "public": True})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def test_a_reviewer_confirms_one_proposed_breach_and_declines_another_over_the_api(
    api: Api,
) -> None:
    department, reviewer = api.headers(Role.SOURCE_DEPARTMENT), api.headers(Role.PLATFORM_REVIEWER)
    first, second = make(api, "闽承诺〔2026〕1号"), make(api, "闽承诺〔2026〕2号")
    base = "/api/v1/commitments"
    for cid, number in ((first, 1), (second, 2)):
        filing = FILING | {"document_number": f"闽纪认〔2026〕{number}号"}
        proposal = api.client.post(f"{base}/{cid}/breach/proposal", headers=department,
                                   json={"finding": "逾期未付款", "filing": filing})
        assert proposal.status_code == 204, proposal.text

    assert api.client.post(f"{base}/{first}/breach/confirmation",
                           headers=department).status_code == 403
    confirmed = api.client.post(f"{base}/{first}/breach/confirmation", headers=reviewer)
    assert confirmed.status_code == 201, confirmed.text
    rid = confirmed.json()["record_id"]
    record = api.client.get(f"/api/v1/records/{rid}", headers=department)
    assert record.status_code == 200 and "breach_of_commitment" in record.text

    empty = api.client.post(f"{base}/{second}/breach/declination", headers=reviewer, json={})
    assert empty.status_code == 422 and "reasons" in empty.text
    declined = api.client.post(f"{base}/{second}/breach/declination", headers=reviewer,
                               json={"reasons": "不构成失信"})
    assert declined.status_code == 204
    again = api.client.post(f"{base}/{second}/breach/confirmation", headers=reviewer)
    assert again.status_code == 409 and "no breach is proposed" in again.text
