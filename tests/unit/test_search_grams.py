"""The search grams never hide a row that ILIKE would find."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from projections.search import query_grams, row_grams

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
