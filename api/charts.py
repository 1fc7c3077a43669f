"""Pictures for the pages, as SVG drawn on the server.

Plain SVG built here rather than a chart library: the pages work without JavaScript and their
content security policy allows no inline script or style, which rules out the interactive
output of libraries such as pygal (a script and a ``<style>`` element per chart); what is drawn
is three simple shapes; and nothing is added to the hashed lock. Colours are presentation
attributes, so the same SVG works inline and as a downloaded file. Every text comes from the
views and is escaped. Each picture is shown beside a table with the same numbers (screen readers
and phones read the table) and can be downloaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

from fastapi.responses import Response

WIDTH = 640
FONT = 'font-family="Noto Sans SC, PingFang SC, Microsoft YaHei, sans-serif"'
INK, MUTED, BAR, WARN, BAND = "#1f2933", "#616e7c", "#2f6db5", "#b42318", "#dbe7f5"


@dataclass(frozen=True)
class Bar:
    """One bar: what it is, how much, and whether it carries a warning (drawn in red, with
    ``note`` beside its value)."""

    label: str
    value: Decimal | int
    warned: bool = False
    note: str = ""


@dataclass(frozen=True)
class Moment:
    """One fact on a life line: its number in the record's history, day and name."""

    number: int
    day: date
    name: str


def _svg(title: str, height: int, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
            f'width="{WIDTH}" height="{height}" role="img" class="chart" {FONT}>'
            f"<title>{escape(title)}</title>" + "".join(body) + "</svg>")


def _text(x: float, y: float, words: str, *, size: int = 12, fill: str = INK,
          anchor: str = "start") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" '
            f'text-anchor="{anchor}">{escape(words)}</text>')


def _number(value: Decimal | int) -> str:
    return f"{value:.1f}" if isinstance(value, Decimal) else str(value)


def bars(title: str, rows: Sequence[Bar], *, scale: Decimal | int | None = None) -> str:
    """Horizontal bars, one line per row, longest at ``scale`` (or the largest value)."""
    left, right, line = 150, 90, 26
    top = max((Decimal(r.value) for r in rows), default=Decimal(0))
    most = max(Decimal(scale if scale is not None else 0), top, Decimal(1))
    room = WIDTH - left - right
    body = []
    for i, row in enumerate(rows):
        y = 10 + i * line
        length = max(float(Decimal(row.value) / most) * room, 0.0)
        colour = WARN if row.warned else BAR
        body += [_text(left - 8, y + 15, row.label, anchor="end"),
                 f'<rect x="{left}" y="{y + 3}" width="{length:.1f}" height="{line - 8}" '
                 f'fill="{colour}"/>',
                 _text(left + length + 6, y + 15, f"{_number(row.value)} {row.note}".strip(),
                       fill=WARN if row.warned else INK)]
    if not rows:
        body.append(_text(WIDTH / 2, 30, "—", fill=MUTED, anchor="middle"))
    return _svg(title, max(20 + len(rows) * line, 50), body)


def columns(title: str, rows: Sequence[Bar]) -> str:
    """Vertical columns, one per row, labelled underneath (e.g. one per working day)."""
    left, bottom, top_margin, height = 30, 40, 20, 220
    step = (WIDTH - left - 10) / max(len(rows), 1)
    most = max((int(r.value) for r in rows), default=0)
    most = max(most, 1)
    floor = height - bottom
    body = [f'<line x1="{left}" y1="{floor}" x2="{WIDTH - 10}" y2="{floor}" stroke="{MUTED}"/>',
            _text(left - 4, top_margin + 4, str(most), size=10, fill=MUTED, anchor="end"),
            _text(left - 4, floor, "0", size=10, fill=MUTED, anchor="end")]
    for i, row in enumerate(rows):
        x = left + i * step
        tall = (floor - top_margin) * int(row.value) / most
        colour = WARN if row.warned else BAR
        body.append(f'<rect x="{x + 2:.1f}" y="{floor - tall:.1f}" width="{step - 4:.1f}" '
                    f'height="{tall:.1f}" fill="{colour}"/>')
        if int(row.value):
            body.append(_text(x + step / 2, floor - tall - 3, str(row.value), size=10,
                              anchor="middle"))
        body.append(_text(x + step / 2, floor + 14 + (i % 2) * 12, row.label, size=10,
                          fill=MUTED, anchor="middle"))
    return _svg(title, height, body)


def life(title: str, moments: Sequence[Moment], *, publicity: tuple[date, date] | None,
         today: date, labels: dict[str, str]) -> str:
    """A record's life on one line from its first fact to the end of its publicity (or its
    last fact): a dot per fact with its number, the publicity window as a band, today as a
    mark. ``labels`` names the band and the mark in the page's language."""
    days = [m.day for m in moments] + ([*publicity] if publicity else [])
    if not days:
        return _svg(title, 50, [_text(WIDTH / 2, 30, "—", fill=MUTED, anchor="middle")])
    start, end = min(days), max(days)
    if today > start:
        end = max(end, min(today, end if publicity else today))
    span = max((end - start).days, 1)
    left, room, axis = 20, WIDTH - 40, 70

    def x(day: date) -> float:
        return left + room * (day - start).days / span

    body = [f'<line x1="{left}" y1="{axis}" x2="{left + room}" y2="{axis}" stroke="{MUTED}"/>',
            _text(left, axis + 36, start.isoformat(), size=11, fill=MUTED),
            _text(left + room, axis + 36, end.isoformat(), size=11, fill=MUTED, anchor="end")]
    if publicity:
        a, b = x(publicity[0]), x(publicity[1])
        body += [f'<rect x="{a:.1f}" y="{axis - 10}" width="{max(b - a, 1):.1f}" height="20" '
                 f'fill="{BAND}"/>',
                 _text(a, axis + 24, f'{labels["publicity"]} {publicity[0]} – {publicity[1]}',
                       size=11, fill=MUTED)]
    if start <= today <= end:
        body += [f'<line x1="{x(today):.1f}" y1="{axis - 30}" x2="{x(today):.1f}" '
                 f'y2="{axis + 12}" stroke="{WARN}" stroke-dasharray="3 2"/>',
                 _text(x(today), axis - 34, labels["today"], size=10, fill=WARN,
                       anchor="middle")]
    labelled = [-100.0, -100.0]  # where each of the two label rows was last written
    for moment in moments:
        cx = x(moment.day)
        body.append(f'<circle cx="{cx:.1f}" cy="{axis}" r="5" fill="{BAR}">'
                    f"<title>{escape(f'{moment.number} {moment.day} {moment.name}')}</title>"
                    "</circle>")
        # Facts days apart in a years-long window would write their numbers over each other:
        # a number is written only where it has room; the table beside lists every fact.
        row = next((r for r in (0, 1) if cx - labelled[r] >= 16), None)
        if row is not None:
            labelled[row] = cx
            body.append(_text(cx, axis - 10 - row * 11, str(moment.number), size=10,
                              anchor="middle"))
    return _svg(title, 120, body)


def download(svg: str, name: str) -> Response:
    """The picture as a file (``name``.svg), for reports and slides."""
    return Response(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + svg, media_type="image/svg+xml",
        headers={"Content-Disposition": f'attachment; filename="{name}.svg"'})
