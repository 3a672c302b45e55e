"""The workflow steps on letters: each one transaction, each saying what it changed."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.models import letters as L
from app.models.changes import Changes
from app.models.db import Store
from app.models.letter_actions import (
    apply_signatures,
    packages_for,
    return_to_draft,
    signatory_rule,
    submit_for_signature,
)
from app.models.lifecycle import State
from app.models.tables import AuditEvent, Letter, OutboxOperation
from app.protocol.canonical import InvalidContent
from app.protocol.certificates import CertificateInfo
from app.sync.outbox import queue_letter
from tests.models.letter_helpers import state_of
from tests.sync.test_engine_unit import A, B

SIGNATORY = {"kind": "person", "agency": A, "person": "karimi", "name": "مریم کریمی", "national_code": "0067749828"}


def draft(store: Store, subject: str, state: State = State.DRAFT, signatories: list | None = None) -> str:
    with store.session() as s:
        letter = L.create_letter(s, kind="outgoing", subject=subject, body="<p>متن</p>",
                                 sender={"agency": A, "name": "وزارت"}, recipients=[{"agency": B, "name": "سازمان"}])
        letter.signatories = [SIGNATORY] if signatories is None else signatories
        if state is not State.DRAFT:
            L.transition(s, letter, state)
        return letter.guid


def test_submit_moves_a_draft_once(store: Store) -> None:
    guid = draft(store, "ابلاغ بخشنامه")
    assert submit_for_signature(store, guid, actor="karimi") == Changes(letters=frozenset({guid}))
    assert state_of(store, guid) == "awaiting_signature"
    assert not submit_for_signature(store, guid)  # no longer a draft: nothing changes, nothing to announce
    assert not submit_for_signature(store, "00000000-0000-0000-0000-000000000000")


def test_a_letter_with_no_signatory_cannot_go_for_signature(store: Store) -> None:
    guid = draft(store, "بدون امضاکننده", signatories=[])
    with pytest.raises(InvalidContent) as exc:
        submit_for_signature(store, guid)
    assert exc.value.field == "signatories" and "امضاکننده" in exc.value.message_fa
    assert state_of(store, guid) == "draft"


def test_signatory_rule_allows_only_a_certificate_of_a_listed_signatory(store: Store) -> None:
    listed = draft(store, "نامهٔ اول", State.AWAITING_SIGNATURE)
    also = draft(store, "نامهٔ دوم", State.AWAITING_SIGNATURE, signatories=[SIGNATORY, {**SIGNATORY, "national_code": "0013542419"}])
    rule = signatory_rule(store, [listed, also])
    assert rule.allows("0067749828") and rule.refusal_fa("0067749828") is None
    assert not rule.allows("0013542419")  # listed on one letter only: not for the batch
    assert "امضاکنندگان تعیین‌شده" in (rule.refusal_fa("0013542419") or "")
    assert "امضاکنندگان تعیین‌شده" in (rule.refusal_fa(None) or "")  # a certificate without a national code
    unlisted = draft(store, "نامهٔ بی‌امضاکننده", State.AWAITING_SIGNATURE, signatories=[])
    refusal = signatory_rule(store, [listed, unlisted]).refusal_fa("0067749828") or ""
    assert "تعیین نشده" in refusal and "نامهٔ بی‌امضاکننده" in refusal


def test_return_to_draft_is_audited_as_a_correction(store: Store) -> None:
    guid = draft(store, "درخواست تخصیص اعتبار", State.AWAITING_SIGNATURE)
    assert not return_to_draft(store, guid)  # only a returned letter goes back
    with store.session() as s:
        s.get(Letter, guid).state = State.REJECTED.value  # type: ignore[union-attr]
    assert return_to_draft(store, guid, actor="karimi").letters == {guid}
    assert state_of(store, guid) == "draft"
    with store.reader() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.letter_guid == guid).order_by(AuditEvent.id.desc())).first()
        assert event is not None and event.detail["reason"] == "correction" and event.actor == "karimi"


def test_signatures_are_stored_queued_and_refused_when_the_letter_changed(store: Store) -> None:
    first = draft(store, "گزارش عملکرد", State.AWAITING_SIGNATURE)
    changed = draft(store, "دعوت به جلسه", State.AWAITING_SIGNATURE)
    unsigned = draft(store, "پیگیری قرارداد", State.AWAITING_SIGNATURE)
    skipped = draft(store, "پیش‌نویس")
    packages = packages_for(store, [unsigned, changed, skipped, first])
    assert [p.guid for p in packages] == [unsigned, changed, first]  # the order asked, drafts left out
    for p in packages[1:]:
        p.signatures.append(b"cms")
    with store.session() as s:  # edited while its package was being signed
        L.edit_letter(s, s.get(Letter, changed), subject="دعوت به جلسه (اصلاحیه)")  # type: ignore[arg-type]
    now = dt.datetime.now(dt.UTC)
    signer = CertificateInfo(der=b"", subject="CN=علی رضایی", issuer="CN=Test CA", common_name="علی رضایی",
                             issuer_common_name="Test CA", national_code="0013542419", not_before=now, not_after=now,
                             serial_number=1, non_repudiation=True, digital_signature=True, is_ca=False)

    report = apply_signatures(store, packages, signer, queue=queue_letter, actor="rezaei")
    assert report.queued == [first] and [subject for subject, _ in report.refused] == ["دعوت به جلسه"]
    assert report.changes == Changes(letters=frozenset({first}), outbox=True)
    assert state_of(store, first) == "queued" and state_of(store, changed) == "awaiting_signature"
    assert state_of(store, unsigned) == "awaiting_signature"
    with store.reader() as s:
        sig = s.get(Letter, first).signatures[0]  # type: ignore[union-attr]
        assert sig.signer_national_code == "0013542419" and sig.signer_subject == "CN=علی رضایی"
        ops = s.scalars(select(OutboxOperation)).all()
        assert [(op.letter_guid, op.op) for op in ops] == [(first, "register")]  # queued in the same write
