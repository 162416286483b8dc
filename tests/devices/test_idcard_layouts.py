"""ID-card layouts beyond the resident card, 30 03 (appended address) and field-level refusals.

Layouts: 港澳台居民居住证 ("J") and 外国人永久居留身份证 2017 ("I") / 2023 ("Y"), as published in reader
SDK headers (see devices/idcard/codec.py); the 2023 numbers are the official samples of the
National Immigration Administration's adaptation notes (932682198501010017, 911124198108030024).
"""
from __future__ import annotations

import time
from datetime import date

import pytest
import time_machine
from devhelpers import RESIDENT_CARD

from devices.base import ConnectionState, wait_until
from devices.idcard import codec
from devices.idcard.cardfile import card_from_dict
from devices.idcard.reader import IdCardReaderWorker

FOREIGN_2023 = {"card_type": "foreign_permanent_2023", "name": "证件样本", "sex": "1",
                "renewal_count": "00", "birth_date": "19850101",
                "english_name": "ZHENGJIAN, YANGBEN ZHENG JIAN YANG BEN ZHENG",
                "id_number": "932682198501010017", "valid_from": "20230808", "valid_to": "20330807",
                "nationality": "SAU", "previous_number_link": ""}
HMT = {"card_type": "hmt_residence", "name": "陈大文", "sex": "1", "birth_date": "19850512",
       "address": "广东省深圳市福田区福华路1号", "id_number": "810000198505120014",
       "authority": "深圳市公安局", "valid_from": "20200101", "valid_to": "20250101",
       "pass_number": "H12345678", "issue_count": "01"}


def _text(desc: dict[str, str]) -> bytes:
    return card_from_dict(desc).text


def test_the_30_03_request_is_byte_exact() -> None:
    assert codec.build_request(*codec.CMD_READ_ADDR) == bytes.fromhex("AAAAAA9669 0003 30 03 30".replace(" ", ""))
    reply = codec.build_response(codec.SW_OK, codec.encode_appended_address("北京市海淀区中关村大街1号"))
    assert len(reply) == 7 + 3 + 70 + 1 and reply[5:7] == b"\x00\x4a"
    response = codec.parse_response(codec.decode_frame(reply))
    assert codec.parse_appended_address(response.data) == "北京市海淀区中关村大街1号"
    assert codec.parse_appended_address(b" \x00" * 35) is None
    with pytest.raises(codec.IdCardFieldError) as err:
        codec.parse_appended_address(b"\x00" * 10)
    assert err.value.field == "appended_address"


def test_hmt_permit_fields_at_the_published_offsets() -> None:
    assert codec.id_number_valid(HMT["id_number"])
    text = _text(HMT)
    # Synjones' SDK reads the pass number at byte 220 and the issue count at 238; the marker at 248
    assert text[220:238].decode("utf-16-le").rstrip() == "H12345678"
    assert text[238:242].decode("utf-16-le") == "01"
    card = codec.parse_text(text)
    assert (card.card_type, card.layout, card.extra["region"]) == ("hmt_residence", "hmt_residence", "香港")
    bad = dict(HMT, id_number="110101199003077774", birth_date="19900307")
    with pytest.raises(codec.IdCardFieldError, match="81/82/83") as err:
        codec.parse_text(_text(bad))
    assert err.value.field == "id_number" and "81/82/83" in err.value.reason_zh


def test_foreign_permanent_residence_card_2023() -> None:
    for number in ("932682198501010017", "911124198108030024"):  # the official samples
        assert codec.id_number_valid(number)
    text = _text(FOREIGN_2023)
    assert text[248:250].decode("utf-16-le") == "Y"
    # Chinese name first (as on the resident card), English name in two parts: 70 + 22 bytes
    assert text[:8].decode("utf-16-le") == "证件样本"
    assert text[52:122].decode("utf-16-le").rstrip() == FOREIGN_2023["english_name"][:35].rstrip()
    card = codec.parse_text(text)
    assert card.card_type == "foreign_permanent" and card.layout == "foreign_permanent_2023"
    assert card.name == "证件样本" and card.nation == "SAU" and card.sex_label == ("男", "male")
    assert card.extra["english_name"] == FOREIGN_2023["english_name"]
    assert card.extra["edition"] == "2023" and card.birth_date == date(1985, 1, 1)
    assert card.valid_to == date(2033, 8, 7) and card.authority == ""
    with pytest.raises(codec.IdCardFieldError, match="starting with 9"):
        codec.parse_text(_text(dict(FOREIGN_2023, id_number="932682198501010018")))
    with pytest.raises(codec.IdCardFieldError, match="disagrees") as err:
        codec.parse_text(_text(dict(FOREIGN_2023, birth_date="19850102")))
    assert err.value.field == "id_number"
    with pytest.raises(codec.IdCardFieldError, match="three-letter") as err:
        codec.parse_text(_text(dict(FOREIGN_2023, nationality="S1U")))
    assert err.value.field == "nationality"


