"""The application's one view of the signing tokens, after DigiDoc4's ``QSigner``.

It loads the PKCS#11 module and watches for tokens being plugged in and pulled out on its own
thread (:class:`app.token.watcher.TokenWatcher`), lists certificates and signs on its worker
pool, and reports through Qt signals. Dialogs only listen and ask: no PKCS#11 call runs on the
GUI thread, and however many dialogs open one after another, there is one watcher.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThreadPool, Signal, Slot

from app.token.certificates import TokenCertificate, list_signing_certificates
from app.token.errors import ModuleLoadError, TokenError
from app.token.modules import Library, load_module
from app.token.tokens import REMOVAL_ERRORS, TokenInfo, find_token
from app.token.watcher import TokenWatcher
from app.ui.ops import Op, OpContext

if TYPE_CHECKING:
    from app.token.signing import TokenSigningSession

WATCH_INTERVAL_S = 0.5
UNREADABLE: tuple[type[BaseException], ...] = (TokenError, *REMOVAL_ERRORS)  # a token gone meanwhile

#: What runs on the worker once logged in: (session, op context, cancel flag) -> result.
SigningJob = Callable[["TokenSigningSession", OpContext, threading.Event], Any]


class TokenService(QObject):
    tokensChanged = Signal(list)  # list[TokenInfo], on the GUI thread
    _scanned = Signal(str, list)  # (module path, tokens) from the watcher thread

    _instance: TokenService | None = None

    @classmethod
    def instance(cls) -> TokenService:
        """The application's service, owned by the QApplication (made on first use: the module
        is loaded when someone first signs, not at start-up)."""
        if cls._instance is None or not shiboken6.isValid(cls._instance):
            cls._instance = cls(QCoreApplication.instance())
        return cls._instance

    def __init__(self, parent: QObject | None = None, *, interval: float = WATCH_INTERVAL_S) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        # One session at a time: two certificate listings at once have aborted the process in
        # SoftHSM; a dialog that signs a batch lists nothing meanwhile anyway.
        self.pool.setMaxThreadCount(1)
        self._interval = interval
        self._lock = threading.Lock()
        self._path: str | None = None
        self._lib: Library | None = None  # used on workers only
        self._watcher: TokenWatcher | None = None
        self._tokens: list[TokenInfo] = []
        self._scanned.connect(self._on_scanned)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)

    @property
    def tokens(self) -> list[TokenInfo]:
        """The tokens present at the last scan."""
        return list(self._tokens)

    def load(self, parent: QObject | None, path: str) -> Op[None]:
        """An Op (to be run) that loads the module at ``path`` and watches its tokens; a module
        already loaded is kept, another one replaces it. Fails with ModuleLoadError."""
        return Op(parent, lambda _ctx: self._open(path)).in_pool(self.pool)

    def rescan(self) -> None:
        """Scan now (after signing: a good PIN resets the flags; an error may mean a pulled token)."""
        if self._watcher is not None:
            self._watcher.rescan()

    def certificates(self, parent: QObject, label: str, serial: str) -> Op[list[TokenCertificate]]:
        """An Op listing the signing certificates of a token (no login needed)."""
        lib = self._lib

        def work(_ctx: OpContext) -> list[TokenCertificate]:
            with find_token(self._loaded(lib), label=label, serial=serial).open() as session:
                return list_signing_certificates(session)

        return Op(parent, work).in_pool(self.pool)

    def all_certificates(self, parent: QObject, keys: list[tuple[str, str]]
                         ) -> Op[list[tuple[tuple[str, str], list[TokenCertificate]]]]:
        """An Op listing the signing certificates of each token (label, serial) in one worker
        job, so a dialog can offer the token that holds the letter's signatory; a token that
        cannot be read (pulled out meanwhile) is listed with none."""
        lib = self._lib

        def work(_ctx: OpContext) -> list[tuple[tuple[str, str], list[TokenCertificate]]]:
            out = []
            for label, serial in keys:
                try:
                    with find_token(self._loaded(lib), label=label, serial=serial).open() as session:
                        out.append(((label, serial), list_signing_certificates(session)))
                except UNREADABLE:
                    out.append(((label, serial), []))
            return out

        return Op(parent, work).in_pool(self.pool)

    def sign(self, parent: QObject, label: str, serial: str, cert: TokenCertificate, pin: str | None,
             job: SigningJob, cancel: threading.Event) -> Op[Any]:
        """An Op that logs in (``pin=None``: the reader's PIN pad) and runs ``job`` on the session."""
        lib, box = self._lib, [pin]
        del pin  # from here on only in the box, which the worker empties at login

        def work(ctx: OpContext) -> Any:
            from app.token.signing import open_signing_session  # pyHanko: loaded when someone signs

            token = find_token(self._loaded(lib), label=label, serial=serial)
            session = open_signing_session(token, box.pop(), cert_id=cert.id or None,
                                           cert_label=None if cert.id else cert.label)
            with session:
                return job(session, ctx, cancel)

        return Op(parent, work).in_pool(self.pool)

    def wait(self, timeout_ms: int) -> None:
        """Let token work in progress finish (a dialog closing, the app quitting)."""
        self.pool.waitForDone(timeout_ms)

    @Slot()
    def stop(self) -> None:
        with self._lock:
            watcher, self._watcher, self._path = self._watcher, None, None
        if watcher is not None:
            watcher.stop()

    # --- workers --------------------------------------------------------------------------

    def _open(self, path: str) -> None:
        with self._lock:
            if self._path == path and self._watcher is not None:
                return
            if self._watcher is not None:
                self._watcher.stop()
                self._watcher = None
            self._lib = load_module(path)
            self._path = path
            self._watcher = TokenWatcher(self._lib, interval=self._interval,
                                         on_change=lambda tokens: self._scanned.emit(path, tokens))
            self._watcher.start()  # its first scan is made here, on this worker

    @staticmethod
    def _loaded(lib: Library | None) -> Library:
        if lib is None:
            raise ModuleLoadError("no PKCS#11 module is loaded", "کتابخانه توکن (PKCS#11) بارگذاری نشده است.")
        return lib

    # --- GUI thread -----------------------------------------------------------------------

    @Slot(str, list)
    def _on_scanned(self, path: str, tokens: list[TokenInfo]) -> None:
        if path == self._path:  # not a late report of a module that was replaced meanwhile
            self._tokens = tokens
            self.tokensChanged.emit(tokens)
