"""Sync engine logic against a scripted server (the real server process is in test_end_to_end)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from app.models import letters as L
from app.models.db import Store
from app.models.tables import AuditEvent, Letter, OutboxOperation
from app.protocol.canonical import content_sha256
from app.protocol.package import LetterPackage
from app.protocol.persian import national_id_check_digit
from app.protocol.receipt import format_time, make_receipt
from app.sync import outbox
from app.sync.api import ApiError
from app.sync.engine import SyncEngine
from devkit.letters import make_package, make_signer, sign
from devkit.pki import TestPKI

A = "1400012345" + national_id_check_digit("1400012345")
B = "1010038714" + national_id_check_digit("1010038714")


def _server_identity() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "receipts")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=9))
        .sign(key, hashes.SHA256())
    )
    return key, cert


class ScriptedServer:
    """Answers like the central server; ``failures`` queues exceptions for the next calls."""

    def __init__(self) -> None:
        self.key, self.cert = _server_identity()
        self.failures: list[Exception] = []
        self.registered: dict[str, str] = {}
        self.sent: list[str] = []
        self.keys: list[str] = []
        self.inbox_items: list[dict[str, Any]] = []
        self.ack_items: list[dict[str, Any]] = []
        self.acked: list[str] = []
        self.trust_roots: list[bytes] = []  # DER certificates published as the agency's trust roots

    def _maybe_fail(self) -> None:
        if self.failures:
            raise self.failures.pop(0)

    def register(self, package: LetterPackage, *, idempotency_key: str) -> dict[str, Any]:
        self._maybe_fail()
        self.keys.append(idempotency_key)
        shams = self.registered.setdefault(package.guid, f"{A}-O-1405-{len(self.registered) + 1}")
        when = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
        receipt = make_receipt(shams=shams, registered_at=when, content_sha256=package.content_sha256(),
                               guid=package.guid, private_key=self.key, certificate=self.cert)
        return {"guid": package.guid, "shams": shams, "registered_at": "2026-11-25T10:00:00Z", "receipt": receipt}

    def send(self, package: LetterPackage, *, idempotency_key: str) -> dict[str, Any]:
        self._maybe_fail()
        assert package.receipts, "a letter is sent with its receipt"
        self.sent.append(package.guid)
        return {"guid": package.guid, "status": "sent"}

    def inbox(self, after: int = 0, limit: int = 100) -> dict[str, Any]:
        self._maybe_fail()
        items = [i for i in self.inbox_items if i["cursor"] > after][:limit]
        return {"items": items, "cursor": items[-1]["cursor"] if items else after, "more": False}

    def ack(self, guid: str, status: str, incoming_number: str | None = None, *, idempotency_key: str) -> dict:
        self._maybe_fail()
        self.acked.append(guid)
        return {}

    def acks(self, after: int = 0, limit: int = 500) -> dict[str, Any]:
        items = [i for i in self.ack_items if i["cursor"] > after]
        return {"items": items, "cursor": items[-1]["cursor"] if items else after, "more": False}

    def directory(self, after: int = 0, limit: int = 500) -> dict[str, Any]:
        if after:
            return {"agencies": [], "units": [], "people": [], "cursor": after, "more": False}
        return {"agencies": [{"national_id": B, "name": "سازمان برنامه و بودجه", "active": True}],
                "units": [], "people": [{"agency": B, "username": "ali", "display_name": "علی رضایی",
                                         "title": "مدیر کل", "unit": None, "active": True}],
                "cursor": 3, "more": False}

    def receipt_certificate(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def cartable(self, after: int = 0, limit: int = 100) -> dict[str, Any]:
        return {"items": [], "cursor": after, "more": False}

    def archive_folders(self, after: int = 0, limit: int = 500) -> dict[str, Any]:
        return {"items": [], "cursor": after, "more": False}

    def archive_filings(self, after: int = 0, limit: int = 500) -> dict[str, Any]:
        return {"items": [], "cursor": after, "more": False}

    def agency_trust_roots(self) -> dict[str, Any]:
        return {"roots": [{"sha256": hashlib.sha256(d).hexdigest(), "subject": "CN=root",
                           "der": base64.b64encode(d).decode()} for d in self.trust_roots]}

    def delivered(self, package: LetterPackage, cursor: int, *, registered_at: dt.datetime | None = None,
                  receipt: bool = True) -> dict[str, Any]:
        """An inbox item for a package another agency sent, with this server's receipt."""
        when = registered_at or dt.datetime.now(dt.UTC)
        shams = f"{B}-O-1405-{cursor}"
        receipts = [make_receipt(shams=shams, registered_at=when, content_sha256=package.content_sha256(),
                                 guid=package.guid, private_key=self.key, certificate=self.cert)] if receipt else []
        pkg = LetterPackage(package.content, package.signatures, receipts).to_dict()
        return {"cursor": cursor, "guid": package.guid, "shams": shams, "channel": "payam",
                "registered_at": format_time(when), "package": pkg}


