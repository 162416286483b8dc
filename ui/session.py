"""What every workspace is handed: the station context, the signed-in user, the devices and the tablet."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from station.context import StationContext
from station.security import Action, Actor

if TYPE_CHECKING:
    from ui.devices import DeviceHub
    from ui.tablet.controller import TabletController


@dataclass
class ClientSession:
    ctx: StationContext
    devices: DeviceHub
    tablet: TabletController | None = None
    actor: Actor | None = None
    notify: Callable[[str, str], None] = field(default=lambda level, text: None)
    extra: dict[str, Any] = field(default_factory=dict)

    def can(self, action: Action) -> bool:
        return self.actor is not None and self.actor.can(action)

    @property
    def user(self) -> Actor:
        if self.actor is None:
            from station.errors import PermissionDenied

            raise PermissionDenied("请先登录", "Please sign in first", code="NOT_SIGNED_IN")
        return self.actor
