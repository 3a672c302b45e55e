"""Paints the letter list's cells from each row's formatted texts, each laid out once.

Qt's default item drawing (``QStyledItemDelegate`` → ``QCommonStyle``) asks the model for
~7 roles per cell and lays out (shapes, with HarfBuzz) each cell's text several times on every
paint: to size it, to decide whether to elide it, to elide it, to draw it.
This delegate reads the row's formatted cells, keeps one laid-out, already elided
:class:`QTextLayout` per (text, width) and draws it, so a repaint shapes no text it has shaped
before. The selection and hover panel and the focus frame are still the
style's own, and the text lands where ``QCommonStyle`` puts it: same margins, alignment,
elision and colours, pixel for pixel.

The per-cell path avoids what is slow in PySide: Python enum flags (tested as ints), palette
look-ups (cached per palette) and calls whose answer does not change between cells.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QTextLayout, QTextLine, QTextOption
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget


class PaintedRows(Protocol):
    """A model this delegate draws: each cell's formatted text, its colour (None: the palette's)
    and whether its row is bold (the letter list's model and the cartable's)."""

    def painted_cell(self, row: int, column: int) -> tuple[str, QColor | None, bool]: ...


_ENABLED = QStyle.StateFlag.State_Enabled.value
_ACTIVE = QStyle.StateFlag.State_Active.value
_SELECTED = QStyle.StateFlag.State_Selected.value
_HAS_FOCUS = QStyle.StateFlag.State_HasFocus.value
_MOUSE_OVER = QStyle.StateFlag.State_MouseOver.value
_COLOR_STATE = _ENABLED | _ACTIVE | _SELECTED
_RTL = Qt.LayoutDirection.RightToLeft
_PANEL = QStyle.PrimitiveElement.PE_PanelItemViewItem

# About ten screenfuls of cells (~20 rows × 6 columns): scrolling back, hovering and selecting
# reuse layouts, and texts that recur (states, priorities, counterparts) are shaped once. A
# laid-out cell keeps its glyphs: up to ~6 KB for a long subject, so this stays under ~6 MB.
CACHE_SIZE = 1024


class Metrics:
    """The font cells are laid out in, its metrics, and the text options per direction."""

    __slots__ = ("char_width", "fm", "font", "options")

    def __init__(self, font: QFont) -> None:
        self.font = QFont(font)
        self.fm = QFontMetrics(font)
        # The list's texts (mostly Persian, in Vazirmatn) measure a median 0.75 of the font's
        # average character width per character.
        self.char_width = self.fm.averageCharWidth() * 0.75
        self.options: dict[bool, QTextOption] = {}
        for rtl, direction in ((False, Qt.LayoutDirection.LeftToRight), (True, _RTL)):
            option = self.options[rtl] = QTextOption()
            option.setWrapMode(QTextOption.WrapMode.ManualWrap)
            option.setTextDirection(direction)
            # The cell's (leading) alignment turned into a side, as the style does.
            option.setAlignment(QStyle.visualAlignment(direction, Qt.AlignmentFlag.AlignLeading))


class CellText:
    """One cell's text laid out on one line ``width`` pixels wide, elided as Qt elides it."""

    __slots__ = ("half_height", "layout", "text")

    def __init__(self, text: str, metrics: Metrics, width: int, rtl: bool, mode: Qt.TextElideMode) -> None:
        option = metrics.options[rtl]
        # Shaping is the cost. A text that looks too wide is elided straight away (two shapings
        # instead of three); any other is laid out first (one) and elided only if it must be.
        # The guess only orders the work: either way the text is cut where Qt cuts it.
        if len(text) * metrics.char_width > width:
            text = metrics.fm.elidedText(text, mode, width)
        layout, line = _lay_out(text, metrics.font, option, width)
        if line.naturalTextWidth() > width:
            # QCommonStyle's own elision: whole grapheme clusters, bidi controls kept balanced,
            # "…" at the logical end (the left end of a right-to-left text).
            text = metrics.fm.elidedText(text, mode, width)
            layout, line = _lay_out(text, metrics.font, option, width)
        self.text = text  # what is drawn
        self.layout = layout
        self.half_height = int(line.height() + 0.5) // 2  # rounded as QSizeF.toSize() rounds


def _lay_out(text: str, font: QFont, option: QTextOption, width: int) -> tuple[QTextLayout, QTextLine]:
    layout = QTextLayout(text, font)
    layout.setTextOption(option)
    layout.setCacheEnabled(True)  # keep the shaped glyphs, or every draw shapes again
    layout.beginLayout()
    line = layout.createLine()
    line.setLineWidth(width)
    layout.endLayout()
    return layout, line


