"""The sync engine: drains the outbox to the central server and pulls what the server holds.

Qt-free; the desktop app drives it from a background thread, ``dabir sync --once`` from the
command line. Network calls never run inside a store transaction (the write lock would stall
the GUI); each step re-reads its operation, calls the server with the operation's fixed
idempotency key, then commits the result *and* the operation's progress in one transaction.
A crash between the call and the commit just repeats the call, and the server answers it
with the same SHAMS and receipt.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

import httpx
from cryptography import x509
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import letters as L
from app.models import referrals as referrals_store
from app.models.attachments import from_content
from app.models.citizen_answer import goes_by_payam
from app.models.db import Store
from app.models.directory import keep_channels
from app.models.document_limits import keep_limits
from app.models.incoming import apply_registration, store_paper_record
from app.models.lifecycle import State
from app.models.profile import signed_in_roles
from app.models.qr_payload import valid_code
from app.models.tables import (
    Agency,
    Letter,
    OutboxOperation,
    Person,
    Receipt,
    Recipient,
    Setting,
    Unit,
    utcnow,
)
from app.protocol.canonical import Classification, Priority, RecipientRole
from app.protocol.package import LetterPackage
from app.protocol.persian import normalize
from app.protocol.receipt import InvalidReceipt, load_certificate, parse_time, receipt_matches, verify_receipt
from app.sync import archive, attachments, incoming, outbox, referrals
from app.sync.api import ApiError
from app.sync.arrival import (
    INVALID,
    UNCHECKED,
    IncomingVerifier,
    audit_local_roots,
    awaits_trust,
    save_server_roots,
)

log = logging.getLogger(__name__)
PAGE = 100
# Who reads the agency's delivery receipts (the server's acks feed refuses the rest: a Rasad observer)
SENDING_ROLES = frozenset({"secretary", "signatory", "staff", "agency_admin"})


class Api(archive.ArchiveApi, Protocol):  # what the engine needs of app.sync.api.DabirApi
    def register(self, package: LetterPackage, *, idempotency_key: str) -> dict[str, Any]: ...
    def send(self, package: LetterPackage, *, idempotency_key: str) -> dict[str, Any]: ...
    def inbox(self, after: int = 0, limit: int = 100) -> dict[str, Any]: ...
    def ack(self, guid: str, status: str, incoming_number: str | None = None, *, idempotency_key: str) -> dict[str, Any]: ...
    def acks(self, after: int = 0, limit: int = 500) -> dict[str, Any]: ...
    def directory(self, after: int = 0, limit: int = 500) -> dict[str, Any]: ...
    def receipt_certificate(self) -> bytes: ...
    def register_incoming(self, guid: str, *, idempotency_key: str) -> dict[str, Any]: ...
    def register_paper(self, body: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]: ...
    def agency_trust_roots(self) -> dict[str, Any]: ...
    def cartable(self, after: int = 0, limit: int = 100) -> dict[str, Any]: ...
    def refer(self, body: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]: ...
    def referral_event(self, referral_id: str, kind: str, *, note: str = "", answer_guid: str | None = None,
                       event_id: str | None = None, idempotency_key: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class _Call:
    op_id: int
    op: str
    guid: str
    key: str
    package: LetterPackage | None


class Offline(Exception):
    """The server cannot be reached (or is failing): stop this run, retry later."""


class LoginRequired(Exception):
    message_fa = "نشست کاربری منقضی شده است؛ لطفاً دوباره وارد شوید."


@dataclass
class SyncReport:
    online: bool = True
    registered: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    received: list[str] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    numbered: list[str] = field(default_factory=list)  # incoming letters given their incoming number
    directory_changes: int = 0
    verified: list[str] = field(default_factory=list)  # letters received earlier whose check settled now
    referred: list[str] = field(default_factory=list)  # letters whose referral (or its event) reached the server
    cartable: list[str] = field(default_factory=list)  # referrals new in this user's cartable
    archived: list[str] = field(default_factory=list)  # letters filed in (or taken out of) an archive folder
    trust_changed: bool = False
    pending: int = 0
    error: str | None = None
    last_success: str | None = None  # ISO time of the last pass that reached the server (this one or earlier)


Event = Callable[[str, dict[str, Any]], None]


class SyncEngine:
    def __init__(
        self,
        store: Store,
        api: Api,
        *,
        actor: str = "sync",
        on_event: Event | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        parallel: int = 8,
    ) -> None:
        self.store = store
        self.parallel = max(1, parallel)
        self._pool: ThreadPoolExecutor | None = None
        self.api = api
        self.actor = actor
        self.verifier = IncomingVerifier(store)  # always: what the app runs is what the tests run
        self.on_event = on_event or (lambda name, data: None)
        self.clock = clock
        self._cert: x509.Certificate | None = None  # the pinned receipt certificate, read once a run

    # -- the run ---------------------------------------------------------------------------
    def run_once(self) -> SyncReport:
        report = SyncReport()
        self._cert = None
        self._pool = ThreadPoolExecutor(self.parallel, thread_name_prefix="dabir-sync")
        try:
            self._upload_attachments(report)
            self._drain_outbox(report)
            self._number_incoming(report)
            self._send_referrals(report)
            if self._sends_letters():
                self._pull_acks(report)
            self._pull_directory(report)  # first: incoming letters are indexed under their sender's name
            self._pull_trust_roots(report)
            if self._at_desk():  # the agency's inbox is the secretariat's; everyone has a cartable
                self._pull_inbox(report)
            self._pull_cartable(report)
            self._archive(report)
            self._recheck(report)
            self._drain_outbox(report)  # acknowledgements queued by the inbox pull
        except Offline as exc:
            report.online = False
            report.error = str(exc)
        except LoginRequired as exc:
            report.error = str(exc)
        finally:
            self._pool.shutdown(wait=True)
            self._pool = None
        with self.store.session() as s:
            report.pending = outbox.pending_count(s)
            row = s.get(Setting, "sync:last")
            at = self.clock().isoformat()
            # the last pass that reached the server and was let in (what the window shows)
            before = row.value.get("last_success") if row is not None else None
            report.last_success = at if report.online and report.error is None else before
            value = {"at": at, "online": report.online, "error": report.error, "last_success": report.last_success}
            if row is None:
                s.add(Setting(key="sync:last", value=value))
            else:
                row.value = value
        return report

    def _call(self, fn: Callable[[], Any]) -> Any:
        """One server call, with its failure classified: offline, login, or a refusal."""
        try:
            return fn()
        except httpx.TransportError as exc:  # the client maps these to status 0; belt and braces
            raise Offline(f"server unreachable: {type(exc).__name__}: {exc}") from exc
        except ApiError as exc:
            if exc.status == 401:
                raise LoginRequired(exc.message_en) from exc
            if exc.retryable or exc.status == 408:  # 0 = no answer (timeout, refused, dropped)
                raise Offline(str(exc)) from exc
            raise

    # -- outbox ----------------------------------------------------------------------------
    def _drain_outbox(self, report: SyncReport) -> None:
        """Due operations in chunks: the chunk's calls run concurrently (the server has several
        workers and each call is mostly waiting), then all their results commit in one
        transaction, each with its own operation's progress, so a crash loses none of them
        and a retry repeats only calls whose results were not yet stored."""
        while True:
            with self.store.reader() as s:
                due = outbox.due(s, self.clock(), limit=self.parallel * 8)
                uploading = attachments.waiting(s, [i.letter_guid for i in due if i.op == outbox.REGISTER])
                due = [i for i in due if not (i.op == outbox.REGISTER and i.letter_guid in uploading)]
                packages = outbox.letter_packages(s, [i.letter_guid for i in due if i.op != outbox.ACK])
                calls = [
                    _Call(i.id, i.op, i.letter_guid, i.idempotency_key,
                          packages.get(i.letter_guid) if i.op != outbox.ACK else None)
                    for i in due
                ]
            if not calls:
                return
            if any(c.op == outbox.REGISTER for c in calls):
                self._receipt_cert()  # fetched once, before the concurrent calls need it
            assert self._pool is not None
            # All calls go out at once (at most `parallel` in flight); results are stored a chunk
            # at a time while later calls are still running: the next 2 × parallel results in
            # order (fewer if one says the server is gone), and with them every later one already
            # there (up to 4 × parallel), so that storing, which costs mostly per transaction,
            # keeps up. After a stop, calls already in flight finish unread: their results are
            # simply asked for again next time.
            futures = [self._pool.submit(self._perform, c) for c in calls]
            try:
                start = 0
                while start < len(calls):
                    end, wanted = start, min(start + 2 * self.parallel, len(calls))
                    while end < wanted:
                        end += 1
                        if isinstance(futures[end - 1].result(), Offline | LoginRequired):
                            break
                    while end < len(calls) and end - start < self.parallel * 4 and futures[end].done():
                        end += 1
                    offline = self._apply(calls[start:end], [f.result() for f in futures[start:end]], report)
                    if offline is not None:
                        raise offline
                    start = end
            finally:
                for f in futures:
                    f.cancel()

    def _perform(self, call: _Call) -> Any:
        """One server call (worker thread, no store access): its result or the exception."""
        try:
            if call.op == outbox.ACK:
                return self._call(partial(self.api.ack, call.guid, "delivered", idempotency_key=call.key))
            package = call.package
            if package is None:
                raise ValueError(f"{call.op} of {call.guid}: the letter is not in the store")
            if call.op == outbox.REGISTER:
                result = self._call(partial(self.api.register, package, idempotency_key=call.key))
                self._check_receipt(result["receipt"], package, result["shams"])
                return result
            if call.op == outbox.SEND:
                return self._call(partial(self.api.send, package, idempotency_key=call.key))
            raise ValueError(f"unknown outbox operation {call.op!r}")
        except (ApiError, Offline, LoginRequired) as exc:
            return exc

    def _apply(self, chunk: list[_Call], outcomes: list[Any], report: SyncReport) -> Exception | None:
        """Store a chunk's outcomes in one transaction; return the first offline/login error."""
        stop: Exception | None = None
        events: list[tuple[str, dict[str, Any]]] = []
        follow_ups: list[tuple[str, str, str]] = []  # (op, guid, extra) to enqueue with this chunk
        with self.store.session() as s, s.no_autoflush:
            items = {i.id: i for i in s.scalars(select(OutboxOperation).where(OutboxOperation.id.in_([c.op_id for c in chunk])))}
            # Held here: the session's identity map is weak, so letters loaded and dropped would be
            # queried again one by one.
            letters = {x.guid: x for x in s.scalars(select(Letter).where(Letter.guid.in_([c.guid for c in chunk])))}
            for call, outcome in zip(chunk, outcomes, strict=True):
                item = items.get(call.op_id)
                if item is None or item.status != "pending":
                    continue  # another worker finished it
                if isinstance(outcome, Offline | LoginRequired):
                    if isinstance(outcome, Offline):
                        outbox.retry_later(item, str(outcome), self.clock())
                    stop = stop or outcome
                elif isinstance(outcome, ApiError):  # the server refused: the user must correct it
                    events.append(self._rejected(s, item, outcome, report))
                elif call.op == outbox.REGISTER:
                    events.append(self._registered(s, item, letters[call.guid], outcome, report, follow_ups))
                elif call.op == outbox.SEND:
                    L.transition(s, letters[call.guid], State.SENT, actor=self.actor)
                    item.status = "done"
                    report.sent.append(call.guid)
                    events.append(("sent", {"guid": call.guid, **outcome}))
                else:
                    item.status = "done"
                    events.append(("ack_sent", {"guid": call.guid}))
            outbox.enqueue_many(s, follow_ups)
        for name, data in events:
            self.on_event(name, data)
        return stop

    def _registered(
        self, s: Session, item: OutboxOperation, letter: Letter, result: dict[str, Any], report: SyncReport,
        follow_ups: list[tuple[str, str, str]],
    ) -> tuple[str, dict[str, Any]]:
        receipt = result["receipt"]
        letter.shams = result["shams"]
        letter.registered_at = parse_time(result["registered_at"])
        letter.verify_code = valid_code(result.get("verify_code"))  # printed in the QR code (older servers send none)
        s.add(  # not letter.receipts.append: that would load the collection first
            Receipt(
                letter_guid=letter.guid,
                shams=result["shams"],
                registered_at=letter.registered_at,
                content_sha256=receipt["payload"]["content_sha256"],
                data=receipt,
            )
        )
        L.transition(s, letter, State.REGISTERED, actor=self.actor, shams=result["shams"])
        item.status = "done"
        if goes_by_payam(s, letter):
            follow_ups.append((outbox.SEND, letter.guid, outbox.content_tag(receipt["payload"]["content_sha256"])))
        else:  # a citizen's answer: numbered, it goes out on paper (printed, handed over or posted)
            L.transition(s, letter, State.SENT, actor=self.actor, delivery="paper")
        report.registered.append(letter.guid)
        return "registered", {"guid": letter.guid, "shams": result["shams"]}

    def _upload_attachments(self, report: SyncReport) -> None:
        """The documents system gets a letter's attachments before the letter is registered (see
        :mod:`app.sync.attachments`); a letter whose attachment cannot go is refused with the reason."""
        for name, data in attachments.upload_pending(self.store, self.api, self._call, self.on_event):  # type: ignore[arg-type]
            if name == "attachment_refused":
                refusal = self._refuse(data["op_id"], data["error"], report)
                if refusal is not None:
                    self.on_event(*refusal)
            else:
                self.on_event(name, data)

    def _refuse(self, op_id: int, exc: ApiError, report: SyncReport) -> tuple[str, dict[str, Any]] | None:
        """An operation refused before its call (an attachment that cannot go), as the server's refusals are."""
        with self.store.session() as s:
            item = s.get(OutboxOperation, op_id)
            if item is None or item.status != "pending":
                return None
            if item.op == outbox.REGISTER:
                return self._rejected(s, item, exc, report)
        name, data = incoming.refuse(self.store, op_id, exc, self.actor)  # a paper letter's scans
        report.rejected.append((data["guid"], data["reason"]))
        return name, data

    def _number_incoming(self, report: SyncReport) -> None:
        """Registered incoming letters get their numbers, in order (see :mod:`app.sync.incoming`)."""
        for name, data in incoming.number_pending(self.store, self.api, self._call, self.clock, self.actor):
            if name == "numbered":
                report.numbered.append(data["guid"])
            elif name == "incoming_refused":  # the letter is back to be registered: the window must see it
                report.rejected.append((data["guid"], data["reason"]))
            self.on_event(name, data)

    def _send_referrals(self, report: SyncReport) -> None:
        """Referrals and their events made here reach the server in order (see :mod:`app.sync.referrals`)."""
        for name, data in referrals.send_pending(self.store, self.api, self._call, self.clock):
            if name == "referral_sent":
                report.referred.append(data["guid"])
            self.on_event(name, data)

    def _archive(self, report: SyncReport) -> None:
        """Filings made here reach the server in order; the agency's tree and filings come back
        (see :mod:`app.sync.archive`)."""
        for name, data in archive.sync(self.store, self.api, self._call, self.clock):
            report.archived += [data["guid"]] if "guid" in data else data["guids"]
            self.on_event(name, data)

    def _roles(self) -> list[str] | None:
        """The roles the login gave (None: not known yet)."""
        return signed_in_roles(self.store)

    def _at_desk(self) -> bool:
        """Whether this user pulls the agency's inbox: a secretary (or roles not known yet)."""
        roles = self._roles()
        return not roles or "secretary" in roles

    def _sends_letters(self) -> bool:
        """Whether this user reads the delivery receipts of the agency's letters (or roles not known yet)."""
        roles = self._roles()
        return not roles or bool(SENDING_ROLES.intersection(roles))

    def _pull_cartable(self, report: SyncReport) -> None:
        """This user's referrals and their events; a letter referred here that this store lacks is
        stored from the package the cartable carries, verified like any incoming letter."""
        while True:
            with self.store.reader() as s:
                after = outbox.get_cursor(s, "cartable")
            page = self._call(partial(self.api.cartable, after=after, limit=PAGE))
            packages = {p["content"]["guid"]: p for item in page["items"]
                        if isinstance(p := item.get("package"), dict) and isinstance(p.get("content"), dict)}
            papers = {p["guid"]: p for item in page["items"]  # paper letters: their registration record
                      if isinstance(p := item.get("paper"), dict) and isinstance(p.get("guid"), str)}
            registrations = {r["letter_guid"]: n for item in page["items"]  # the desk's incoming numbers
                             if isinstance(n := item.get("incoming"), dict)
                             and isinstance(r := item.get("referral"), dict) and isinstance(r.get("letter_guid"), str)}
            with self.store.reader() as s:
                wanted = [*packages, *papers]
                held = set(s.scalars(select(Letter.guid).where(Letter.guid.in_(wanted)))) if wanted else set()
            fresh = [g for g in packages if g not in held]
            fresh_papers = [g for g in papers if g not in held and g not in packages]
            verdicts = self._verify_all([packages[g] for g in fresh])
            with self.store.session() as s, s.no_autoflush:
                for guid, verdict in zip(fresh, verdicts, strict=True):
                    payload = (packages[guid].get("receipts") or [{}])[-1].get("payload") or {}
                    self._store_incoming(s, {"guid": guid, "package": packages[guid], "channel": "referral",
                                             "shams": payload.get("shams"),
                                             "registered_at": payload.get("registered_at")}, verdict)
                for guid in fresh_papers:
                    store_paper_record(s, papers[guid], actor=self.actor)
                s.flush()
                numbered = [guid for guid, record in registrations.items()
                            if apply_registration(s, guid, record, actor=self.actor)]
                new = referrals_store.apply_cartable(s, page)
                outbox.set_cursor(s, "cartable", page["cursor"])
            report.cartable += new
            report.received += fresh + fresh_papers  # letters new to this store, as the inbox's are
            report.numbered += [g for g in numbered if g not in report.numbered]
            for guid in new:
                self.on_event("referred_to_me", {"referral": guid})
            if not page.get("more"):
                return

    def _check_receipt(self, receipt: dict[str, Any], package: LetterPackage, shams: str) -> None:
        # A receipt for other content would bind our SHAMS to words we never signed.
        if not receipt_matches(receipt, guid=package.guid, content_sha256=package.content_sha256(), shams=shams):
            raise Offline("server receipt does not match the letter; not accepted")
        cert = self._receipt_cert()
        try:
            verify_receipt(receipt, cert)
        except InvalidReceipt as exc:
            raise Offline(f"server receipt signature is not valid: {exc}") from exc

    def _receipt_cert(self) -> x509.Certificate:
        """The server's receipt certificate, fetched once over verified TLS and then pinned
        (read from the store once a run, not once a receipt)."""
        cert = self._cert
        if cert is None:
            cert = self._cert = load_certificate(self._pinned_pem())
        return cert

    def _pinned_pem(self) -> bytes:
        with self.store.reader() as s:
            row = s.get(Setting, "server:receipt_cert")
            if row is not None:
                return row.value["pem"].encode()
        pem = self._call(self.api.receipt_certificate)
        with self.store.session() as s:
            row = s.get(Setting, "server:receipt_cert")
            if row is not None:  # pinned meanwhile by another worker: that one stands
                return row.value["pem"].encode()
            s.add(Setting(key="server:receipt_cert", value={"pem": pem.decode()}))
        return pem

    def _rejected(
        self, s: Session, item: OutboxOperation, exc: ApiError, report: SyncReport
    ) -> tuple[str, dict[str, Any]]:
        reason = exc.message_fa or exc.message_en
        item.status = "failed"
        item.last_error = f"{exc.status} {exc.code}: {exc.message_en}"
        letter = s.get(Letter, item.letter_guid)
        if letter is not None and item.op in (outbox.REGISTER, outbox.SEND):
            letter.reject_reason = reason
            L.transition(s, letter, State.REJECTED, actor=self.actor, code=exc.code, field=exc.field)
        log.warning("server refused %s of %s: %s %s", item.op, item.letter_guid, exc.status, exc.code)
        report.rejected.append((item.letter_guid, reason))
        return "rejected", {"guid": item.letter_guid, "reason": reason, "code": exc.code}

    # -- feeds -----------------------------------------------------------------------------
    def _pull_acks(self, report: SyncReport) -> None:
        while True:
            with self.store.reader() as s:
                after = outbox.get_cursor(s, "acks")
            page = self._call(partial(self.api.acks, after=after, limit=PAGE))
            applied = []
            with self.store.session() as s:
                for ack in page["items"]:
                    if self._apply_ack(s, ack):
                        report.acknowledged.append(ack["guid"])
                        applied.append(ack)
                outbox.set_cursor(s, "acks", page["cursor"])
            for ack in applied:  # not acknowledgements of letters this profile does not hold
                self.on_event("acknowledged", ack)
            if not page.get("more"):
                return

    def _apply_ack(self, s: Session, ack: dict[str, Any]) -> bool:
        letter = s.get(Letter, ack["guid"])
        if letter is None:
            return False
        rank = {"delivered": 1, "registered": 2}
        for r in letter.recipients:
            if r.agency == ack["recipient_agency"] and rank.get(ack["status"], 0) > rank.get(r.ack_state or "", 0):
                r.ack_state = ack["status"]
                r.ack_at = parse_time(ack["at"])
                r.ack_number = ack.get("incoming_number")
        # every recipient counts, an internal letter's too (the list's state and the view's must agree)
        states = [r.ack_state for r in letter.recipients]
        if states and all(st == "registered" for st in states):
            target = State.ACKNOWLEDGED
        elif states and all(st in ("delivered", "registered") for st in states):
            target = State.DELIVERED
        else:
            return True
        if letter.state != target and target in _NEXT.get(State(letter.state), ()):
            L.transition(s, letter, target, actor=self.actor)
        return True

    def _pull_inbox(self, report: SyncReport) -> None:
        while True:
            with self.store.reader() as s:
                after = outbox.get_cursor(s, "inbox")
            page = self._call(partial(self.api.inbox, after=after, limit=PAGE))
            checked = self._verify_all([item["package"] for item in page["items"]])
            verdicts = {item["guid"]: v for item, v in zip(page["items"], checked, strict=True)}
            new: list[str] = []
            with self.store.session() as s, s.no_autoflush:
                guids = [item["guid"] for item in page["items"]]
                held = set(s.scalars(select(Letter.guid).where(Letter.guid.in_(guids)))) if guids else set()
                for item in page["items"]:
                    if item["guid"] not in held:  # at-least-once delivery: a letter already here is kept as it is
                        held.add(item["guid"])
                        self._store_incoming(s, item, verdicts[item["guid"]])
                        new.append(item["guid"])
                outbox.enqueue_many(s, [(outbox.ACK, g, "") for g in guids])
                outbox.set_cursor(s, "inbox", page["cursor"])
            report.received += new
            for guid in new:
                self.on_event("received", {"guid": guid})
            if not page.get("more"):
                return

    def _verify_all(self, packages: list[Any]) -> list[dict[str, Any]]:
        """The verdicts on received packages (the trust roots and the receipt certificate read once)."""
        if not packages:
            return []
        cert = self._receipt_cert()
        trust = self.verifier.trust()
        now = self.clock()
        return [self.verifier.verify(p, cert, online=True, now=now, trust=trust) for p in packages]

    def _pull_trust_roots(self, report: SyncReport) -> None:
        """The trust list the server publishes for our agency, kept in the store; changes to it and to
        the profile's own trust-root folder are recorded in the local audit log."""
        published = self._call(self.api.agency_trust_roots)
        with self.store.session() as s:
            server = save_server_roots(s, published, actor=self.actor)
            report.trust_changed = audit_local_roots(s, self.store, actor=self.actor) or server

    def _recheck(self, report: SyncReport) -> None:
        """Letters whose check could not be finished (revocation unknown offline, no trust roots
        yet) are checked again on every pass until the verdict settles; so are, once, those found
        invalid only because their CA was not among trust roots that have changed since (the
        verdict names the roots it was checked against: a pass cut short does not lose the change)."""
        trust = self.verifier.trust()
        with self.store.reader() as s:
            rows = [(g, raw, UNCHECKED) for g, raw in s.execute(select(Letter.guid, Letter.source_package).where(
                Letter.verify_status == UNCHECKED).limit(PAGE * 10))]
            rows += [(g, raw, INVALID) for g, raw, verdict in s.execute(
                select(Letter.guid, Letter.source_package, Letter.verification).where(
                    Letter.verify_status == INVALID, Letter.source_package.is_not(None)))
                if awaits_trust(verdict, trust)]
        if not rows:
            return
        verdicts = self._verify_all([json.loads(raw) if raw else None for _, raw, _ in rows])
        settled: list[str] = []
        with self.store.session() as s:
            for (guid, _, before), verdict in zip(rows, verdicts, strict=True):
                letter = s.get(Letter, guid)
                if letter is None or letter.verify_status != before:
                    continue
                letter.verification = verdict
                letter.verify_status = verdict["status"]
                if verdict["status"] != before:
                    L.audit(s, "verified", guid, self.actor, status=verdict["status"], before=before)
                    settled.append(guid)
                if verdict["status"] == INVALID and letter.state == State.RECEIVED:
                    L.transition(s, letter, State.INVALID, actor=self.actor)
                elif verdict["status"] != INVALID and letter.state == State.INVALID:
                    L.transition(s, letter, State.RECEIVED, actor=self.actor)
        report.verified += settled
        for guid in settled:
            self.on_event("verified", {"guid": guid})

    def _store_incoming(self, s: Session, item: dict[str, Any], verdict: dict[str, Any]) -> None:
        raw = json.dumps(item["package"], ensure_ascii=False, sort_keys=True).encode()
        content = item["package"].get("content", {}) if isinstance(item["package"], dict) else {}
        sender = content.get("sender") or {}
        priority, classification = content.get("priority"), content.get("classification")
        letter = Letter(
            guid=item["guid"],
            kind=L.INCOMING,
            state=(State.INVALID if verdict["status"] == INVALID else State.RECEIVED).value,
            subject=str(content.get("subject") or "(بدون موضوع)")[:500],
            body=str(content.get("body") or ""),
            sender_agency=str(sender.get("agency") or item.get("from_agency") or "")[:11],
            sender_unit=str(sender.get("unit") or ""),
            sender_person=str(sender.get("person") or ""),
            sender_name=str(sender.get("name") or ""),
            priority=priority if priority in tuple(Priority) else Priority.NORMAL,
            classification=classification if classification in tuple(Classification) else Classification.NORMAL,
            shams=item.get("shams"),
            registered_at=parse_time(item["registered_at"]) if item.get("registered_at") else None,
            source_package=raw,
            verification=verdict,
            verify_status=verdict["status"],
        )
        L.set_links(letter, [x for x in content.get("links") or [] if isinstance(x, dict)])
        letter.attachments.extend(from_content(content))  # listed, downloaded on demand
        for i, r in enumerate(content.get("recipients") or []):
            letter.recipients.append(
                Recipient(position=i, role=r.get("role", RecipientRole.TO), agency=str(r.get("agency", ""))[:11],
                          unit=r.get("unit", ""), person=r.get("person", ""), name=r.get("name", ""))
            )
        s.add(letter)
        L.audit(s, "received", letter.guid, self.actor, channel=item.get("channel"), verification=verdict["status"])

    def _pull_directory(self, report: SyncReport) -> None:
        while True:
            with self.store.reader() as s:
                after = outbox.get_cursor(s, "directory")
            page = self._call(partial(self.api.directory, after=after, limit=500))
            with self.store.session() as s:
                report.directory_changes += apply_directory(s, page)
                outbox.set_cursor(s, "directory", page["cursor"])
            if not page.get("more"):
                return


