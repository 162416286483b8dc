"""D3: no blood group on file: the separator gets no group (never "+"), the label never prints a bare "RhD"."""
from __future__ import annotations

import pytest

from devices.separator.model import ProcedureParameters, SeparatorDataError, blood_type_of
from station.services import donations as dn
from station.workflow import State
from tests.station.flow import drive, new_donation


@pytest.mark.parametrize("abo,rhd,want", [("O", "+", "O+"), ("AB", "-", "AB-"), ("", "", ""), ("A", "", ""),
                                          ("", "+", ""), (None, None, "")])
def test_separator_blood_type(abo, rhd, want) -> None:
    assert blood_type_of(abo, rhd) == want


def test_parameters_without_a_group_are_valid_and_omit_it() -> None:
    p = ProcedureParameters(172, 68, "M", 245, 0.43, "")
    assert "blood_type" not in p.to_json()
    with pytest.raises(SeparatorDataError):
        ProcedureParameters(172, 68, "M", 245, 0.43, "+")


@pytest.mark.parametrize("abo,rhd,want", [("O", "+", "O RhD+"), ("B", "-", "B RhD-"), ("", "", "ABO/RhD UNTYPED"),
                                          ("A", "", "A RhD UNTYPED"), ("", "+", "ABO UNTYPED RhD+")])
def test_label_group(abo, rhd, want) -> None:
    assert dn.label_blood_group(abo, rhd) == want


def test_printed_label_of_a_donor_with_no_group(ctx, staff) -> None:
    did = new_donation(ctx, staff)
    with ctx.transaction() as s:
        from station.models import Donation

        donor = s.get(Donation, did).donor
        donor.abo, donor.rhd = "", ""
    drive(ctx, staff, did, State.ASSESSED)
    label = dn.print_label(ctx, staff.nurse, did)
    assert label["abo_rhd"] == "ABO/RhD UNTYPED"
    assert label["abo_rhd"].strip() != "RhD"
