"""A letter's attachments as a list: type icon, name and size in Persian digits.

In the editor (:class:`AttachmentsEditor`) files come by the «پیوست…» button (the Persian file
dialog) or by drag and drop, are checked (size, kind of document) and copied into the blob store
at once on a worker, with progress, so a draft stays complete offline; they can be removed until
the letter is signed. In the letter view (:class:`AttachmentsViewer`) an attachment is downloaded
on demand on a worker with progress, checked against the SHA-256 the letter's signature covers,
then opened with the system's default application or saved elsewhere.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QMimeData, QMimeDatabase, QRectF, Qt, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QKeySequence,
    QPainter,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models.attachments import (
    AttachmentEntry,
    AttachmentRefused,
    Listed,
    copy_in,
    last_folder,
    open_copy,
    remember_folder,
    save_copy,
)
from app.models.attachments import read_attachments as read_listed
from app.models.db import Store
from app.protocol.media import name_for_type, shown_name
from app.protocol.persian import ltr_island, to_persian_digits
from app.sync import account
from app.sync.attachments import Speed, fetch
from app.ui.attachments_progress import transfer_text
from app.ui.file_dialogs import ask, ask_many, file_dialog
from app.ui.ops import Op, OpContext

log = logging.getLogger(__name__)
T = TypeVar("T")

ERROR_STYLE = "color: #c62828;"
NOTICE_STYLE = "color: #2e7d32;"
_ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
_MIMES = QMimeDatabase()


# A badge per kind of document where the desktop theme has no icon for it (colour, label): a
# format's own name as its files show it (PDF, DOC …), else a Persian word.
_BADGES = (("pdf", "#c62828", "PDF"), ("word", "#1565c0", "DOC"), ("msword", "#1565c0", "DOC"),
           ("sheet", "#2e7d32", "XLS"), ("excel", "#2e7d32", "XLS"), ("presentation", "#e65100", "PPT"),
           ("powerpoint", "#e65100", "PPT"), ("image/", "#6a1b9a", "تصویر"), ("video/", "#37474f", "MP4"),
           ("zip", "#5d4037", "ZIP"), ("text/", "#546e7a", "متن"))


def _badge(media_type: str) -> QIcon:
    color, label = next(((c, t) for key, c, t in _BADGES if key in media_type), ("#757575", "پرونده"))
    pixmap = QPixmap(32, 32)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(color))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawRoundedRect(QRectF(3, 1, 26, 30), 4, 4)
    font = painter.font()
    font.setPixelSize(9)
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(QRectF(3, 1, 26, 30), Qt.AlignmentFlag.AlignCenter, label)
    painter.end()
    return QIcon(pixmap)


def type_icon(media_type: str) -> QIcon:
    """The desktop theme's icon for a media type, else a coloured badge naming the kind."""
    mime = _MIMES.mimeTypeForName(media_type)
    for name in (mime.iconName(), mime.genericIconName()) if mime.isValid() else ():
        if QIcon.hasThemeIcon(name):
            return QIcon.fromTheme(name)
    return _badge(media_type)


def local_paths(mime: QMimeData) -> list[Path]:
    """The local files a drag carries (folders and remote URLs are not attachments)."""
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile() and Path(url.toLocalFile()).is_file()]