def test_foreign_permanent_residence_card_2017_still_read() -> None:
    desc = {"card_type": "foreign_permanent", "english_name": "SMITH, JOHN", "name": "史密斯",
            "sex": "1", "id_number": "USA110080012345", "nationality": "USA",
            "valid_from": "20180101", "valid_to": "20280101", "birth_date": "19800101",
            "card_version": "01", "authority_code": "1100"}
    card = codec.parse_text(_text(desc))
    assert card.layout == "foreign_permanent" and card.extra["edition"] == "2017"
    with pytest.raises(codec.IdCardFieldError) as err:
        codec.parse_text(_text(dict(desc, sex="9")))  # 0/9 exist on resident cards only
    assert err.value.field == "sex"


# field, value, what the English reason says
REFUSALS = [
    ("birth_date", "199003\u20707", "superscript"),  # superscript zero: str.isdigit() says yes, int() no
    ("birth_date", "1990\u00b3307", "superscript"),
    ("birth_date", "19900230", "not a valid date"),
    ("birth_date", "18000101", "impossible year"),
    ("valid_to", "20100101", "precedes"),
    ("name", "张\x00三", "NUL"),
    ("name", "张三3", "not allowed"),
    ("address", "北京市\x07东城区", "control character"),
    ("address", "北京市东城区\u2460号", "superscript"),  # circled digit one: category No
    ("authority", "北京市公安局\u200b", "format character"),
    ("id_number", "110101199003077775", "GB 11643"),
    ("id_number", "11010119900307777\u00b9", "superscript"),
    ("sex", "3", "sex code"),
    ("sex", "\u00b9", "sex code"),
    ("nation", "57", "GB 3304"),
    ("nation", "0\u00b9", "GB 3304"),
]


@pytest.mark.parametrize("field_name,value,reason", REFUSALS)
def test_a_character_not_valid_in_a_field_is_a_refusal_naming_the_field(field_name: str, value: str,
                                                                       reason: str) -> None:
    text = _text(dict(RESIDENT_CARD, **{field_name: value}))
    with pytest.raises(codec.IdCardFieldError) as err:
        codec.parse_text(text)
    expected_field = "id_number" if field_name == "id_number" else field_name
    assert err.value.field == expected_field
    assert reason in err.value.reason_en, err.value.reason_en
    label_zh = codec.FIELD_LABELS[expected_field][0]
    assert err.value.reason_zh.startswith(label_zh) and err.value.reason_zh != err.value.reason_en


def test_a_birth_date_after_today_is_refused_with_the_clock_moved() -> None:
    text = _text(RESIDENT_CARD)  # born 1990-03-07, card valid from 2015-01-01
    assert codec.parse_text(text, date.today()).name == "张三"
    with time_machine.travel(date(2014, 6, 1), tick=False):
        with pytest.raises(codec.IdCardFieldError) as err:
            codec.parse_text(text, date.today())
        assert err.value.field == "valid_from" and "future" in err.value.reason_en
    with time_machine.travel(date(1989, 6, 1), tick=False):
        with pytest.raises(codec.IdCardFieldError) as err:
            codec.parse_text(text, date.today())
        assert err.value.field == "birth_date"


# -- the driver, over a pty, against the simulator in its own process -------------------------

def _start(pty_pair, sim, collector, **options):
    station, device = pty_pair
    reader_sim = sim("idcard", device, "--hold", "1000")
    worker = IdCardReaderWorker("reader-1", station, poll_interval=0.05, response_timeout=0.5,
                                **options, **collector.kwargs())
    worker.start()
    assert wait_until(lambda: worker.status.state == ConnectionState.CONNECTED, 10)
    return reader_sim, worker


