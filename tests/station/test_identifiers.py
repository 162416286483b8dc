"""Resident ID numbers (GB 11643, MOD 11-2) and ISBT 128 DINs (MOD 37-2): the vectors of standards.md and
properties of both check characters."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from station.errors import ValidationError
from station.identifiers import (
    convert_legacy_id,
    din_barcode_data,
    din_check_character,
    format_din,
    id_check_digit,
    mask_id,
    parse_din,
    parse_resident_id,
    validate_facility_code,
)

# --- resident ID numbers -----------------------------------------------------------------------


def _reference_mod11_2(first17: str) -> str:
    """ISO 7064 MOD 11-2 from its definition: the check makes sum(a_i * 2^(i-1)) = 1 (mod 11), i from the right."""
    for check in "0123456789X":
        digits = [int(c) for c in first17] + [10 if check == "X" else int(check)]
        if sum(d * pow(2, 17 - i, 11) for i, d in enumerate(digits)) % 11 == 1:
            return check
    raise AssertionError("no check character")


@pytest.mark.parametrize("number,birth,sex", [("11010519491231002X", date(1949, 12, 31), "female"),
                                              ("110101199003077774", date(1990, 3, 7), "male")])
def test_id_vectors(number: str, birth: date, sex: str) -> None:
    rid = parse_resident_id(number)
    assert (rid.number, rid.birth_date, rid.sex, rid.region) == (number, birth, sex, number[:6])
    assert id_check_digit(number[:17]) == number[17]


def test_id_vector_check_digit_4() -> None:
    assert id_check_digit("11010119900307777") == "4"


def test_lowercase_x_and_spaces_accepted() -> None:
    assert parse_resident_id(" 110105 19491231002x ").number == "11010519491231002X"


@pytest.mark.parametrize("bad,code", [("11010519491231002", "INVALID_ID_NUMBER"),      # 17 characters
                                      ("110105194912310021", "INVALID_ID_NUMBER"),     # wrong check
                                      ("11010519491331002X", "INVALID_ID_NUMBER"),     # month 13
                                      ("1101051949123100AX", "INVALID_ID_NUMBER")])
def test_bad_id_numbers_refused(bad: str, code: str) -> None:
    with pytest.raises(ValidationError) as e:
        parse_resident_id(bad)
    assert e.value.code == code
    assert e.value.message_zh and e.value.message_en
    assert bad not in str(e.value.details)  # only the masked number travels with the error


def test_birth_date_must_be_real_and_not_in_the_future() -> None:
    first17 = "11010520300101002"
    with pytest.raises(ValidationError):
        parse_resident_id(first17 + id_check_digit(first17), today=date(2026, 5, 12))
    first17 = "11010519000230002"  # 30 February
    with pytest.raises(ValidationError):
        parse_resident_id(first17 + id_check_digit(first17))


def test_legacy_15_digit_conversion() -> None:
    assert convert_legacy_id("110105491231002") == "11010519491231002X"
    rid = parse_resident_id("110105491231002")
    assert rid.number == "11010519491231002X" and rid.birth_date == date(1949, 12, 31) and rid.sex == "female"
    with pytest.raises(ValidationError):
        convert_legacy_id("11010549123100X")


def test_mask() -> None:
    assert mask_id("11010519491231002X") == "110105********002X"


_digits17 = st.text("0123456789", min_size=17, max_size=17)


@given(_digits17)
def test_mod11_matches_the_iso_7064_definition(first17: str) -> None:
    assert id_check_digit(first17) == _reference_mod11_2(first17)


@given(_digits17, st.integers(0, 16), st.integers(1, 9))
def test_mod11_detects_every_single_digit_change(first17: str, pos: int, delta: int) -> None:
    changed = first17[:pos] + str((int(first17[pos]) + delta) % 10) + first17[pos + 1:]
    assert id_check_digit(changed) != id_check_digit(first17)


@given(_digits17, st.integers(0, 15))
def test_mod11_detects_adjacent_transpositions(first17: str, pos: int) -> None:
    assume(first17[pos] != first17[pos + 1])
    swapped = first17[:pos] + first17[pos + 1] + first17[pos] + first17[pos + 2:]
    assert id_check_digit(swapped) != id_check_digit(first17)


@st.composite
def resident_ids(draw: st.DrawFn) -> tuple[str, date, str]:
    birth = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 5, 12)))
    sex = draw(st.sampled_from(["male", "female"]))
    region = draw(st.text("0123456789", min_size=6, max_size=6))
    seq = draw(st.integers(0, 499)) * 2 + (1 if sex == "male" else 0)
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17), birth, sex


@given(resident_ids())
def test_valid_ids_round_trip(case: tuple[str, date, str]) -> None:
    number, birth, sex = case
    rid = parse_resident_id(number, today=date(2026, 5, 12))
    assert (rid.number, rid.birth_date, rid.sex) == (number, birth, sex)


@given(resident_ids(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_character_change_is_refused(case: tuple[str, date, str], pos: int, new: str) -> None:
    number = case[0]
    assume(number[pos] != new and (pos == 17 or new != "X"))
    changed = number[:pos] + new + number[pos + 1:]
    with pytest.raises(ValidationError):
        parse_resident_id(changed)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)), st.text("0123456789", min_size=6,
                                                                                   max_size=6),
       st.integers(0, 999))
def test_legacy_numbers_convert_to_valid_18_digit_numbers(birth: date, region: str, seq: int) -> None:
    legacy = f"{region}{birth:%y%m%d}{seq:03d}"
    rid = parse_resident_id(legacy)
    assert rid.number[:6] == region and rid.number[6:8] == "19" and len(rid.number) == 18
    assert rid.number[:6] + rid.number[8:17] == legacy
    assert rid.birth_date == birth and rid.sex == ("male" if seq % 2 else "female")


# --- ISBT 128 DINs -----------------------------------------------------------------------------

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"


def _reference_mod37_2(din13: str) -> str:
    """ISO/IEC 7064 MOD 37-2 from its definition: sum(a_i * 2^(i-1)) = 1 (mod 37), i counted from the right
    with the check character at i = 1."""
    for check in ALPHABET:
        values = [ALPHABET.index(c) for c in din13 + check]
        if sum(v * pow(2, len(values) - 1 - i, 37) for i, v in enumerate(values)) % 37 == 1:
            return check
    raise AssertionError("no check character")


@pytest.mark.parametrize("din,check", [("A999914123456", "N"), ("G123498654321", "H"), ("W000025000001", "W")])
def test_din_vectors(din: str, check: str) -> None:
    assert din_check_character(din) == check
    assert _reference_mod37_2(din) == check
    typed = parse_din(din + check)
    assert (typed.din, typed.check) == (din, check)


def test_din_barcode_and_flags() -> None:
    data = din_barcode_data("W000025000001")
    assert data == "=W00002500000100"
    scanned = parse_din(data)
    assert (scanned.din, scanned.flags, scanned.check) == ("W000025000001", "00", None)
    assert parse_din("=W000025000001A3").flags == "A3"
    typed = parse_din("w000025000001w")
    assert (typed.din, typed.flags, typed.check) == ("W000025000001", None, "W")
    plain = parse_din("W000025000001")
    assert (plain.flags, plain.check) == (None, None)


@pytest.mark.parametrize("bad,code", [("W000025000001X", "INVALID_DIN_CHECK"), ("=W000025000001", "INVALID_DIN"),
                                      ("O000025000001", "INVALID_DIN"), ("0000025000001", "INVALID_DIN"),
                                      ("W00002500000", "INVALID_DIN"), ("=W0000250000010", "INVALID_DIN")])
def test_bad_dins_refused(bad: str, code: str) -> None:
    with pytest.raises(ValidationError) as e:
        parse_din(bad)
    assert e.value.code == code and e.value.message_zh and e.value.message_en


def test_din_allocation_format() -> None:
    assert format_din("W0000", 2026, 1) == "W000026000001"
    assert format_din("a9999", 2014, 123456) == "A999914123456"
    with pytest.raises(ValidationError) as e:
        format_din("W0000", 2026, 1_000_000)
    assert e.value.code == "DIN_SEQUENCE_EXHAUSTED"
    for bad in ("O0000", "00000", "W000", "W00-0"):
        with pytest.raises(ValidationError):
            validate_facility_code(bad)


_facility_first = "ABCDEFGHIJKLMNPQRSTUVWXYZ123456789"
_alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@st.composite
def dins(draw: st.DrawFn) -> str:
    return (draw(st.sampled_from(_facility_first)) + draw(st.text(_alnum, min_size=4, max_size=4))
            + draw(st.text("0123456789", min_size=8, max_size=8)))


@given(dins())
def test_mod37_matches_the_iso_7064_definition(din: str) -> None:
    assert din_check_character(din) == _reference_mod37_2(din)


@settings(max_examples=300)
@given(dins(), st.integers(0, 12), st.sampled_from(_alnum))
def test_mod37_detects_every_single_character_change(din: str, pos: int, new: str) -> None:
    assume(din[pos] != new)
    changed = din[:pos] + new + din[pos + 1:]
    assert din_check_character(changed) != din_check_character(din)


@given(dins(), st.integers(0, 11))
def test_mod37_detects_adjacent_transpositions(din: str, pos: int) -> None:
    assume(din[pos] != din[pos + 1])
    swapped = din[:pos] + din[pos + 1] + din[pos] + din[pos + 2:]
    assert din_check_character(swapped) != din_check_character(din)


@given(dins(), st.sampled_from(ALPHABET))
def test_typed_din_with_wrong_check_is_refused(din: str, check: str) -> None:
    good = din_check_character(din)
    if check == good:
        assert parse_din(din + check).din == din
    else:
        with pytest.raises(ValidationError):
            parse_din(din + check)


@given(dins(), st.text("0123456789", min_size=2, max_size=2))
def test_barcode_round_trip(din: str, flags: str) -> None:
    scanned = parse_din(din_barcode_data(din, flags))
    assert (scanned.din, scanned.flags) == (din, flags)


def test_din_sequence_is_per_facility_and_year(ctx, staff, clock) -> None:
    from station.services import donations as dn
    from tests.station.flow import new_donor

    dins_seen = []
    for _ in range(3):
        donor_id, _ = new_donor(ctx, staff.registrar)
        dins_seen.append(dn.register_donation(ctx, staff.registrar, donor_id)["din"])
    facility = ctx.config.site.facility_code
    assert dins_seen == [format_din(facility, 2026, n) for n in (1, 2, 3)]
    clock.set_date(date(2027, 1, 2))
    donor_id, _ = new_donor(ctx, staff.registrar)
    out = dn.register_donation(ctx, staff.registrar, donor_id)
    assert out["din"] == format_din(facility, 2027, 1)
    assert out["check_character"] == din_check_character(out["din"])
