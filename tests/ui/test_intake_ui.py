"""The desktop client with nobody signed in: an analyzer result is stored and matched by the intake at once, and the
physician who signs in later finds it filed into the donation when she opens it (nothing waits for a screen)."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from station.models import DeviceMessage
from station.services import donations as dn
from tests.station.flow import GOOD_EXAM, healthy_answers, new_donor

pytestmark = pytest.mark.skipif(shutil.which("socat") is None, reason="socat is needed for the simulators")


@pytest.fixture
def sims(tmp_path: Path) -> Any:
    from devices.sim_supervisor import SimSupervisor

    sup = SimSupervisor(tmp_path / "sims")
    sup.start(("analyzer",))
    yield sup
    sup.stop()


def test_a_result_with_nobody_signed_in_is_stored_then_filed_when_opened(client: Any, demo: Any, sims: Any,
                                                                         qtbot: Any) -> None:
    session, window = client
    ctx, actors = demo.ctx, demo.actors
    donor_id, _ = new_donor(ctx, actors["registrar"])
    donation_id = dn.register_donation(ctx, actors["registrar"], donor_id)["donation_id"]
    dn.sign_questionnaire(ctx, actors["registrar"], donation_id, healthy_answers(ctx, "male"))
    dn.record_examination(ctx, actors["physician"], donation_id, GOOD_EXAM)
    din = dn.donation_detail(ctx, actors["physician"], donation_id)["din"]

    hub = session.devices
    hub.add("analyzer", "analyzer", "astm", sims.ports["analyzer"])
    qtbot.waitUntil(lambda: hub.workers["analyzer"].status.state.value == "connected", timeout=15_000)
    assert session.actor is None  # the sign-in screen: nobody at the station
    heard: list[Any] = []
    hub.sig_intake.connect(lambda name, intake: heard.append(intake))
    sims.control("analyzer", {"cmd": "send", "sample_id": din, "values": {"HGB": 14.1, "HCT": 42, "PLT": 228}})
    qtbot.waitUntil(lambda: any(i.kind == "analyzer" for i in heard), timeout=20_000)

    with ctx.transaction() as s:
        (m,) = s.execute(select(DeviceMessage).where(DeviceMessage.kind == "analyzer",
                                                     DeviceMessage.direction == "in")).scalars()
        assert (m.status, m.donation_id, m.sample_id) == ("matched", donation_id, din)
        assert m.raw.startswith(b"\x05\x021H|") and m.raw.endswith(b"\x04")  # the E1381 session as it came
    assert dn.donation_detail(ctx, actors["physician"], donation_id)["state"] == "examined"

    window.on_signed_in(actors["physician"], False)
    phys = window.workspace_widgets["physician"]
    phys.controller.refresh_queue()
    qtbot.waitUntil(lambda: any(r["donation_id"] == donation_id for r in phys.queue.rows), timeout=10_000)
    phys.queue.select(donation_id)
    qtbot.waitUntil(lambda: (phys.controller.detail or {}).get("state") == "pretested", timeout=15_000)
    pretest = phys.controller.detail["pretest"]
    assert (pretest["hb_g_l"], pretest["hct"], pretest["plt_10e9_l"]) == (141.0, 0.42, 228.0)
    window.sign_out()