class LetterRowDelegate(QStyledItemDelegate):
    """Draws the cells of a :class:`PaintedRows` model from cached layouts; other models the Qt way.

    It draws what that model's ``painted_cell`` offers (text, colour, bold) and nothing else: a
    role added to its ``data()`` (alignment, background) must be drawn here too.
    Tooltips, size hints and the current cell still go through ``data()`` and Qt.
    """

    def __init__(self, parent: QWidget | None = None, *, cache_size: int = CACHE_SIZE) -> None:
        super().__init__(parent)
        self._cells: dict[tuple[str, int, bool, bool], CellText] = {}
        self._cache_size = cache_size
        # The fonts the cached layouts were made with: the view's, and its bold (unread rows).
        self._metrics: Metrics | None = None
        self._bold: Metrics | None = None
        self._colors: dict[tuple[int, int], QColor] = {}
        self._style: tuple[QStyle, int] | None = None

    def clear_cache(self) -> None:
        """Forget every layout, colour and metric (the view's style or font changed)."""
        self._cells.clear()
        self._colors.clear()
        self._style = None

    def cell_text(self, option: QStyleOptionViewItem, text: str, bold: bool = False) -> CellText:
        """``text`` laid out for the cell ``option`` describes (made once, then reused)."""
        key = (text, option.rect.width(), option.direction is _RTL, bold)
        cell = self._cells.get(key)
        if cell is None:
            margin = self._style_for(option.widget)[1]
            font = option.font
            metrics = self._metrics
            if metrics is None or font != metrics.font:  # every layout made with another font is stale
                self._cells.clear()
                metrics = self._metrics = Metrics(font)
                bold_font = QFont(font)
                bold_font.setBold(True)
                self._bold = Metrics(bold_font)
            if bold:
                assert self._bold is not None
                metrics = self._bold
            if len(self._cells) >= self._cache_size:
                del self._cells[next(iter(self._cells))]  # the oldest
            cell = CellText(text, metrics, key[1] - 2 * margin, key[2], option.textElideMode)
            self._cells[key] = cell
        return cell

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        model = index.model()
        state = option.state.value
        painted = getattr(model, "painted_cell", None)
        if state & _HAS_FOCUS or painted is None:
            super().paint(painter, option, index)  # the current cell: Qt draws it, focus frame and all
            return
        widget = option.widget
        style, margin = self._style_for(widget)
        # The selection (and, in some styles, hover) panel, in the style's own colours. A cell
        # neither selected nor hovered has none (the model gives no background): most cells.
        if state & (_SELECTED | _MOUSE_OVER):
            style.drawPrimitive(_PANEL, option, painter, widget)
        text, color, bold = painted(index.row(), index.column())
        if not text:
            return
        rect = option.rect
        # Cache hits inline: this runs for every cell of every paint.
        cell = self._cells.get((text, rect.width(), option.direction is _RTL, bold))
        if cell is None:
            cell = self.cell_text(option, text, bold)
        if state & _SELECTED:
            color = None
        if color is None:
            color = self._colors.get((option.palette.cacheKey(), state & _COLOR_STATE))
            if color is None:
                color = self._text_color(option.palette, state)
        painter.setPen(color)
        # Inside the focus-frame margins, centred vertically as QStyle.alignedRect() centres.
        # No clip: the layout is elided to the width between the margins.
        y = rect.y() + rect.height() // 2 - cell.half_height
        cell.layout.draw(painter, QPointF(rect.x() + margin, y))

    def _text_color(self, palette: QPalette, state: int) -> QColor:
        key = (palette.cacheKey(), state & _COLOR_STATE)
        color = self._colors.get(key)
        if color is None:  # as QCommonStyle picks it
            if not state & _ENABLED:
                group = QPalette.ColorGroup.Disabled
            elif state & _ACTIVE:
                group = QPalette.ColorGroup.Normal
            else:
                group = QPalette.ColorGroup.Inactive
            role = QPalette.ColorRole.HighlightedText if state & _SELECTED else QPalette.ColorRole.Text
            if len(self._colors) > 64:  # palettes come and go (a theme change): keep it small
                self._colors.clear()
            color = self._colors[key] = palette.color(group, role)
        return color

    def _style_for(self, widget: QWidget | None) -> tuple[QStyle, int]:
        """The view's style and QCommonStyle's text margin in it (looked up once)."""
        if self._style is None:  # first paint, or the view's style changed (see clear_cache)
            style = widget.style() if widget is not None else QApplication.style()
            margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
            self._style = (style, margin)
        return self._style
