"""The «OK / Cancel» row of Dabir's small forms, its OK button named for what it does."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton

_OK, _CANCEL = QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Cancel


def action_buttons(dialog: QDialog, ok_text: str, ok_name: str, on_ok: Callable[[], object],
                   cancel_text: str | None = None) -> tuple[QDialogButtonBox, QPushButton]:
    """The button row and its OK button (``ok_name`` for tests and style sheets); Cancel rejects."""
    buttons = QDialogButtonBox(_OK | _CANCEL)
    ok = buttons.button(_OK)
    ok.setText(ok_text)
    ok.setObjectName(ok_name)
    if cancel_text is not None:
        buttons.button(_CANCEL).setText(cancel_text)
    buttons.accepted.connect(on_ok)
    buttons.rejected.connect(dialog.reject)
    return buttons, ok
