"""The roles' Persian names, one list for the title bar and the administrator's window."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def role_names() -> dict[str, str]:
    """Each role the server knows, by its name in Persian (in the order the administrator offers them)."""
    # each call spelled out with its literal context: pyside6-lupdate reads them so
    return {"secretary": QCoreApplication.translate("RoleNames", "Secretariat clerk"),
            "signatory": QCoreApplication.translate("RoleNames", "Signatory"),
            "staff": QCoreApplication.translate("RoleNames", "Staff"),
            "unit_manager": QCoreApplication.translate("RoleNames", "Unit manager"),
            "agency_admin": QCoreApplication.translate("RoleNames", "Agency administrator"),
            "rasad_observer": QCoreApplication.translate("RoleNames", "Rasad observer")}


def roles_text(roles: list[str]) -> str:
    """«کارشناس، مدیر واحد»: a user's roles in one line (a role unknown here by its code)."""
    names = role_names()
    return "، ".join(names.get(r, r) for r in roles)
