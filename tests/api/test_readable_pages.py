"""Pages and files as a person reads them: a timeline in the page's language and time zone,
exports with labels and spreadsheet types, a Chinese web font, a region evaluation that adds up."""

from __future__ import annotations

import re

from tests.api.conftest import Api


def test_a_machine_without_chinese_fonts_gets_the_pages_web_font(api: Api) -> None:
    css = api.client.get("/static/site.css").text
    face = re.search(r'@font-face \{ font-family: "([^"]+)"; src: url\("([^"]+)"\)', css)
    assert face is not None
    family, url = face.groups()
    body = re.search(r"body \{ font-family: ([^;]+);", css)
    assert body is not None and f'"{family}"' in body.group(1)

    font = api.client.get(url)

    assert font.status_code == 200 and font.headers["content-type"] == "font/woff2"
    assert font.content[:4] == b"wOF2" and len(font.content) > 1_000_000
    page = api.client.get("/")
    assert '<link rel="stylesheet" href="/static/site.css">' in page.text
