"""Response headers on pages: a content security policy with no inline script, no framing,
no MIME sniffing and no referrer leaving the site.

Before the headers middleware, no response carried these headers and these tests failed.
"""

from __future__ import annotations

import re

from ledger.events import Role
from tests.support.api import Api, Views, sign_in

FORBIDDEN = re.compile(r"<script|<style|\sstyle=|\son[a-z]+=|javascript:")
ELSEWHERE = re.compile(r'(?:src|action)="(?:https?:)?//|<link[^>]+href="(?:https?:)?//')
PAGES = ["/", "/login", "/?lang=en", "/static/site.css", "/api/v1/public/records",
         "/no-such-page"]


def test_every_page_forbids_framing_inline_scripts_sniffing_and_cross_site_referrers(
    api: Api, views: Views,
) -> None:
    for path in PAGES:
        response = api.client.get(path)
        policy = response.headers.get("content-security-policy", "")
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
        assert directives.get("default-src") == "'self'", path
        assert directives.get("frame-ancestors") == "'none'", path
        assert directives.get("base-uri") == "'none'", path
        assert directives.get("form-action") == "'self'", path
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
        assert response.headers.get("x-content-type-options") == "nosniff", path
        assert response.headers.get("referrer-policy") == "same-origin", path
        if response.headers["content-type"].startswith("text/html"):
            assert FORBIDDEN.search(response.text) is None, path
            assert ELSEWHERE.search(response.text) is None, path


def test_a_signed_in_page_is_covered_and_needs_nothing_the_policy_forbids(
    api: Api, views: Views,
) -> None:
    sign_in(api, Role.PLATFORM_REVIEWER)

    page = api.client.get("/review")

    assert page.status_code == 200
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert FORBIDDEN.search(page.text) is None
    assert ELSEWHERE.search(page.text) is None


def test_the_api_docs_are_not_framed_either(api: Api) -> None:
    docs = api.client.get("/docs")

    assert docs.status_code == 200
    assert docs.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert docs.headers["x-content-type-options"] == "nosniff"
