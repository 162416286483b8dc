"""ID-card SAM codec: the request frames of standards.md, text blocks of every card type, fuzzing."""
from __future__ import annotations

from datetime import date

import pytest
from devhelpers import RESIDENT_CARD
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.idcard import codec
from devices.idcard.cardfile import card_from_dict

STANDARD_REQUESTS = {
    codec.CMD_SAM_STATUS: "AA AA AA 96 69 00 03 11 FF ED",
    codec.CMD_SAM_ID: "AA AA AA 96 69 00 03 12 FF EE",
    codec.CMD_FIND: "AA AA AA 96 69 00 03 20 01 22",
    codec.CMD_SELECT: "AA AA AA 96 69 00 03 20 02 21",
    codec.CMD_READ: "AA AA AA 96 69 00 03 30 01 32",
    codec.CMD_READ_FP: "AA AA AA 96 69 00 03 30 10 23",
}


@pytest.mark.parametrize("cmd,expected", STANDARD_REQUESTS.items())
def test_requests_are_byte_exact(cmd: tuple[int, int], expected: str) -> None:
    assert codec.build_request(*cmd) == bytes.fromhex(expected)
    assert codec.parse_request(codec.decode_frame(bytes.fromhex(expected)))[:2] == cmd


def test_response_round_trip_and_status_messages() -> None:
    frame = codec.build_response(0x9F)
    assert frame == bytes.fromhex("AAAAAA9669 0004 00 00 9F 9B".replace(" ", ""))
    response = codec.parse_response(codec.decode_frame(frame))
    assert response.sw3 == 0x9F and response.data == b""
    assert "no card" in codec.status_message(0x80)[1]
    assert codec.status_message(0x10)[1] == "checksum error"
    assert "unknown" in codec.status_message(0xEE)[1]


def test_bad_checksum_and_resync() -> None:
    good = codec.build_response(0x90, b"hello")
    bad = bytearray(good)
    bad[-1] ^= 0xFF
    dec = codec.FrameDecoder()
    items = dec.feed(b"\x00\x13" + bytes(bad) + good)
    kinds = [type(i).__name__ for i in items]
    assert kinds == ["FrameError", "FrameError", "Frame"]
    assert items[1].reason == "checksum error"
    assert items[2].body[3:] == b"hello"


def test_resident_card_text() -> None:
    image = card_from_dict(RESIDENT_CARD)
    card = codec.parse_read_data(codec.encode_read_data(image.text, image.photo, None), False)
    assert card.card_type == "resident"
    assert card.name == "张三" and card.sex_label == ("男", "male") and card.nation_name == "汉"
    assert card.birth_date == date(1990, 3, 7) and card.valid_to == date(2035, 1, 1)
    assert card.id_number == "110101199003077774"
    assert card.photo_wlt == image.photo and len(card.photo_wlt) == 1024
    assert card.fingerprint is None


def test_long_term_validity_and_fingerprint() -> None:
    desc = {**RESIDENT_CARD, "valid_to": "长期", "fingerprint": True, "id_number": "11010519491231002X",
            "birth_date": "1949-12-31"}
    image = card_from_dict(desc)
    card = codec.parse_read_data(codec.encode_read_data(image.text, image.photo, image.fingerprint), True)
    assert card.valid_to is None
    assert card.fingerprint is not None and len(card.fingerprint) == 1024


def test_hmt_residence_permit() -> None:
    desc = {"card_type": "hmt_residence", "name": "陈大文", "sex": "1", "birth_date": "19850512",
            "address": "广东省深圳市福田区", "id_number": "810000198505120013",
            "authority": "深圳市公安局", "valid_from": "20200101", "valid_to": "20250101",
            "pass_number": "H12345678", "issue_count": "01"}
    if not codec.id_number_valid(desc["id_number"]):
        digits = desc["id_number"][:17]
        s = sum(int(c) * w for c, w in zip(digits, codec._MOD11_WEIGHTS, strict=True))
        desc["id_number"] = digits + "10X98765432"[s % 11]
    text = card_from_dict(desc).text
    assert text[248:250].decode("utf-16-le") == "J"
    card = codec.parse_text(text)
    assert card.card_type == "hmt_residence"
    assert card.extra == {"pass_number": "H12345678", "issue_count": "01", "region": "香港"}
    assert card.nation == ""


def test_foreigner_permanent_residence_card() -> None:
    desc = {"card_type": "foreign_permanent", "english_name": "SMITH, JOHN", "name": "史密斯",
            "sex": "1", "id_number": "USA110080012345", "nationality": "USA",
            "valid_from": "20180101", "valid_to": "20280101", "birth_date": "19800101",
            "card_version": "01", "authority_code": "1100"}
    text = card_from_dict(desc).text
    assert text[248:250].decode("utf-16-le") == "I"
    card = codec.parse_text(text)
    assert card.card_type == "foreign_permanent"
    assert card.name == "史密斯" and card.nation == "USA"
    assert card.extra["english_name"] == "SMITH, JOHN"


def test_corrupted_text_is_refused() -> None:
    image = card_from_dict(RESIDENT_CARD)
    bad_id = bytearray(image.text)
    # change one digit of the ID number: the GB 11643 check must catch it
    pos = 30 + 2 + 4 + 16 + 70 + 2
    bad_id[pos:pos + 2] = "9".encode("utf-16-le")
    with pytest.raises(codec.IdCardFormatError):
        codec.parse_text(bytes(bad_id))
    with pytest.raises(codec.IdCardFormatError):
        codec.parse_text(image.text[:200])
    unknown_type = bytearray(image.text)
    unknown_type[248:250] = "Q".encode("utf-16-le")
    with pytest.raises(codec.IdCardFormatError, match="card type"):
        codec.parse_text(bytes(unknown_type))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_fuzz_random_bytes_never_crash(data: bytes) -> None:
    dec = codec.FrameDecoder()
    for item in dec.feed(data):
        if isinstance(item, codec.Frame):
            try:
                codec.parse_read_data(codec.parse_response(item).data, False)
            except codec.IdCardFormatError:
                pass


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0), st.integers(min_value=1, max_value=255))
def test_fuzz_any_flipped_byte_is_detected(position: int, mask: int) -> None:
    image = card_from_dict(RESIDENT_CARD)
    frame = bytearray(codec.build_response(0x90, codec.encode_read_data(image.text, image.photo, None)))
    pos = 5 + position % (len(frame) - 5)
    frame[pos] ^= mask
    items = codec.FrameDecoder().feed(bytes(frame))
    # XOR over LEN..data catches every single corrupted byte: no frame may come out
    assert not [i for i in items if isinstance(i, codec.Frame)]


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=1300))
def test_fuzz_cut_frames_are_not_delivered(cut: int) -> None:
    image = card_from_dict(RESIDENT_CARD)
    frame = codec.build_response(0x90, codec.encode_read_data(image.text, image.photo, None))
    dec = codec.FrameDecoder()
    assert not [i for i in dec.feed(frame[:cut % len(frame)]) if isinstance(i, codec.Frame)]
