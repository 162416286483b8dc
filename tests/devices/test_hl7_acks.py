"""HL7 acknowledgements that tell the truth (issue 20, deliverable 4), read back with hl7apy."""
from __future__ import annotations

import pytest
from hl7apy.parser import parse_message, parse_segment

from devices.analyzer import hl7
from devices.analyzer.dialects import DIALECTS
from devices.analyzer.driver import Hl7Session

ORU = ("MSH|^~\\&|BC-5390|Mindray|||20240627140000||ORU^R01|C77|P|{version}||||||UNICODE\r"
       "PID|1||^^^^MR\r"
       "OBR|1||W000025000001|00001^Automated Count^99MRC\r"
       "OBX|1|NM|718-7^HGB^LN||{hgb}|g/dL|11.0-16.0|N|||F\r"
       "OBX|2|NM|4544-3^HCT^LN||41.5|%|37.0-54.0|N|||{hct_status}\r"
       "OBX|3|NM|777-3^PLT^LN||{plt}|10*3/uL|100-300|N|||F\r")


def answer(message: str, dialect: str = "mindray-bc") -> tuple[hl7.MllpItem, bytes]:
    session = Hl7Session("bc", profile=DIALECTS[dialect])
    [out] = session.feed(hl7.mllp_wrap(message.encode()))
    assert out.ack is not None
    return out, out.ack


def errs(ack: bytes) -> list:
    return [parse_segment(line, version="2.5") for line in ack.decode().split("\r") if line.startswith("ERR|")]


def test_aa_only_when_everything_was_taken() -> None:
    out, ack = answer(ORU.format(version="2.5", hgb="13.8", hct_status="F", plt="245"))
    msg = parse_message(ack.decode(), find_groups=False)
    assert (msg.msa.msa_1.value, msg.msa.msa_2.value) == ("AA", "C77")
    assert msg.msh.msh_9.value == "ACK^R01" and msg.msh.msh_12.value == "2.5"
    assert errs(ack) == [] and out.accepted[0].samples[0].rejected == {}


def test_ae_names_each_refused_result() -> None:
    out, ack = answer(ORU.format(version="2.5", hgb="1E+999999999", hct_status="P", plt="245"))
    msg = parse_message(ack.decode(), find_groups=False)
    assert (msg.msa.msa_1.value, msg.msa.msa_2.value) == ("AE", "C77")
    assert "2 result(s) refused" in msg.msa.msa_3.value
    by_field = {e.err_2.value: e for e in errs(ack)}
    assert set(by_field) == {"OBX^1^5", "OBX^2^11"}
    assert by_field["OBX^1^5"].err_3.err_3_1.value == "102"  # data type error: not a number
    assert "HGB" in by_field["OBX^1^5"].err_8.value and "not a number" in by_field["OBX^1^5"].err_8.value
    assert by_field["OBX^2^11"].err_3.err_3_1.value == "207"
    assert "preliminary" in by_field["OBX^2^11"].err_8.value and "validate" in by_field["OBX^2^11"].err_8.value
    # what was taken is still filed: PLT
    [sample] = out.accepted[0].samples
    assert sample.values["PLT"].value == 245.0 and set(sample.rejected) == {"HGB", "HCT"}


@pytest.mark.parametrize("text,code,err3", [
    ("MSH|^~\\&|BC|M|||20240101||ADT^A01|77|P|2.5\rPID|1\r", "AR", "200"),
    ("MSH|^~\\&|BC|M|||20240101||ORU^R01|78|P|3.0\rOBR|1||W1\r", "AR", "203"),
    ("MSH|^~\\&|BC|M|||20240101||ORU^R01|79|P|2.5\rPID|1\r", "AE", "100"),
    ("MSH|^~\\&|BC|M|||20240101||ORU^R01|80|P|2.5\rOBR|1|||x\rOBX|1|NM|718-7^HGB^LN||13|g/dL\r", "AE", "101"),
])
def test_a_message_refused_as_a_whole(text: str, code: str, err3: str) -> None:
    out, ack = answer(text)
    msg = parse_message(ack.decode(), find_groups=False)
    assert msg.msa.msa_1.value == code and msg.msa.msa_2.value == text.split("|")[9]
    [err] = errs(ack)
    assert err.err_3.err_3_1.value == err3 and err.err_4.value == "E" and err.err_7.value
    assert not out.accepted and out.refused


def test_an_oversized_message_is_answered_with_its_control_id() -> None:
    session = Hl7Session("bc", max_message=300)
    big = ORU.format(version="2.5", hgb="13.8", hct_status="F", plt="245") + "NTE|1||" + "x" * 500 + "\r"
    [out] = session.feed(hl7.mllp_wrap(big.encode()))
    msg = parse_message(out.ack.decode(), find_groups=False)
    assert (msg.msa.msa_1.value, msg.msa.msa_2.value) == ("AR", "C77")
    assert "longer than 300" in errs(out.ack)[0].err_7.value


def test_ack_text_cannot_break_the_ack() -> None:
    """Refusal texts carry the instrument's own bytes: separators and control characters are blanked."""
    out, ack = answer(ORU.format(version="2.5", hgb="1|2^3~4\\5&6\x00", hct_status="F", plt="245"))
    msg = parse_message(ack.decode(), find_groups=False)
    assert msg.msa.msa_1.value == "AE" and len(errs(ack)) == 1
    assert all(line.count("|") <= 8 for line in ack.decode().split("\r") if line.startswith("ERR"))
