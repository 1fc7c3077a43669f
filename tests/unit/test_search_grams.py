"""The search grams never hide a row that ILIKE would find."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ledger.values import Category, Severity
from projections import search
from projections.search import quarter_tag, query_grams, recent_quarters, row_grams, value_tag

LIKELY = st.sampled_from("福州市鼓楼区财政局闽纪〔2026〕号ABCabcİßẞ_%")
TEXT = st.text(alphabet=LIKELY | st.characters(), max_size=20)


@given(TEXT, TEXT, st.data())
def test_every_part_of_a_name_or_document_number_has_grams_the_row_holds(
    name: str, document: str, data: st.DataObject,
) -> None:
    text = data.draw(st.sampled_from([name, document]))
    start = data.draw(st.integers(0, len(text)))
    part = text[start:data.draw(st.integers(start, len(text)))]
    held = set(row_grams(name, document))

    flipped = "".join(char.swapcase() if char.isascii() else char for char in part)

    assert set(query_grams(part)) <= held
    assert set(query_grams(flipped)) <= held  # ILIKE ignores the case of a credit code's letters


def test_two_characters_that_are_only_apart_do_not_match() -> None:
    assert set(query_grams("鼓楼")) <= set(row_grams("福州市鼓楼区财政局", ""))
    assert not set(query_grams("楼财")) <= set(row_grams("福州市鼓楼区财政局", ""))
    assert set(query_grams("局")) <= set(row_grams("福州市鼓楼区财政局", ""))


@given(st.dates(date(2000, 1, 1), date(2100, 1, 1)), st.integers(-365, 2000))
def test_a_span_of_recent_quarters_holds_exactly_the_decisions_since_its_first_day(
    today: date, days_back: int,
) -> None:
    decided = today - timedelta(days=days_back)
    for span, tags in zip((1, 2, 4, 8, 16), recent_quarters(today), strict=True):
        months = today.year * 12 + (today.month - 1) // 3 * 3 - 3 * (span - 1)
        first_day = date(months // 12, months % 12 + 1, 1)
        # a decision dated up to a year ahead of today is in every span
        assert (quarter_tag(decided) in tags) == (decided >= first_day)


def test_quarter_tags_are_no_other_key() -> None:
    others = {value_tag(kind, v.value) for kind, values in (("category", Category),
                                                             ("severity", Severity))
              for v in values}
    quarters = {quarter_tag(date(y, m, 1)) for y in range(1990, 2200) for m in (1, 4, 7, 10)}
    assert min(others) > max(quarters) and max(quarters) < -999_999  # regions: -110000..-820000


@given(TEXT)
def test_a_rows_grams_are_those_of_every_one_two_and_three_characters_of_its_text(
    text: str,
) -> None:
    expected = {search._gram(run[i:i + n]) for run in search._runs(text)
                for n in (1, 2, 3) for i in range(len(run) - n + 1)}
    assert row_grams(text) == sorted(expected)
