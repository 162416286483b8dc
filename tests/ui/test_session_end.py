"""When the service layer ends the sign-in (here: the account is deactivated at another station), the
client's next operation is refused and the window goes back to the sign-in page with the reason."""
from __future__ import annotations

from typing import Any

from station.demo import DEMO_PASSWORD
from station.services import users
from station.services.donors import search_donors
from ui import ops


def test_a_session_ended_in_the_service_layer_signs_the_client_out(client: Any, demo: Any, qtbot: Any,
                                                                    dialogs: Any) -> None:
    session, window = client
    ctx = session.ctx
    actor, due = users.authenticate(ctx, "reg01", DEMO_PASSWORD)
    assert not due and actor.session is not None
    window.on_signed_in(actor, False)
    assert window.pages.currentWidget() is window.work
    found: list[Any] = []
    ops.run_op(window, lambda: search_donors(ctx, session.user, name="王"), found.append)
    qtbot.waitUntil(lambda: bool(found), timeout=10_000)
    users.set_active(ctx, users.user_actor(ctx, "admin"), "reg01", False)  # an administrator, elsewhere
    ops.run_op(window, lambda: search_donors(ctx, actor, name="王"))
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.login, timeout=10_000)
    assert session.actor is None
    assert "停用" in window.login.banner.text()  # the reason, in the user's language (zh_CN here)
