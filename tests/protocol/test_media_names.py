"""The names an attachment is handed to the system under (issue 17's user trial): whatever the
sender called it, the copy opened or saved ends with an extension of the type its content is, so
a desktop never runs a script or a program that arrived as text or as a PDF."""

from __future__ import annotations

import pytest

from app.protocol.media import DOCX, EXECUTABLE, JPEG, PDF, TEXT, name_for_type, runnable_name, shown_name


@pytest.mark.parametrize(("name", "media_type", "expected"), [
    ("run.bat", TEXT, "run.bat.txt"),
    ("invoice.vbs", "text/plain; charset=utf-8", "invoice.vbs.txt"),
    ("invoice\u202efdp.exe", PDF, "invoicefdp.exe.pdf"),  # shown as «invoiceexe.pdf» by the override
    ("page.html", "text/html", "page.html.txt"),  # declared text/*, found plain text: opened as text
    ("report.PDF", PDF, "report.PDF"),
    ("photo.jpeg", JPEG, "photo.jpeg"),
    ("صورت‌جلسه.docx", DOCX, "صورت‌جلسه.docx"),
    ("macro.docm", DOCX, "macro.docm.docx"),
    ("table.csv", TEXT, "table.csv"),
    ("README", TEXT, "README.txt"),
    (".pdf", PDF, "pdf.pdf"),
    ("tool", EXECUTABLE, "tool.bin"),
    ("", PDF, "document.pdf"),
])
def test_the_name_ends_with_an_extension_of_its_type(name: str, media_type: str, expected: str) -> None:
    assert name_for_type(name, media_type) == expected


def test_a_long_name_keeps_the_added_extension() -> None:
    name = name_for_type("ا" * 300 + ".exe", PDF)
    assert name.endswith(".pdf") and len(name) <= 200


@pytest.mark.parametrize(("name", "runnable"), [
    ("run.bat", True), ("Setup.EXE", True), ("invoice\u202efdp.exe", True), ("a.pdf.js", True),
    ("x.ps1 ", True), ("report.pdf", False), ("exe", False), ("notes.exe.txt", False),
])
def test_runnable_names(name: str, runnable: bool) -> None:
    assert runnable_name(name) is runnable


def test_a_shown_name_is_sanitized_and_isolated() -> None:
    assert shown_name("invoice\u202efdp.exe") == "\u2068invoicefdp.exe\u2069"
    assert shown_name("گزارش.pdf") == "\u2068گزارش.pdf\u2069"
    # digits before a Latin extension: a left-to-right mark keeps «۱۴۰۵.jpg» together
    assert shown_name("صورتجلسه-جلسه-۱۴۰۵.jpg") == "\u2068صورتجلسه-جلسه-۱۴۰۵\u200e.jpg\u2069"
