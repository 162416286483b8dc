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

