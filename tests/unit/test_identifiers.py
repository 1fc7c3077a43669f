"""Credit codes and citizen IDs: DOMAIN.md's vectors, and every one-character change fails."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ledger.errors import InvalidIdentifierError
from ledger.identifiers import (
    USCC_ALPHABET,
    citizen_id_check_char,
    mask_citizen_id,
    record_id,
    uscc_check_char,
    validate_citizen_id,
    validate_uscc,
)

VALID_USCC = ["91110000600037341L"]
VALID_IDS = ["11010519491231002X", "360426199101010071"]

usccs = st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17).map(
    lambda s: s + uscc_check_char(s)
)
citizen_ids = st.text(alphabet="0123456789", min_size=17, max_size=17).map(
    lambda s: s + citizen_id_check_char(s)
)


@pytest.mark.parametrize("code", VALID_USCC)
def test_the_domain_vector_credit_code_is_accepted(code: str) -> None:
    assert validate_uscc(code) == code


@pytest.mark.parametrize("value", VALID_IDS)
def test_the_domain_vector_citizen_ids_are_accepted(value: str) -> None:
    assert validate_citizen_id(value) == value


def refusal_of_a_change(validate: Callable[[str], str], value: str, position: int,
                        replacement: str) -> InvalidIdentifierError:
    """What ``validate`` raises for ``value`` with the character at ``position`` replaced; an
    example that puts back the same character is passed over."""
    changed = value[:position] + replacement + value[position + 1:]
    assume(changed != value)
    with pytest.raises(InvalidIdentifierError) as caught:
        validate(changed)
    return caught.value


@given(usccs, st.integers(0, 17), st.sampled_from(USCC_ALPHABET + "IOSVZa-"))
def test_any_single_character_change_of_a_credit_code_is_refused(
    code: str, position: int, replacement: str
) -> None:
    refused = refusal_of_a_change(validate_uscc, code, position, replacement)
    assert refused.field == "credit_code"


@given(citizen_ids, st.integers(0, 17), st.sampled_from("0123456789Xx "))
def test_any_single_character_change_of_a_citizen_id_is_refused(
    value: str, position: int, replacement: str
) -> None:
    refused = refusal_of_a_change(validate_citizen_id, value, position, replacement)
    assert value[:6] not in refused.reason  # the message never echoes the ID


@given(citizen_ids)
def test_a_masked_citizen_id_shows_only_the_first_six_and_last_four(value: str) -> None:
    masked = mask_citizen_id(value)
    assert masked[:6] == value[:6] and masked[-4:] == value[-4:]
    assert masked[6:-4] == "********"


def test_a_credit_code_of_the_wrong_length_names_the_field_and_the_length() -> None:
    with pytest.raises(InvalidIdentifierError, match="18 characters, got 17"):
        validate_uscc("91110000600037341", field="subject_code")


def test_the_same_document_number_spelt_with_full_width_spaces_is_the_same_record() -> None:
    assert record_id("91110000600037341L", "闽纪〔2026〕1号") == record_id(
        "91110000600037341L", " 闽纪〔2026〕　1号 "
    )
    assert record_id("91110000600037341L", "闽纪〔2026〕1号") != record_id(
        "91110000600037341L", "闽纪〔2026〕2号"
    )


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
       st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_an_id_with_a_real_birth_date_is_accepted(born: date, digits: str) -> None:
    first17 = digits[:6] + born.strftime("%Y%m%d") + digits[6:]
    value = first17 + citizen_id_check_char(first17)
    assert validate_citizen_id(value) == value


@pytest.mark.parametrize("birth", ["19801301", "19900230", "20000000", "29990101", "18991231"])
def test_an_id_whose_birth_date_is_impossible_is_refused(birth: str) -> None:
    first17 = "350102" + birth + "123"
    with pytest.raises(InvalidIdentifierError, match="birth date") as caught:
        validate_citizen_id(first17 + citizen_id_check_char(first17))
    assert caught.value.field == "citizen_id"
