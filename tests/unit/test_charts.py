"""The pictures are well-formed SVG whatever text they carry, and their shapes follow the
numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from xml.etree import ElementTree

from hypothesis import given
from hypothesis import strategies as st

from api import charts

SVG = "{http://www.w3.org/2000/svg}"
# Any text a view may hold, except the control characters XML 1.0 cannot carry at all.
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)


@given(st.lists(st.tuples(TEXT, st.integers(0, 10_000)), max_size=30))
def test_bars_carry_any_label_as_text_never_as_markup(rows: list[tuple[str, int]]) -> None:
    svg = ElementTree.fromstring(charts.bars("标题 <b>&", [charts.Bar(a, n) for a, n in rows]))

    assert svg.findtext(f"{SVG}title") == "标题 <b>&"
    shown = [t.text or "" for t in svg.iter(f"{SVG}text")]
    assert shown[::2] == [label for label, _ in rows] if rows else shown == ["—"]
    assert not list(svg.iter(f"{SVG}script"))


def test_a_bar_twice_as_long_means_twice_as_much() -> None:
    svg = ElementTree.fromstring(charts.bars("t", [
        charts.Bar("甲", Decimal("40")), charts.Bar("乙", Decimal("80"), warned=True)]))

    first, second = (float(r.get("width", 0)) for r in svg.iter(f"{SVG}rect"))
    assert abs(second - 2 * first) < 0.2
    fills = [r.get("fill") for r in svg.iter(f"{SVG}rect")]
    assert fills == [charts.BAR, charts.WARN]


def test_a_day_without_deadlines_is_an_empty_column_not_a_missing_one() -> None:
    svg = ElementTree.fromstring(charts.columns("t", [
        charts.Bar("5/6", 0), charts.Bar("5/7", 3), charts.Bar("5/8", 0)]))

    heights = [float(r.get("height", 0)) for r in svg.iter(f"{SVG}rect")]
    assert len(heights) == 3 and heights[0] == heights[2] == 0 < heights[1]


def test_a_life_line_places_each_fact_in_order_inside_the_publicity_window() -> None:
    moments = [charts.Moment(1, date(2026, 5, 6), "报送"),
               charts.Moment(2, date(2026, 6, 1), "说明")]
    svg = ElementTree.fromstring(charts.life(
        "记录全程", moments, publicity=(date(2026, 5, 6), date(2027, 5, 6)),
        today=date(2026, 7, 1), labels={"publicity": "公示期", "today": "今日"}))

    xs = [float(c.get("cx", 0)) for c in svg.iter(f"{SVG}circle")]
    band = next(iter(svg.iter(f"{SVG}rect")))
    assert xs[0] < xs[1] and float(band.get("x", 0)) == xs[0]
    assert xs[1] < float(band.get("x", 0)) + float(band.get("width", 0))
    assert "今日" in [t.text for t in svg.iter(f"{SVG}text")]