def test_driver_sends_30_03_and_files_the_appended_address(pty_pair, sim, collector) -> None:
    reader_sim, worker = _start(pty_pair, sim, collector)
    try:
        reader_sim.control({"cmd": "place", "card": {**RESIDENT_CARD, "appended_address": "北京市西城区西长安街1号"}})
        event = collector.next()
        assert event.card.appended_address == "北京市西城区西长安街1号"
        assert event.raw.parsed["appended_address"] == "北京市西城区西长安街1号"
        assert event.address_raw is not None and event.address_raw.raw[7:10] == b"\x00\x00\x90"
        assert event.address_raw in collector.raws  # the 30 03 reply is filed, as it came
        assert event.to_json()["appended_address"] == "北京市西城区西长安街1号"
        reader_sim.control({"cmd": "remove"})
        time.sleep(0.2)
        reader_sim.control({"cmd": "place", "card": {**FOREIGN_2023}})
        event = collector.next()
        assert event.card.appended_address is None and event.card.extra["appended_address_status"] == "none"
        assert event.card.layout == "foreign_permanent_2023"
        assert event.address_raw is not None and event.address_raw.raw[9] == codec.SW_NO_CONTENT
        assert reader_sim.control({"cmd": "state"})["address_reads"] == 2
    finally:
        worker.stop()


def test_a_refused_card_keeps_its_frame_and_the_next_placement_reads_without_reconnect(
        pty_pair, sim, collector) -> None:
    reader_sim, worker = _start(pty_pair, sim, collector, warning_hold=0.2)
    try:
        reader_sim.control({"cmd": "place", "card": {**RESIDENT_CARD, "birth_date": "199003\u20707"}})
        assert wait_until(lambda: collector.saw_error("superscript"), 10)
        refused = [r for r in collector.raws if r.error and "superscript" in r.error]
        assert refused and refused[0].raw.startswith(bytes.fromhex("AAAAAA9669"))
        assert refused[0].parsed["refused_field"] == "birth_date"
        assert "出生日期" in refused[0].parsed["reason_zh"]
        status = worker.status
        assert "出生日期" in status.reason_zh and "birth date" in status.reason_en
        assert collector.none_within(0.3)  # nothing filed from the bad card
        reader_sim.control({"cmd": "remove"})
        time.sleep(0.2)
        reader_sim.control({"cmd": "place", "card": RESIDENT_CARD})
        assert collector.next().card.birth_date == date(1990, 3, 7)
        state = reader_sim.control({"cmd": "state"})
        assert state["sam_checks"] == 1, state  # one connection: the refusal did not reconnect
        assert wait_until(lambda: worker.status.state == ConnectionState.CONNECTED, 5)
    finally:
        worker.stop()


def test_a_failed_30_03_refuses_the_read_and_the_card_is_read_again(pty_pair, sim, collector) -> None:
    reader_sim, worker = _start(pty_pair, sim, collector, warning_hold=0.2)
    try:
        reader_sim.control({"cmd": "fault", "mode": "addr_fail"})
        reader_sim.control({"cmd": "place", "card": {**RESIDENT_CARD, "appended_address": "北京市西城区"}})
        assert wait_until(lambda: collector.saw_error("appended address"), 10)
        assert collector.none_within(0.3)
        reader_sim.control({"cmd": "fault", "mode": None})
        reader_sim.control({"cmd": "remove"})
        time.sleep(0.2)
        reader_sim.control({"cmd": "place", "card": {**RESIDENT_CARD, "appended_address": "北京市西城区"}})
        assert collector.next().card.appended_address == "北京市西城区"
        assert reader_sim.control({"cmd": "state"})["sam_checks"] == 1
    finally:
        worker.stop()


def test_a_sam_without_30_03_is_recorded_as_unsupported(pty_pair, sim, collector) -> None:
    reader_sim, worker = _start(pty_pair, sim, collector)
    try:
        reader_sim.control({"cmd": "fault", "mode": "addr_unsupported"})
        reader_sim.control({"cmd": "place", "card": {**RESIDENT_CARD, "appended_address": "北京市西城区"}})
        event = collector.next()
        assert event.card.appended_address is None
        assert event.card.extra["appended_address_status"] == "unsupported"
        assert event.address_raw is not None and event.address_raw.parsed["sw3"] == "21"
    finally:
        worker.stop()
