"""The printed letter names its attachments (issue 17): «پیوست: ۲ فایل» in the header and the
files listed under the letter, read back from the PDF with poppler."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from app.models import letters as L
from app.models.db import Store
from app.models.letter_view import LetterView, Signatory
from app.models.tables import Attachment
from app.protocol.canonical import content_sha256
from app.protocol.persian import normalize
from app.ui import letter_print as P
from tests.ui.test_letter_print import AGENCY, BASE, C1, OTHER, WHEN, plain_text

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
NAMES = ("گزارش عملکرد سه‌ماهه.pdf", "صورت‌جلسه.docx")


def view_with_attachments(store: Store, names: tuple[str, ...]) -> LetterView:
    with store.session() as s:
        letter = L.create_letter(s, kind="outgoing", subject="ارسال گزارش عملکرد", body="<p>با سلام</p>",
                                 sender={"agency": AGENCY, "name": "وزارت نمونه"},
                                 recipients=[{"role": "to", "agency": OTHER, "name": "سازمان برنامه و بودجهٔ کشور"}])
        for i, name in enumerate(names):
            letter.attachments.append(Attachment(position=i, sha256=f"{i:x}" * 64, size=1000 + i,
                                                 media_type="application/pdf", file_name=name,
                                                 remote_address=f"{BASE}/api/v1/documents/{f'{i:x}' * 64}"))
        s.flush()
        L.add_signature(s, letter, cms=b"test", content_sha256_hex=content_sha256(L.letter_content(letter)),
                        signer_subject="CN=علی رضایی", signer_national_code=C1)
        for state in ("queued", "registered"):
            L.transition(s, letter, state)
        letter.shams, letter.registered_at = f"{AGENCY}-O-1405-188", WHEN
        s.flush()
        return LetterView.from_letter(letter, agency_name="وزارت نمونه",
                                      signatories=[Signatory("علی رضایی", "مدیرکل", C1)])


def test_printed_letter_lists_its_attachments(qapp, store: Store, tmp_path: Path) -> None:
    view = view_with_attachments(store, NAMES)
    assert view.attachment_display == "۲ فایل"
    assert view.attachment_names == NAMES
    pdf = P.render_letter_pdf(view, tmp_path / "letter.pdf", server_base=BASE)
    text = re.sub(r"[\u202a-\u202e\u2066-\u2069]", "", plain_text(pdf))  # digits come back as ASCII
    assert re.search(r"پیوست\W*2\W*فایل", text), text  # the header: «پیوست: ۲ فایل»
    listed = text[text.index(normalize("پیوست‌ها")):]
    assert re.search(r"1\W*" + normalize("گزارش عملکرد سه‌ماهه") + r"\W*pdf", listed), listed
    assert re.search(r"2\W*" + normalize("صورت‌جلسه") + r"\W*docx", listed), listed


def test_a_letter_without_attachments_says_none(store: Store) -> None:
    view = view_with_attachments(store, ())
    assert view.attachment_display == "ندارد" and view.attachment_names == ()
