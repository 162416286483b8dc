"""Dialects of the analyzer protocols (devices/analyzer/dialects.py).

The messages here are written for the test after the layouts the issue reports (they are not
captures; the captures are in tests/devices/captures/ and test_captures.py)."""
from __future__ import annotations

import pytest

from devices.analyzer import e1394, hl7
from devices.analyzer.dialects import DIALECTS, UnknownDialect, dialect_for
from devices.analyzer.results import UnitError, normalise
from devices.registry import create_device

SYSMEX = DIALECTS["sysmex"]


def astm_message(o3: str, results: list[str], header: str = "H|\\^&|||XN-350^00-27^1^^^^A1||||||||E1394-97") -> str:
    return "\r".join([header, "P|1", f"O|1||{o3}|^^^^WBC|||||||N||||||||||||||F", *results, "L|1|N"]) + "\r"


def test_rack_tube_sample_needs_the_dialect() -> None:
    text = astm_message("2^1^   W000025000001^B", ["R|1|^^^^PLT^1|210|10*3/uL||N||F"])
    with pytest.raises(e1394.AstmMessageError, match="rack\\^tube\\^sample.*dialect"):
        e1394.parse_message(text)
    [sample] = e1394.parse_message(text, SYSMEX)
    assert sample.sample_id == "W000025000001" and sample.values["PLT"].value == 210.0
    # the results layout ^^sample^attribute is unambiguous for the generic dialect too
    [plain] = e1394.parse_message(astm_message("^^   W000025000001^B", ["R|1|^^^^PLT^1|210|10*3/uL||N||F"]))
    assert plain.sample_id == "W000025000001"
    with pytest.raises(e1394.AstmMessageError, match="component 3"):
        e1394.parse_message(astm_message("W000025000001", ["R|1|^^^^PLT^1|210|10*3/uL||N||F"]), SYSMEX)


def test_decimal_comma_only_where_the_dialect_has_one() -> None:
    text = astm_message("^^1535^M", ["R|1|^^^^WBC^1|  0,2|10*9/L||N||F", "R|2|^^^^HGB^1|13,8|g/dL||N||F"])
    [generic] = e1394.parse_message(text)
    assert "decimal comma" in generic.rejected["WBC"] and "dialect" in generic.rejected["WBC"]
    [sysmex] = e1394.parse_message(text, SYSMEX)
    assert sysmex.values["WBC"].value == 0.2 and sysmex.values["HGB"].value == 138.0
    assert sysmex.values["WBC"].raw_value == "0,2"
    for bad in ("1,234.5", "1,2,3", ",5", "1.234,5"):
        with pytest.raises(UnitError, match="not a number"):
            normalise("PLT", bad, "10*9/L", dialect=SYSMEX)


def test_units_by_dialect_are_explicit() -> None:
    horiba = DIALECTS["horiba"]
    assert normalise("HCT", "0.41", "1", dialect=horiba).value == 0.41
    with pytest.raises(UnitError, match="unknown unit '1'"):
        normalise("HGB", "13.8", "1", dialect=horiba)
    with pytest.raises(UnitError, match="unknown unit '1'"):
        normalise("HCT", "0.41", "1")
    mindray = DIALECTS["mindray-bc"]
    assert normalise("HCT", "0.405", "", dialect=mindray).value == 0.405
    with pytest.raises(UnitError, match="outside the plausible range"):
        normalise("HCT", "40.5", "", dialect=mindray)  # a percentage without its unit is not taken
    with pytest.raises(UnitError, match="unknown unit \\(empty\\)"):
        normalise("HCT", "0.405", "")


def test_non_final_status_refused_with_what_to_do() -> None:
    text = astm_message("^^1535^M", ["R|1|^^^^PLT^1|210|10*3/uL||N||P", "R|2|^^^^HGB^1|13.8|g/dL||N||F"])
    [sample] = e1394.parse_message(text, SYSMEX)
    assert "preliminary" in sample.rejected["PLT"] and "validate" in sample.rejected["PLT"]
    assert sample.values["HGB"].value == 138.0


HEMOSCREEN = ("MSH|^~\\&|HemoScreen|PixCell|||20240627140000||ORU^R01|HS42|P|2.5\r"
              "PID|1|W000025000001|||^^\r"
              "OBR|1|||CBC\r"
              "OBX|1|NM|PLT^Platelets||210|10*9/L|150-400|*|||F\r"
              "OBX|2|NM|Hb^Hemoglobin||13.9|g/dL|12-16|N|||F\r"
              "OBX|3|NM|HCT^Hematocrit||41.7|%|36-46|H|||F\r")