class AttachmentList(QListWidget):
    """The list itself: one row per attachment, «name — ۲٫۴ مگابایت» with the type's icon."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentList")
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self.setMaximumHeight(110)
        # a long name loses its middle, never its extension, and the list never scrolls sideways
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def set_entries(self, entries: Iterable[AttachmentEntry], suffix: Callable[[AttachmentEntry], str] | None = None
                    ) -> None:
        self.clear()
        for entry in entries:
            # The name is isolated: a Latin name with dots and digits keeps its own order in the RTL row.
            text = f"{shown_name(entry.name)} — {entry.size_text}" + (suffix(entry) if suffix else "")
            item = QListWidgetItem(type_icon(entry.media_type), text)
            item.setData(_ENTRY_ROLE, entry)
            item.setToolTip(f"{shown_name(entry.name)}\n{entry.media_type}\n{to_persian_digits(entry.size)} بایت")
            self.addItem(item)
        self.setVisible(self.count() > 0)

    def entries(self) -> list[AttachmentEntry]:
        return [self.item(i).data(_ENTRY_ROLE) for i in range(self.count())]

    def current_entry(self) -> AttachmentEntry | None:
        item = self.currentItem()
        return item.data(_ENTRY_ROLE) if item is not None else None


class _Panel(QWidget):
    """List, buttons, a progress bar while a file is copied or downloaded, and a Persian error line."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.list = AttachmentList(self)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("attachmentProgress")
        self.progress.setMaximumWidth(260)
        self.progress.hide()
        self.progress_label = QLabel(self)
        self.progress_label.hide()
        self.error = QLabel(self)
        self.error.setObjectName("attachmentError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QHBoxLayout()
        self.buttons.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addLayout(self.buttons)
        bar.addWidget(self.progress_label)
        bar.addWidget(self.progress)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.list)
        layout.addWidget(self.error)
        self.list.hide()

    def show_error(self, text: str, *, error: bool = True) -> None:
        """The line under the list: a reason in red, or (``error=False``) a confirmation in green."""
        self.error.setStyleSheet(ERROR_STYLE if error else NOTICE_STYLE)
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def _progress(self, done: int, total: int, text: str) -> None:
        self.progress.setMaximum(1000)
        self.progress.setValue(int(1000 * done / total) if total else 1000)
        # Qt's «%p» writes Latin digits whatever the locale
        self.progress.setFormat(to_persian_digits(int(100 * done / total) if total else 100) + "٪")
        self.progress_label.setText(text)
        self.progress.show()
        self.progress_label.setVisible(bool(text))

    def _progress_done(self) -> None:
        self.progress.hide()
        self.progress_label.hide()