def queued_letter(store: Store, subject: str = "درخواست همکاری") -> str:
    with store.session() as s:
        letter = L.create_letter(s, kind="outgoing", subject=subject, body="<p>متن</p>",
                                 sender={"agency": A, "name": "وزارت"}, recipients=[{"agency": B, "name": "سازمان"}])
        L.add_signature(s, letter, cms=b"cms", content_sha256_hex=content_sha256(L.letter_content(letter)))
        outbox.queue_letter(s, letter)
        return letter.guid


def test_queued_letter_is_registered_then_sent_with_its_receipt(store: Store):
    server = ScriptedServer()
    guid = queued_letter(store)
    events: list[str] = []
    report = SyncEngine(store, server, on_event=lambda n, d: events.append(n)).run_once()
    assert report.online and report.registered == [guid] and report.sent == [guid] and report.pending == 0
    with store.reader() as s:
        letter = s.get(Letter, guid)
        assert letter.state == "sent" and letter.shams == server.registered[guid]
        assert letter.receipts[0].data["payload"]["shams"] == letter.shams
        assert letter.registered_at == dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
    assert len(server.keys) == 1 and server.keys[0].startswith(f"register:{guid}:")
    assert "registered" in events and "sent" in events


def test_unreachable_server_keeps_the_letter_queued_with_backoff(store: Store):
    server = ScriptedServer()
    guid = queued_letter(store)
    server.failures = [ApiError(0, "transport_error", "", "timeout")]
    report = SyncEngine(store, server).run_once()
    assert not report.online and report.pending == 1
    with store.reader() as s:
        op = s.scalar(select(OutboxOperation))
        assert s.get(Letter, guid).state == "queued"
        assert op.attempts == 1 and op.next_attempt_at > dt.datetime.now(dt.UTC)
        assert "timeout" in op.last_error
    later = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)  # noqa: E731
    server.failures = [ApiError(503, "unavailable", "", "busy")]
    assert not SyncEngine(store, server, clock=later).run_once().online  # 5xx: retried, not rejected
    assert SyncEngine(store, server, clock=later).run_once().registered == []  # backing off
    even_later = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)  # noqa: E731
    report = SyncEngine(store, server, clock=even_later).run_once()
    assert report.online and report.sent == [guid]


def test_the_last_successful_sync_is_kept_through_a_pass_that_did_not_reach_the_server(store: Store):
    server = ScriptedServer()
    first = SyncEngine(store, server).run_once()
    assert first.online and first.last_success is not None
    server.failures = [ApiError(0, "transport_error", "", "connection refused")]
    later = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)  # noqa: E731
    offline = SyncEngine(store, server, clock=later).run_once()
    assert not offline.online and offline.last_success == first.last_success  # not the time of the try