def test_hemoscreen_sample_id_in_pid_2_and_its_star_flag() -> None:
    with pytest.raises(hl7.Hl7Error, match="OBR without a sample id"):
        hl7.parse_oru(HEMOSCREEN.encode())
    _, [sample] = hl7.parse_oru(HEMOSCREEN.encode(), DIALECTS["hemoscreen"])
    assert sample.sample_id == "W000025000001"
    assert sample.values["PLT"].flags == ("low_reliability",) and sample.values["PLT"].needs_confirmation
    assert sample.values["HGB"].value == 139.0 and sample.values["HGB"].flags == ()
    assert sample.values["HCT"].flags == ("abnormal_high",)


@pytest.mark.parametrize("dialect,raw,expected", [
    ("sysmex", "W", ("low_reliability",)), ("sysmex", "N", ()), ("sysmex", "L", ("abnormal_low",)),
    ("sysmex", "W\\H", ("low_reliability", "abnormal_high")), ("mindray-bc", "A", ("low_reliability",)),
    ("mindray-bc", "H~A", ("abnormal_high", "low_reliability")), ("hemoscreen", "*", ("low_reliability",)),
    ("generic-hl7", "HH", ("critical_high",)), ("generic-hl7", "ZZ", ("abnormal",)), ("generic-hl7", "", ()),
])
def test_flags_normalised(dialect: str, raw: str, expected: tuple[str, ...]) -> None:
    assert DIALECTS[dialect].flag(raw) == expected


def test_dialect_names_and_the_registry() -> None:
    with pytest.raises(UnknownDialect, match="for astm: generic-astm, sysmex, horiba"):
        dialect_for("sysmex-xq", "astm")
    with pytest.raises(UnknownDialect, match="is for hl7"):
        dialect_for("mindray-bc", "astm")
    assert create_device("analyzer", "hemoscreen", "mllp://127.0.0.1:0", "hs").profile.name == "hemoscreen"
    worker = create_device("analyzer", "sysmex-xn", "loop://", "xn")
    assert worker.dialect.name == "sysmex" and worker.max_text == 8192
    assert create_device("analyzer", "astm", "loop://", "a", {"dialect": "horiba"}).dialect.name == "horiba"
    assert create_device("analyzer", "astm", "loop://", "a").max_text == 240


def test_station_config_dialect_reaches_the_driver() -> None:
    from station.config import DeviceConfig

    device = DeviceConfig(kind="analyzer", driver="astm", port="loop://", options={"baudrate": 9600},
                          dialect="horiba")
    assert device.driver_options() == {"baudrate": 9600, "dialect": "horiba"}
    assert DeviceConfig(kind="analyzer", options={"x": 1}).driver_options() == {"x": 1}
    worker = create_device(device.kind, device.driver, device.port, "a", device.driver_options())
    assert worker.dialect.name == "horiba"


def test_every_refusal_has_its_chinese_text() -> None:
    import re

    cjk = re.compile(r"[\u4e00-\u9fff]")
    text = astm_message("^^1535^M", ["R|1|^^^^PLT^1|210|10*3/uL||N||P", "R|2|^^^^HGB^1|13,8|g/dL||N||F",
                                     "R|3|^^^^HCT^1|41|furlong||N||F", "R|4|^^^^MPV^1|999|fL||N||F",
                                     "R|5|^^^^WBC^1|x|10*9/L||N||F", "R|6|^^^^WBC^1|5|10*9/L||N||F"])
    [sample] = e1394.parse_message(text)
    assert set(sample.rejected) == set(sample.rejected_zh) == {"PLT", "HGB", "HCT", "MPV", "WBC"}
    assert all(cjk.search(v) for v in sample.rejected_zh.values())
    assert "审核" in sample.rejected_zh["PLT"] and "逗号" in sample.rejected_zh["HGB"]
    assert "两次" in sample.rejected_zh["WBC"]
    assert sample.to_json()["rejected_zh"] == sample.rejected_zh


def test_an_unknown_dialect_in_the_configuration_is_a_device_configuration_error() -> None:
    from devices.registry import UnknownDevice

    with pytest.raises(UnknownDevice, match="unknown analyzer dialect 'sysmexx'"):
        create_device("analyzer", "astm", "loop://", "a", {"dialect": "sysmexx"})
    with pytest.raises(UnknownDevice, match="is for astm, not hl7"):
        create_device("analyzer", "hl7", "mllp://127.0.0.1:0", "h", {"dialect": "sysmex"})
