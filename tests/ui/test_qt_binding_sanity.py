"""Guards against a Qt binding that corrupts the interpreter.

PySide6 6.12.0 on CPython 3.11 drops one reference to None on every void-returning call;
after a few thousand calls the process aborts ("none_dealloc"). pyproject.toml excludes it;
this test fails loudly if such a build is ever installed again.
"""

import sys

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel


def test_void_qt_calls_keep_none_alive(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    font = QFont()
    before = sys.getrefcount(None)
    for _ in range(500):
        label.setText("دبیر")
        font.setPointSizeF(10.0)
    assert sys.getrefcount(None) >= before - 10
