"""Which workspaces each role sees, in order; each is created from its own folder ui/<role>/workspace.py."""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from station.security import Action, Actor
from ui.session import ClientSession


@dataclass(frozen=True)
class WorkspaceSpec:
    key: str
    module: str  # ui.<folder>.workspace, defining class Workspace(session)
    action: Action  # shown to users allowed this action
    title: Callable[[], str]


def _t(text: str) -> Callable[[], str]:
    return lambda: QCoreApplication.translate("Workspaces", text)


# the strings below are listed for lupdate through QT_TRANSLATE_NOOP-style calls in titles()
WORKSPACES = (
    WorkspaceSpec("registration", "ui.registration.workspace", Action.REGISTER_DONOR, _t("Registration desk")),
    WorkspaceSpec("physician", "ui.physician.workspace", Action.EXAMINE, _t("Examination and assessment")),
    WorkspaceSpec("collection", "ui.collection.workspace", Action.COLLECT, _t("Collection chair")),
    WorkspaceSpec("archivist", "ui.archivist.workspace", Action.ARCHIVE, _t("Archive")),
    WorkspaceSpec("admin", "ui.admin.workspace", Action.MANAGE_USERS, _t("Administration")),
    WorkspaceSpec("quality", "ui.quality.workspace", Action.VIEW_QUALITY, _t("Quality dashboard")),
)


def titles() -> dict[str, str]:
    return {"registration": QCoreApplication.translate("Workspaces", "Registration desk"),
            "physician": QCoreApplication.translate("Workspaces", "Examination and assessment"),
            "collection": QCoreApplication.translate("Workspaces", "Collection chair"),
            "archivist": QCoreApplication.translate("Workspaces", "Archive"),
            "admin": QCoreApplication.translate("Workspaces", "Administration"),
            "quality": QCoreApplication.translate("Workspaces", "Quality dashboard")}


def workspaces_for(actor: Actor) -> list[WorkspaceSpec]:
    return [w for w in WORKSPACES if actor.can(w.action)]


def create(spec: WorkspaceSpec, session: ClientSession) -> QWidget:
    module = importlib.import_module(spec.module)
    widget: QWidget = module.Workspace(session)
    widget.setObjectName(f"workspace_{spec.key}")
    return widget