def test_server_refusal_rejects_the_letter_with_the_reason(store: Store):
    server = ScriptedServer()
    guid = queued_letter(store)
    server.failures = [ApiError(422, "invalid_signature", "امضای نامه معتبر نیست.", "bad signature", "signatures")]
    report = SyncEngine(store, server).run_once()
    assert report.rejected == [(guid, "امضای نامه معتبر نیست.")]
    with store.reader() as s:
        letter = s.get(Letter, guid)
        assert letter.state == "rejected" and letter.reject_reason == "امضای نامه معتبر نیست."
    with store.session() as s:  # the secretary corrects it, the signatory signs again
        letter = s.get(Letter, guid)
        L.transition(s, letter, "draft")
        L.edit_letter(s, letter, subject="درخواست همکاری (اصلاح‌شده)")
        L.add_signature(s, letter, cms=b"cms2", content_sha256_hex=content_sha256(L.letter_content(letter)))
        outbox.queue_letter(s, letter)
    report = SyncEngine(store, server).run_once()
    assert report.registered == [guid] and report.sent == [guid]  # a new request, not the refused one
    with store.reader() as s:
        assert s.get(Letter, guid).subject.endswith("(اصلاح‌شده)")


def test_a_refused_letter_signed_again_unchanged_goes_out(store: Store):
    """Refused for its signature (a certificate the server does not accept), then signed again by the
    right signatory without a change to its content: queued again, the same request is retried."""
    server = ScriptedServer()
    guid = queued_letter(store)
    server.failures = [ApiError(422, "signer_not_registered", "گواهی امضاکننده ثبت نشده است.", "not registered",
                                "signatures")]
    assert SyncEngine(store, server).run_once().rejected == [(guid, "گواهی امضاکننده ثبت نشده است.")]
    with store.session() as s:
        letter = s.get(Letter, guid)
        L.transition(s, letter, "draft")
        L.add_signature(s, letter, cms=b"cms-right-signatory", content_sha256_hex=content_sha256(L.letter_content(letter)))
        outbox.queue_letter(s, letter)
    report = SyncEngine(store, server).run_once()
    assert report.registered == [guid] and report.sent == [guid]
    with store.reader() as s:
        assert s.get(Letter, guid).state != "queued"
        assert {o.status for o in s.scalars(select(OutboxOperation))} == {"done"}


def test_receipt_for_other_content_is_not_accepted(store: Store):
    server = ScriptedServer()
    guid = queued_letter(store)
    real = server.register
    server.register = lambda p, idempotency_key: {**real(p, idempotency_key=idempotency_key), "shams": f"{A}-O-1405-99"}
    report = SyncEngine(store, server).run_once()
    assert not report.online and "receipt" in report.error
    with store.reader() as s:
        assert s.get(Letter, guid).shams is None


def test_inbox_letters_are_stored_acknowledged_and_acks_applied(store: Store):
    server = ScriptedServer()
    guid = queued_letter(store)
    SyncEngine(store, server).run_once()
    incoming_guid = str(uuid.uuid4())
    package = {"format": "dabir.letter-package", "version": 1, "signatures": [], "receipts": [],
               "content": {"v": 1, "guid": incoming_guid, "kind": "outgoing", "subject": "دعوت به جلسه",
                           "body": "", "sender": {"agency": B, "unit": "", "person": "", "name": "سازمان"},
                           "recipients": [{"role": "to", "agency": A, "unit": "", "person": "", "name": "وزارت"}],
                           "priority": "urgent", "classification": "normal", "links": [], "attachments": []}}
    server.inbox_items = [{"cursor": 1, "guid": incoming_guid, "shams": f"{B}-O-1405-7", "channel": "payam",
                           "registered_at": "2026-11-25T09:00:00Z", "package": package}]
    server.ack_items = [{"cursor": 1, "guid": guid, "recipient_agency": B, "status": "delivered",
                         "incoming_number": None, "at": "2026-11-25T11:00:00Z"}]
    report = SyncEngine(store, server).run_once()
    assert report.received == [incoming_guid] and server.acked == [incoming_guid]
    assert report.directory_changes == 0  # the directory came in the first run
    with store.reader() as s:
        incoming = s.get(Letter, incoming_guid)
        assert incoming.kind == "incoming" and incoming.priority == "urgent"
        # the real verdict: the package carries neither a signature nor a receipt; kept and flagged
        assert incoming.verify_status == "invalid" and incoming.state == "invalid"
        assert incoming.verification["reasons_fa"][0] == "نامه امضا ندارد."
        assert s.get(Letter, guid).state == "delivered"
    again = SyncEngine(store, server).run_once()  # cursors persisted: nothing twice
    assert again.received == [] and server.acked == [incoming_guid]


