from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import UnknownRegionError
from ledger.regions import PROVINCE, Region, RegionTable, fujian

TABLE = fujian()
KNOWN_CODES = {region.code for region in TABLE.all()}


def _region(code: str, parent: str | None, **fields: object) -> Region:
    level = "province" if parent is None else "county"
    base: dict[str, object] = {
        "code": code,
        "name": code,
        "name_en": code,
        "level": level,
        "parent": parent,
        "valid_from": None,
        "valid_to": None,
        "successor": None,
    }
    return Region.model_validate(base | fields)


def test_the_table_covers_the_province_its_nine_cities_and_84_current_counties() -> None:
    today = TABLE.all(on=date.today())

    cities = sorted(r.code for r in today if r.level == "city")
    counties = [r for r in today if r.level == "county"]

    assert cities == [f"35{n:02d}00" for n in range(1, 10)]
    assert len(counties) == 84
    assert TABLE.get("350000").name == "福建省"


def test_a_record_from_changle_before_2017_keeps_its_old_code() -> None:
    decided = date(2016, 11, 3)

    region = TABLE.get("350182", on=decided)

    assert region.name == "长乐市"


def test_the_old_changle_code_is_refused_on_a_record_dated_after_the_change() -> None:
    with pytest.raises(UnknownRegionError) as refused:
        TABLE.get("350182", on=date(2018, 3, 1), field="reporting_region")

    assert refused.value.field == "reporting_region"
    assert "350112" in refused.value.reason


def test_changle_district_cannot_be_named_on_a_record_from_before_it_existed() -> None:
    with pytest.raises(UnknownRegionError, match="came into force"):
        TABLE.get("350112", on=date(2016, 11, 3))


def test_on_the_day_of_the_change_only_the_new_changle_code_is_in_force() -> None:
    day = TABLE.get("350112").valid_from
    assert day is not None

    assert TABLE.get("350182", on=day - timedelta(days=1)).name == "长乐市"
    assert TABLE.get("350112", on=day).name == "长乐区"
    with pytest.raises(UnknownRegionError):
        TABLE.get("350182", on=day)


def test_a_retired_code_is_still_found_when_no_date_is_given() -> None:
    assert TABLE.get("350784").name == "建阳市"


def test_an_unknown_region_is_refused_naming_the_field() -> None:
    with pytest.raises(UnknownRegionError) as refused:
        TABLE.get("350199", field="subject.region_code")

    assert refused.value.field == "subject.region_code"
    assert "350199" in str(refused.value)


def test_a_code_from_another_province_is_refused() -> None:
    with pytest.raises(UnknownRegionError, match="not a Fujian region code"):
        TABLE.get("110105")


@pytest.mark.parametrize("typed", ["35010", "3501020", "35O102", " 350102", "", "３５０１０２"])
def test_a_mistyped_code_is_refused_as_malformed(typed: str) -> None:
    with pytest.raises(UnknownRegionError, match="6-digit") as refused:
        TABLE.get(typed)

    assert refused.value.field == "region_code"


def test_meilie_and_the_old_sanyuan_both_became_the_new_sanyuan_district() -> None:
    assert TABLE.current("350402").code == "350404"
    assert TABLE.current("350403").code == "350404"
    assert TABLE.current("350404").name == "三元区"


@pytest.mark.parametrize(
    ("old", "new", "name"),
    [
        ("350182", "350112", "长乐区"),
        ("350427", "350405", "沙县区"),
        ("350784", "350703", "建阳区"),
        ("350822", "350803", "永定区"),
        ("350625", "350605", "长泰区"),
        ("350681", "350604", "龙海区"),
    ],
)
def test_a_county_that_became_a_district_is_found_under_its_new_code(
    old: str, new: str, name: str
) -> None:
    current = TABLE.current(old)

    assert (current.code, current.name) == (new, name)
    assert not current.retired


def test_a_code_still_in_force_is_its_own_current_code() -> None:
    assert TABLE.current("350181").code == "350181"


def test_a_fuzhou_district_rolls_up_through_fuzhou_to_the_province() -> None:
    assert TABLE.reporting_chain("350102") == ["350102", "350100", "350000"]


def test_pingtan_reports_straight_to_the_province() -> None:
    pingtan = TABLE.get("350128")

    assert pingtan.parent == "350100"
    assert TABLE.reporting_chain("350128") == ["350128", "350000"]


