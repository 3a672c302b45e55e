"""Formatting toolbar for a right-to-left letter body (a ``QTextEdit``).

Icons are drawn here rather than taken from a theme: an office workstation may have no icon
theme at all, and glyph icons depend on fonts. The actions carry the editor's shortcuts
(Ctrl+B/I/U, Ctrl+Shift+R/E/J); the owner adds them to its own widget so the shortcuts
work wherever the focus is inside it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QFont,
    QIcon,
    QKeySequence,
    QPainter,
    QPen,
    QPixmap,
    QTextCharFormat,
    QTextCursor,
    QTextListFormat,
)
from PySide6.QtWidgets import QComboBox, QTextEdit, QToolBar, QWidget

from app.protocol.persian import to_ascii_digits, to_persian_digits

FONT_SIZES = (8, 9, 10, 11, 12, 14, 16, 18, 20, 24, 28)
ICON = 16


def _icon(draw: Callable[[QPainter], None]) -> QIcon:
    pixmap = QPixmap(ICON * 2, ICON * 2)  # drawn at 2x, crisp on high-DPI screens
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(2, 2)
    pen = QPen(Qt.GlobalColor.black, 1.6)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    draw(painter)
    painter.end()
    return QIcon(pixmap)


def _letter_icon(letter: str, *, bold: bool = False, italic: bool = False, underline: bool = False) -> QIcon:
    def draw(p: QPainter) -> None:
        font = QFont("DejaVu Sans")
        font.setPixelSize(13)
        font.setBold(bold)
        font.setItalic(italic)
        font.setUnderline(underline)
        p.setFont(font)
        p.drawText(QRectF(0, 0, ICON, ICON), Qt.AlignmentFlag.AlignCenter, letter)

    return _icon(draw)


def _lines_icon(align: str) -> QIcon:
    widths = (12, 8, 12, 6) if align != "justify" else (12, 12, 12, 12)

    def draw(p: QPainter) -> None:
        for i, w in enumerate(widths):
            y = 3.5 + i * 3
            x0: float
            if align == "right":
                x0 = 14 - w
            elif align == "center":
                x0 = 8 - w / 2
            else:
                x0 = 2
            p.drawLine(QPointF(x0, y), QPointF(x0 + w, y))

    return _icon(draw)


def _list_icon(numbered: bool) -> QIcon:
    def draw(p: QPainter) -> None:
        for i in range(3):
            y = 3.5 + i * 4.5
            p.drawLine(QPointF(2, y), QPointF(10, y))  # text on the left, markers on the right (RTL)
            if numbered:
                font = QFont("DejaVu Sans")
                font.setPixelSize(5)
                p.setFont(font)
                p.drawText(QRectF(11, y - 3, 5, 6), Qt.AlignmentFlag.AlignCenter, str(i + 1))
            else:
                p.drawEllipse(QPointF(13.5, y), 0.9, 0.9)

    return _icon(draw)


def _arrow_icon(redo: bool) -> QIcon:
    def draw(p: QPainter) -> None:
        # Undo points towards the start of a right-to-left line: rightwards.
        sign = -1 if redo else 1
        cx = 8
        p.drawArc(QRectF(3, 4, 10, 9), 30 * 16 if not redo else 150 * 16, 200 * 16 * sign)
        tip = QPointF(cx + 5 * sign, 5)
        p.drawLine(tip, QPointF(tip.x() - 3 * sign, 3))
        p.drawLine(tip, QPointF(tip.x() - 3 * sign, 7.5))

    return _icon(draw)


class RichTextToolbar(QToolBar):
    """Bold, italic, underline, alignment, lists, font size, undo/redo for one text edit."""

    def __init__(self, editor: QTextEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._editor = editor
        self.setIconSize(QSize(ICON, ICON))
        self.setFloatable(False)
        self.setMovable(False)
        ctx = Qt.ShortcutContext.WidgetWithChildrenShortcut

        def action(
            icon: QIcon,
            text: str,
            keys: QKeySequence | str | None,
            slot: Callable[..., None],
            *,
            checkable: bool = False,
        ) -> QAction:
            act = QAction(icon, text, self)
            act.setCheckable(checkable)
            if keys:
                act.setShortcut(QKeySequence(keys))
                act.setShortcutContext(ctx)
                act.setToolTip(
                    f"{text} ({QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)})"
                )
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        doc = editor.document()
        # No shortcuts here: Ctrl+Z / Ctrl+Shift+Z belong to whichever field has the focus.
        self.undo = action(_arrow_icon(False), self.tr("Undo"), None, editor.undo)
        self.redo = action(_arrow_icon(True), self.tr("Redo"), None, editor.redo)
        self.undo.setEnabled(False)
        self.redo.setEnabled(False)
        doc.undoAvailable.connect(self.undo.setEnabled)
        doc.redoAvailable.connect(self.redo.setEnabled)
        self.addSeparator()

        self.bold = action(
            _letter_icon("B", bold=True), self.tr("Bold"), "Ctrl+B", self._set_bold, checkable=True
        )
        self.italic = action(
            _letter_icon("I", italic=True), self.tr("Italic"), "Ctrl+I", self._set_italic, checkable=True
        )
        self.underline = action(
            _letter_icon("U", underline=True),
            self.tr("Underline"),
            "Ctrl+U",
            self._set_underline,
            checkable=True,
        )
        self.addSeparator()

        group = QActionGroup(self)
        self.align_right = action(
            _lines_icon("right"),
            self.tr("Align right"),
            "Ctrl+Shift+R",
            lambda: self._align(Qt.AlignmentFlag.AlignRight),
            checkable=True,
        )
        self.align_center = action(
            _lines_icon("center"),
            self.tr("Center"),
            "Ctrl+Shift+E",
            lambda: self._align(Qt.AlignmentFlag.AlignHCenter),
            checkable=True,
        )
        self.align_justify = action(
            _lines_icon("justify"),
            self.tr("Justify"),
            "Ctrl+Shift+J",
            lambda: self._align(Qt.AlignmentFlag.AlignJustify),
            checkable=True,
        )
        for act in (self.align_right, self.align_center, self.align_justify):
            group.addAction(act)
        self.addSeparator()

        self.numbered = action(
            _list_icon(True),
            self.tr("Numbered list"),
            None,
            lambda: self._toggle_list(QTextListFormat.Style.ListDecimal),
            checkable=True,
        )
        self.bulleted = action(
            _list_icon(False),
            self.tr("Bulleted list"),
            None,
            lambda: self._toggle_list(QTextListFormat.Style.ListDisc),
            checkable=True,
        )
        self.addSeparator()

        self.size_box = QComboBox(self)
        self.size_box.setToolTip(self.tr("Font size"))
        self.size_box.setAccessibleName(self.tr("Font size"))
        for size in FONT_SIZES:
            self.size_box.addItem(to_persian_digits(size), size)
        self.size_box.setEditable(True)
        self.size_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.size_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.size_box.textActivated.connect(self._set_size)
        self.addWidget(self.size_box)

        editor.currentCharFormatChanged.connect(self._sync_char)
        editor.cursorPositionChanged.connect(self._sync_block)
        self._sync_char(editor.currentCharFormat())
        self._sync_block()

    def formattingActions(self) -> list[QAction]:
        """Actions whose shortcuts the owner should make active over its whole area."""
        return [
            self.bold,
            self.italic,
            self.underline,
            self.align_right,
            self.align_center,
            self.align_justify,
        ]

    # --- formatting -------------------------------------------------------------------

    def _merge(self, fmt: QTextCharFormat) -> None:
        cursor = self._editor.textCursor()
        if not cursor.hasSelection():
            cursor.select(QTextCursor.SelectionType.WordUnderCursor)
        cursor.mergeCharFormat(fmt)
        self._editor.mergeCurrentCharFormat(fmt)

    def _set_bold(self, on: bool) -> None:
        fmt = QTextCharFormat()
        fmt.setFontWeight(QFont.Weight.Bold if on else QFont.Weight.Normal)
        self._merge(fmt)

    def _set_italic(self, on: bool) -> None:
        fmt = QTextCharFormat()
        fmt.setFontItalic(on)
        self._merge(fmt)

    def _set_underline(self, on: bool) -> None:
        fmt = QTextCharFormat()
        fmt.setFontUnderline(on)
        self._merge(fmt)

    def _set_size(self, text: str) -> None:
        try:
            size = float(to_ascii_digits(text).strip())
        except ValueError:
            return
        if 4 <= size <= 96:
            fmt = QTextCharFormat()
            fmt.setFontPointSize(size)
            self._merge(fmt)
            self._editor.setFocus()

    def _align(self, alignment: Qt.AlignmentFlag) -> None:
        # Absolute: "right" must stay right even if a paragraph's direction were left-to-right.
        flag = (
            alignment | Qt.AlignmentFlag.AlignAbsolute
            if alignment == Qt.AlignmentFlag.AlignRight
            else alignment
        )
        self._editor.setAlignment(flag)
        self._sync_block()

    def _toggle_list(self, style: QTextListFormat.Style) -> None:
        cursor = self._editor.textCursor()
        current = cursor.currentList()
        cursor.beginEditBlock()  # one undo step
        if current is not None and current.format().style() == style:
            # Take the selected paragraphs back out of the list.
            doc = self._editor.document()
            block, end = doc.findBlock(cursor.selectionStart()), cursor.selectionEnd()
            while block.isValid() and block.position() <= end:
                if (lst := block.textList()) is not None:
                    lst.remove(block)
                    fmt = block.blockFormat()
                    fmt.setIndent(0)
                    QTextCursor(block).setBlockFormat(fmt)
                block = block.next()
        elif current is not None:
            list_format = current.format()
            list_format.setStyle(style)
            current.setFormat(list_format)
        else:
            list_format = QTextListFormat()
            list_format.setStyle(style)
            cursor.createList(list_format)
        cursor.endEditBlock()
        self._sync_block()

    # --- state ------------------------------------------------------------------------

    def _sync_char(self, fmt: QTextCharFormat) -> None:
        self.bold.setChecked(fmt.fontWeight() >= QFont.Weight.Bold)
        self.italic.setChecked(fmt.fontItalic())
        self.underline.setChecked(fmt.fontUnderline())
        size = fmt.fontPointSize() or self._editor.font().pointSizeF()
        self.size_box.setEditText(to_persian_digits(f"{size:g}"))

    def _sync_block(self) -> None:
        align = self._editor.alignment()
        self.align_center.setChecked(bool(align & Qt.AlignmentFlag.AlignHCenter))
        self.align_justify.setChecked(bool(align & Qt.AlignmentFlag.AlignJustify))
        self.align_right.setChecked(
            not (align & (Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignJustify))
        )
        lst = self._editor.textCursor().currentList()
        style = lst.format().style() if lst is not None else None
        self.numbered.setChecked(style == QTextListFormat.Style.ListDecimal)
        self.bulleted.setChecked(style == QTextListFormat.Style.ListDisc)