def incoming_package(pki: TestPKI, signer_name: str = "مدیرکل امضاکننده", **cert_options: Any) -> LetterPackage:
    signer = make_signer(pki, signer_name, "0012345679", **cert_options)
    return sign(make_package(B, [A], subject="دعوت به جلسه هماهنگی"), signer)


def test_incoming_letters_are_verified_against_the_published_roots_and_the_receipt(store: Store):
    pki = TestPKI(name="Engine Unit PKI")
    server = ScriptedServer()
    good = incoming_package(pki)
    tampered = incoming_package(pki)
    item = server.delivered(tampered, 2)
    item["package"]["content"]["subject"] = "موضوع دست‌خورده"  # changed after signing and registration
    server.inbox_items = [server.delivered(good, 1), item]
    # no roots published yet: not checked (amber), and checked again on the next pass
    first = SyncEngine(store, server).run_once()
    assert sorted(first.received) == sorted([good.guid, tampered.guid])
    with store.reader() as s:
        assert s.get(Letter, good.guid).verify_status == "unchecked"
        assert s.get(Letter, tampered.guid).verify_status == "invalid"  # the receipt already says so
    server.trust_roots = [pki.root_cert.public_bytes(serialization.Encoding.DER)]
    second = SyncEngine(store, server).run_once()
    assert second.trust_changed and second.verified == [good.guid]
    with store.reader() as s:
        letter = s.get(Letter, good.guid)
        assert letter.verify_status == "valid" and letter.state == "received"
        signer = letter.verification["signers"][0]
        assert signer["name"] == "مدیرکل امضاکننده" and signer["national_code"] == "0012345679"
        assert signer["revocation"] == "good"
        bad = s.get(Letter, tampered.guid)
        assert bad.state == "invalid" and "نامه پس از ثبت تغییر کرده است" in bad.verification["reasons_fa"][0]
        actions = [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert "trust_root_added" in actions and "verified" in actions


def test_letters_received_before_verification_are_checked_at_the_next_sync(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Migration 0009 marks letters that arrived unverified (the old «بررسی‌نشده») as unchecked;
    the next pass verifies them."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from app.models.db import MIGRATIONS, Store

    pki = TestPKI(name="Engine Unit PKI 2")
    server = ScriptedServer()
    package = incoming_package(pki)
    server.inbox_items = [server.delivered(package, 1)]
    store = Store(tmp_path)
    SyncEngine(store, server).run_once()
    with store.session() as s:  # as the client before this revision left it
        s.execute(text("UPDATE letters SET verify_status = NULL, verification = :v"),
                  {"v": '{"valid": null, "reasons": ["not verified: no trust roots configured"]}'})
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
    store.close()
    store = Store(tmp_path)  # upgrades again
    with store.reader() as s:
        assert s.get(Letter, package.guid).verify_status == "unchecked"
    server.trust_roots = [pki.root_cert.public_bytes(serialization.Encoding.DER)]
    assert SyncEngine(store, server).run_once().verified == [package.guid]
    with store.reader() as s:
        assert s.get(Letter, package.guid).verification["status"] == "valid"
    store.close()