_NEXT = {State.SENT: (State.DELIVERED, State.ACKNOWLEDGED), State.DELIVERED: (State.ACKNOWLEDGED,)}


def apply_directory(s: Session, page: dict[str, Any]) -> int:
    """Upsert one page of directory changes (agencies, units, people); keep its channel list and
    the server's limits on attachments."""
    keep_channels(s, page)
    keep_limits(s, page)
    n = 0
    for a in page.get("agencies", []):
        agency = s.get(Agency, a["national_id"]) or Agency(national_id=a["national_id"])
        agency.name, agency.name_norm = a["name"], normalize(a["name"])
        s.add(agency)
        n += 1
    s.flush()
    for u in page.get("units", []):
        unit = s.scalar(select(Unit).where(Unit.agency == u["agency"], Unit.code == u["code"]))
        unit = unit or Unit(agency=u["agency"], code=u["code"])
        unit.name, unit.name_norm, unit.parent_code = u["name"], normalize(u["name"]), u.get("parent")
        s.add(unit)
        n += 1
    for p in page.get("people", []):
        person = s.scalar(select(Person).where(Person.agency == p["agency"], Person.username == p["username"]))
        person = person or Person(agency=p["agency"], username=p["username"])
        person.name, person.name_norm = p["display_name"], normalize(p["display_name"])
        person.title, person.unit_code = p.get("title") or "", p.get("unit")
        person.signatory, person.national_code = bool(p.get("signatory")), p.get("national_code") or None
        person.active = p.get("active") is not False  # a server that does not say: active
        s.add(person)
        n += 1
    return n
