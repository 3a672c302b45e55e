"""Display names for model values, through Qt's translation system (English source strings)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from app.models.citizen_answer import PAPER_DELIVERY_FA
from app.models.folders import Folder
from app.models.lifecycle import STATE_NAMES_FA, State
from app.protocol.canonical import Classification, Priority
from app.protocol.persian import to_persian_digits


def folder_name(folder: Folder) -> str:
    names = {
        Folder.DRAFTS: QCoreApplication.translate("Folder", "Drafts"),
        Folder.AWAITING_SIGNATURE: QCoreApplication.translate("Folder", "Awaiting signature"),
        Folder.OUTBOX: QCoreApplication.translate("Folder", "Outbox"),
        Folder.SENT: QCoreApplication.translate("Folder", "Sent"),
        Folder.INCOMING: QCoreApplication.translate("Folder", "Incoming"),
        Folder.ARCHIVE: QCoreApplication.translate("Folder", "Archive"),
    }
    return names[folder]


def priority_name(value: str) -> str:
    names: dict[str, str] = {
        Priority.NORMAL: QCoreApplication.translate("Priority", "Normal"),
        Priority.URGENT: QCoreApplication.translate("Priority", "Urgent"),
        Priority.IMMEDIATE: QCoreApplication.translate("Priority", "Immediate"),
    }
    return names.get(value, value)


def classification_name(value: str) -> str:
    names: dict[str, str] = {
        Classification.NORMAL: QCoreApplication.translate("Classification", "Normal"),
        Classification.CONFIDENTIAL: QCoreApplication.translate("Classification", "Confidential"),
        Classification.SECRET: QCoreApplication.translate("Classification", "Secret"),
        Classification.TOP_SECRET: QCoreApplication.translate("Classification", "Top secret"),
    }
    return names.get(value, value)


def state_name(value: str, *, on_paper: bool = False) -> str:
    """``on_paper``: a numbered letter that went out on paper (a citizen's answer, handed over or posted)."""
    # The lifecycle owns the official Persian state names (also used in error messages).
    if on_paper and value == State.SENT:
        return PAPER_DELIVERY_FA
    try:
        return STATE_NAMES_FA[State(value)]
    except ValueError:
        return value


def persian_number(n: int) -> str:
    """``12345`` → ``۱۲٬۳۴۵`` (Persian digits, Arabic thousands separator)."""
    return to_persian_digits(f"{n:,}".replace(",", "\u066c"))