def test_pingtan_is_counted_with_the_province_not_with_fuzhou() -> None:
    fuzhou = {r.code for r in TABLE.children("350100")}

    assert "350128" not in fuzhou
    assert "350112" in fuzhou
    assert len(fuzhou) == 12


def test_an_old_changle_record_rolls_up_under_changle_district() -> None:
    assert TABLE.reporting_chain("350182") == ["350112", "350100", "350000"]


def test_everything_under_fuzhou_includes_old_changle_but_not_pingtan() -> None:
    under = TABLE.under("350100")

    assert {"350100", "350102", "350112", "350182"} <= set(under)
    assert "350128" not in under and "350200" not in under
    assert TABLE.under("350128") == ["350128"]
    assert len(TABLE.under(PROVINCE)) == len(KNOWN_CODES)


def test_sanming_lists_shaxian_district_among_its_counties_not_the_old_sha_county() -> None:
    sanming = {r.code for r in TABLE.children("350400")}

    assert {"350404", "350405"} <= sanming
    assert {"350402", "350403", "350427"}.isdisjoint(sanming)


def test_the_province_has_the_nine_cities_and_pingtan_as_direct_reports() -> None:
    direct = sorted(r.code for r in TABLE.children("350000"))

    assert direct == sorted([f"35{n:02d}00" for n in range(1, 10)] + ["350128"])


def test_the_table_on_a_past_date_lists_the_codes_in_force_then() -> None:
    in_2016 = {r.code for r in TABLE.all(on=date(2016, 1, 1))}
    in_2022 = {r.code for r in TABLE.all(on=date(2022, 1, 1))}

    assert {"350182", "350402", "350403", "350427"} <= in_2016
    assert {"350112", "350404", "350405"}.isdisjoint(in_2016)
    assert {"350112", "350404", "350405"} <= in_2022
    assert {"350182", "350402", "350403", "350427"}.isdisjoint(in_2022)


def test_an_entry_without_reports_to_reports_to_its_parent() -> None:
    assert TABLE.get("350181").reports_to == "350100"
    assert TABLE.get("350100").reports_to == PROVINCE


def test_the_shipped_table_is_loaded_once() -> None:
    assert fujian() is fujian()


def test_a_table_pointing_to_a_missing_parent_is_refused_at_load() -> None:
    with pytest.raises(ValueError, match="unknown region 350100"):
        RegionTable([_region("350000", None), _region("350102", "350100")])


def test_a_table_with_a_retired_code_and_no_successor_is_refused_at_load() -> None:
    retired = _region("350182", "350000", valid_to=date(2017, 7, 4))

    with pytest.raises(ValueError, match="no successor"):
        RegionTable([_region("350000", None), retired])


def test_a_table_with_a_gap_between_a_code_and_its_successor_is_refused_at_load() -> None:
    old = _region("350182", "350000", valid_to=date(2017, 7, 4), successor="350112")
    new = _region("350112", "350000", valid_from=date(2017, 7, 5))

    with pytest.raises(ValueError, match="do not meet"):
        RegionTable([_region("350000", None), old, new])


def test_a_table_whose_reporting_goes_round_in_a_circle_is_refused_at_load() -> None:
    a = _region("350101", "350000", reports_to="350102")
    b = _region("350102", "350000", reports_to="350101")

    with pytest.raises(ValueError, match="cycle"):
        RegionTable([_region("350000", None), a, b])


@given(st.sampled_from(sorted(KNOWN_CODES)))
def test_every_region_rolls_up_to_the_province(code: str) -> None:
    chain = TABLE.reporting_chain(code)

    assert chain[-1] == PROVINCE
    assert len(chain) == len(set(chain)) <= 3
    assert all(not TABLE.get(link).retired for link in chain)


@given(
    st.one_of(
        st.integers(350000, 359999).map(str),
        st.from_regex(r"[0-9]{6}", fullmatch=True),
    ).filter(lambda code: code not in KNOWN_CODES)
)
def test_every_six_digit_code_not_in_the_table_is_refused(code: str) -> None:
    with pytest.raises(UnknownRegionError, match="not a Fujian region code"):
        TABLE.get(code)


@given(st.text(max_size=8).filter(lambda s: not (len(s) == 6 and s.isascii() and s.isdigit())))
def test_every_string_that_is_not_six_digits_is_refused(typed: str) -> None:
    with pytest.raises(UnknownRegionError, match="6-digit"):
        TABLE.get(typed)
