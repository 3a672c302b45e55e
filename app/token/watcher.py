"""Watch for tokens being plugged in and pulled out (a plain thread; callbacks, no Qt).

Each tick drains the module's slot events (C_WaitForSlotEvent, non-blocking) where it
supports them and re-reads the token list; a blocking wait is avoided on purpose because it
cannot be interrupted without C_Finalize, which would end every other session in the
process. Callbacks run on the watcher thread: a GUI must hop to its own thread (Qt signal).
:meth:`TokenWatcher.start` makes the first scan on the calling thread, so a GUI starts it from a
worker (the desktop app has one watcher, owned by ``app.ui.token_service.TokenService``).

Some modules (SoftHSM) enumerate tokens only at C_Initialize; ``rescan_by_reinitialize``
re-initializes before each scan so that new tokens appear. That ends every session of the
module, so use it only with a module instance that the watcher owns alone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import pkcs11

from app.token.modules import Library
from app.token.tokens import REMOVAL_ERRORS, TokenInfo, list_tokens

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenEvent:
    kind: str  # "inserted" | "removed" | "changed" (e.g. PIN flags after a wrong PIN)
    token: TokenInfo


class TokenWatcher:
    def __init__(
        self,
        lib: Library,
        *,
        on_event: Callable[[TokenEvent], None] | None = None,
        on_change: Callable[[list[TokenInfo]], None] | None = None,
        interval: float = 0.5,
        rescan_by_reinitialize: bool = False,
    ) -> None:
        self.lib = lib
        self.on_event = on_event
        self.on_change = on_change
        self.interval = interval
        self.rescan_by_reinitialize = rescan_by_reinitialize
        self.mode = "polling"
        self._tokens: dict[tuple[int, str, str], TokenInfo] = {}
        self._stop = threading.Event()
        self._rescan = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="dabir-token-watcher", daemon=True)
        self._events_supported: bool | None = None
        self._published = False

    # -- public ------------------------------------------------------------------------------
    def start(self) -> TokenWatcher:
        self._scan()  # the first snapshot is ready before start() returns
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def rescan(self) -> None:
        """Ask for a scan now (e.g. after a signing error that looks like a removal)."""
        self._rescan.set()

    @property
    def tokens(self) -> list[TokenInfo]:
        with self._lock:
            return sorted(self._tokens.values(), key=lambda t: t.slot_id)

    def __enter__(self) -> TokenWatcher:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- thread ------------------------------------------------------------------------------
    def _drain_slot_events(self) -> bool:
        if self._events_supported is False:
            return False
        seen = False
        try:
            for _ in range(64):  # bounded: a chattering reader must not starve the scan
                self.lib.wait_for_slot_event(blocking=False)
                seen = True
        except pkcs11.NoEvent:
            self._events_supported = True
            self.mode = "events+polling"
        except (pkcs11.FunctionNotSupported, pkcs11.PKCS11Error, NotImplementedError):
            self._events_supported = False
            self.mode = "polling"
        return seen

    def _run(self) -> None:
        while not self._stop.is_set():
            self._rescan.wait(self.interval)
            self._rescan.clear()
            if self._stop.is_set():
                break
            self._drain_slot_events()
            try:
                self._scan()
            except Exception:  # the watcher must survive a misbehaving module
                log.exception("token scan failed")

    def _scan(self) -> None:
        if self.rescan_by_reinitialize:
            try:
                self.lib.reinitialize()
            except pkcs11.PKCS11Error as exc:
                log.warning("cannot re-initialize PKCS#11 module: %s", exc)
        try:
            current = {t.key: t for t in list_tokens(self.lib)}
        except REMOVAL_ERRORS as exc:
            log.debug("slot list unavailable: %s", exc)
            current = {}
        events: list[TokenEvent] = []
        with self._lock:
            previous = self._tokens
            for key, tok in previous.items():
                if key not in current:
                    events.append(TokenEvent("removed", tok))
            for key, tok in current.items():
                if key not in previous:
                    events.append(TokenEvent("inserted", tok))
                elif previous[key].pin != tok.pin:
                    events.append(TokenEvent("changed", tok))
            self._tokens = current
            first, self._published = not self._published, True
        for ev in events:
            log.info("token %s: %s (slot %s)", ev.kind, ev.token.label, ev.token.slot_id)
            if self.on_event is not None:
                self.on_event(ev)
        if (events or first) and self.on_change is not None:
            self.on_change(self.tokens)
