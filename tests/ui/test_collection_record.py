"""D2: the collection record keeps the separator's summary exactly as it was received."""
from __future__ import annotations

from typing import Any

from station.services.donations import CollectionResult
from tests.station.test_collection_summary import ALARM, SUMMARY


def _form(qtbot: Any) -> Any:
    from ui.collection.widgets import FinishForm

    form = FinishForm()
    qtbot.addWidget(form)
    got: list[CollectionResult] = []
    form.sig_submitted.connect(got.append)
    form.got = got  # type: ignore[attr-defined]
    return form


def test_the_separator_summary_is_submitted_unrounded_and_whole(qapp: Any, qtbot: Any) -> None:
    form = _form(qtbot)
    form.fill(SUMMARY)
    assert form.edited() == {}  # nothing was typed: the form must not think the nurse edited 166.9
    form.submit.click()
    assert form.got == [SUMMARY]  # same floats, post count, Hct, alarms and the raw message link
    assert form.got[0].ac_to_donor_ml == 166.9 and form.got[0].platelet_yield_e11 == 2.837


def test_a_field_the_nurse_changes_keeps_the_rest_of_the_summary(qapp: Any, qtbot: Any) -> None:
    form = _form(qtbot)
    form.fill(SUMMARY)
    form.spins["ac_used_ml"].setValue(250.0)
    assert form.edited() == {"ac_used_ml": 250.0}
    form.submit.click()
    (got,) = form.got
    assert got.ac_used_ml == 250.0 and got.ac_to_donor_ml == 166.9 and got.whole_blood_processed_ml == 2466.9
    assert (got.post_plt_10e9_l, got.post_hct, got.alarms, got.raw_message_id) == (148.0, 0.392, (ALARM,), 41)


# --- D3: a donor with no blood group on file ---------------------------------------------------------------

def test_no_blood_group_parameters_reach_the_separator_without_one(client: Any, demo: Any, qtbot: Any,
                                                                   monkeypatch: Any) -> None:
    import re

    session, window = client
    window.on_signed_in(demo.actors["nurse"], False)
    ctrl = window.workspace_widgets["collection"].controller
    sent: list[Any] = []

    class Separator:
        def send_parameters(self, params: Any) -> None:
            sent.append(params)

    monkeypatch.setattr(session.devices, "by_kind", lambda kind: Separator() if kind == "separator" else None)
    notes: list[tuple[str, str]] = []
    session.notify = lambda level, text: notes.append((level, text))
    ctrl.detail = {"examination": {"weight_kg": 68.0, "height_cm": 175}, "pretest": {"plt_10e9_l": 236.0, "hct": 0.43},
                   "donor": {"sex": "male", "abo": "", "rhd": ""}, "din": "W000026000123"}
    ctrl._send_parameters()
    (params,) = sent
    assert params.blood_type == "" and "blood_type" not in params.to_json()
    assert (params.weight_kg, params.pre_count, params.hct, params.donation_id) == (68.0, 236.0, 0.43, "W000026000123")
    ((level, text),) = notes
    assert level == "warn" and "血型" in text and "+" not in text and not re.search(r"[A-Za-z]{3,}", text)
    # a known group is sent whole
    sent.clear()
    ctrl.detail["donor"] = {"sex": "female", "abo": "AB", "rhd": "-"}
    ctrl._send_parameters()
    assert sent[0].blood_type == "AB-"