class AttachmentsEditor(_Panel):
    """The editor's attachments; ``changed`` after one is added or removed (the draft saves them)."""

    changed = Signal()
    settled = Signal()  # the files being copied are all listed (or refused)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentsEditor")
        self._store = store
        self._read_only = False
        self._copying = 0
        # Tests replace this: the dialog asking which files to attach.
        self.ask_files: Callable[[], list[str]] = self._ask_files
        self.attach_button = QPushButton(self.tr("Attach…"), self)
        self.attach_button.setObjectName("attachButton")
        self.attach_button.setToolTip(self.tr("Attach a file (or drop files on the letter)"))
        self.attach_button.clicked.connect(self.choose_file)
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.remove_button.setObjectName("removeAttachment")
        self.remove_button.clicked.connect(self.remove_current)
        self.remove_button.setEnabled(False)
        self.buttons.addWidget(self.attach_button)
        self.buttons.addWidget(self.remove_button)
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.list)
        delete.activated.connect(self.remove_current)
        self.setAcceptDrops(True)

    # --- what the draft holds -------------------------------------------------------------

    def entries(self) -> list[AttachmentEntry]:
        return self.list.entries()

    def set_entries(self, entries: list[AttachmentEntry]) -> None:
        self.list.set_entries(entries)
        self._update_buttons()

    @property
    def busy(self) -> bool:
        """A file is still being copied into the store."""
        return self._copying > 0

    def setReadOnly(self, read_only: bool) -> None:
        """A signed (sealed) letter's attachments can no longer change."""
        self._read_only = read_only
        self.setAcceptDrops(not read_only)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.attach_button.setEnabled(not self._read_only)
        self.remove_button.setEnabled(not self._read_only and self.list.currentItem() is not None)

    # --- adding and removing --------------------------------------------------------------

    def _ask_files(self) -> list[str]:
        """The Persian file dialog, several files at once, in the folder the last ones came from."""
        return ask_many(file_dialog(self, self.tr("Attach files"), self.tr("All files (*)"), many=True,
                                    folder=last_folder(self._store)))

    def choose_file(self) -> None:
        if self._read_only:
            return
        paths = self.ask_files()
        if paths:
            self.attach_files([Path(p) for p in paths], remember=True)

    def attach_files(self, paths: list[Path], *, remember: bool = False) -> None:
        """Check and copy the files into the blob store on a worker, in order; list each once copied
        (``remember``: their folder is where the next file dialog starts)."""
        if self._read_only or not paths:
            return
        self.show_error("")
        store = self._store
        self._copying += 1

        def work(ctx: OpContext) -> list[AttachmentEntry | AttachmentRefused]:
            out: list[AttachmentEntry | AttachmentRefused] = []
            if remember:
                remember_folder(store, str(paths[0]))
            for path in paths:
                text = self.tr("Copying «%1»").replace("%1", shown_name(path.name))

                def step(done: int, total: int, text: str = text) -> None:
                    ctx.raise_if_cancelled()
                    ctx.progress(done, total, text)
                try:
                    out.append(copy_in(store, path, step))
                except AttachmentRefused as exc:  # the others are still attached
                    out.append(exc)
            return out

        Op(self, work).with_progress(self._progress).success(self._copied).failure(self._copy_failed) \
            .on_cancelled(self._copy_ended).run()

    def _copy_ended(self) -> None:
        self._copying -= 1
        if not self._copying:
            self._progress_done()
            self.settled.emit()

    def _copied(self, results: list[AttachmentEntry | AttachmentRefused]) -> None:
        self.show_error("\n".join(r.message_fa for r in results if isinstance(r, AttachmentRefused)))
        added = [r for r in results if isinstance(r, AttachmentEntry)]
        if added and not self._read_only:
            self.list.set_entries([*self.entries(), *added])
            self.list.setCurrentRow(self.list.count() - 1)
            self._update_buttons()
            self.changed.emit()
        self._copy_ended()

    def _copy_failed(self, exc: BaseException) -> None:
        self._copy_ended()
        log.error("a file could not be attached", exc_info=exc)
        self.show_error(self.tr("The file could not be attached."))

    def remove_current(self) -> None:
        row = self.list.currentRow()
        if self._read_only or row < 0:
            return
        kept = self.entries()
        del kept[row]
        self.list.set_entries(kept)
        self._update_buttons()
        self.changed.emit()

    # --- drag and drop --------------------------------------------------------------------

    def accepts(self, mime: QMimeData) -> bool:
        return not self._read_only and bool(local_paths(mime))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.accepts(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        if self.accepts(event.mimeData()):
            event.acceptProposedAction()
            self.attach_files(local_paths(event.mimeData()))
        else:
            event.ignore()


def program_for(media_type: str) -> bool:
    """Whether this computer has a program for the type. On Linux QDesktopServices answers True as
    soon as xdg-open starts, whatever follows, so xdg-mime is asked for the default application
    first; elsewhere (and when xdg-mime cannot tell) the system's answer to opening is the answer."""
    tool = shutil.which("xdg-mime") if sys.platform.startswith("linux") else None
    if tool is None:
        return True
    try:
        answer = subprocess.run([tool, "query", "default", media_type], capture_output=True, text=True,
                                timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return True
    return answer.returncode != 0 or bool(answer.stdout.strip())


# The receiving side: download on demand (``fetch``), then open or save a copy.
Fetch = Callable[[Store, AttachmentEntry, Callable[[int, int], None]], None]


def fetch_attachment(store: Store, entry: AttachmentEntry, on_progress: Callable[[int, int], None]) -> None:
    """Download an attachment from this profile's server into the blob store (worker thread)."""
    if store.blobs.has(entry.sha256):
        return
    with account.open_api(store) as api:
        fetch(store, api, entry, on_progress)


class AttachmentsViewer(_Panel):
    """A letter's attachments in the letter view: open (downloading first if needed) or save a copy."""

    def __init__(self, store: Store, guid: str, fetch: Fetch, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentsViewer")
        self._store = store
        self._guid = guid
        self._fetch = fetch
        self._busy: Op[Any] | None = None
        self.listed: list[Listed] = []
        # Tests replace these: the system's default application, whether it has a program for a
        # type (asked on the worker), and the "save as" dialog.
        self.open_file: Callable[[Path], bool] = lambda path: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        self.has_program: Callable[[str], bool] = program_for
        self.ask_save_path: Callable[[str], str] = self._ask_save_path
        self.open_button = QPushButton(self.tr("Open"), self)
        self.open_button.setObjectName("openAttachment")
        self.open_button.clicked.connect(self.open_current)
        self.save_button = QPushButton(self.tr("Save as…"), self)
        self.save_button.setObjectName("saveAttachment")
        self.save_button.clicked.connect(self.save_current)
        self.buttons.addWidget(QLabel(self.tr("Attachments:"), self))
        self.buttons.addWidget(self.open_button)
        self.buttons.addWidget(self.save_button)
        self.list.itemActivated.connect(lambda _item: self.open_current())
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.hide()

    def refresh(self) -> None:
        store, guid = self._store, self._guid
        Op(self, lambda _ctx: read_listed(store, guid)).success(self._show).run()

    def _show(self, listed: list[Listed]) -> None:
        """List them again (one may be here now), keeping the row the user chose."""
        chosen = self.list.currentRow()
        self.listed = listed
        here = {x.entry.sha256 for x in listed if x.here}
        self.list.set_entries([x.entry for x in listed],
                              lambda e: "" if e.sha256 in here else " — " + self.tr("not downloaded yet"))
        if listed:
            self.list.setCurrentRow(chosen if 0 <= chosen < len(listed) else 0)
        self.setVisible(bool(listed))
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = self.list.currentItem() is not None and self._busy is None
        self.open_button.setEnabled(ready)
        self.save_button.setEnabled(ready)

    def _ask_save_path(self, name: str) -> str:
        dialog = file_dialog(self, self.tr("Save the attachment"), self.tr("All files (*)"), save=True)
        dialog.selectFile(name)
        dialog.setDefaultSuffix(name.rpartition(".")[2])  # a name typed without one gets the type's extension
        return ask(dialog)

    def open_current(self) -> None:
        entry = self.list.current_entry()
        if entry is None:
            return
        store, has_program = self._store, self.has_program
        self._get(entry, "open", lambda: (open_copy(store, entry), has_program(entry.media_type)), self._open)

    def _open(self, opened: tuple[Path, bool]) -> None:
        """Hand the file to the system's application for its type; say so when there is none."""
        path, has_program = opened
        if not has_program or not self.open_file(path):
            self.show_error(self.tr("No program on this computer opens «%1»; save a copy with «Save as…» "
                                    "and open it with a suitable program.").replace("%1", shown_name(path.name)))

    def save_current(self) -> None:
        """«Save as…»: the name suggested ends with an extension of the attachment's type."""
        entry = self.list.current_entry()
        if entry is None:
            return
        target = self.ask_save_path(name_for_type(entry.name, entry.media_type, entry.sha256[:16]))
        if target:
            store = self._store
            self._get(entry, "save", lambda: save_copy(store, entry, Path(target)), self._saved)

    def _saved(self, path: Path) -> None:
        self.show_error(self.tr("Saved as «%1».").replace("%1", ltr_island(str(path))), error=False)

    def _get(self, entry: AttachmentEntry, action: str, then: Callable[[], T], done: Callable[[T], object]) -> None:
        """Download the attachment if it is not here yet (checked against its hash), then ``then``;
        ``action`` ("open" or "save") words a failure."""
        if self._busy is not None:
            return
        self.show_error("")
        store = self._store
        downloading = self.tr("Downloading «%1»: %2 of %3")

        def work(ctx: OpContext) -> T:
            if not store.blobs.has(entry.sha256):
                speed = Speed()

                def step(done: int, total: int) -> None:
                    rate, eta = speed(done, total)
                    ctx.progress(done, total, transfer_text(downloading, entry.name, done, total, rate, eta))
                self._fetch(store, entry, step)
            return then()

        def finished(result: T) -> None:
            self._ended()
            self.refresh()
            done(result)

        self._busy = Op(self, work).with_progress(self._progress).success(finished) \
            .failure(lambda exc: self._failed(exc, entry, action)).run()
        self._update_buttons()

    def _ended(self) -> None:
        self._busy = None
        self._progress_done()
        self._update_buttons()

    def _failed(self, exc: BaseException, entry: AttachmentEntry, action: str) -> None:
        self._ended()
        if getattr(exc, "code", None) == "document_corrupt":  # the bytes are not the ones the letter signed
            log.warning("attachment %s failed its hash check and was not kept: %s", entry.sha256[:12], exc)
            fa = (self.tr("The file received does not match the hash recorded in the letter; it is not opened.")
                  if action == "open" else
                  self.tr("The file received does not match the hash recorded in the letter; it is not saved."))
            self.show_error(fa)
            return
        if isinstance(exc, AttachmentRefused):
            log.warning("attachment %s refused: %s", entry.sha256[:12], exc)
        message = getattr(exc, "message_fa", None)
        if not message:
            log.error("an attachment could not be fetched", exc_info=exc)
            message = self.tr("The attachment could not be downloaded; try again when the server can be reached.")
        self.show_error(message)
