"""A table (headers and rows of text and numbers) written to CSV or XLSX for Excel.

CSV is UTF-8 with a byte-order mark: without it Excel reads the Persian as mojibake. Numbers stay
numbers in both (ASCII digits in CSV, numeric cells in XLSX) so a spreadsheet can sum them.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

Cell = str | int | float | None


def write_csv(path: Path, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        writer.writerows([["" if c is None else c for c in row] for row in rows])
    os.chmod(path, 0o600)


def write_xlsx(path: Path, headers: Sequence[str], rows: Sequence[Sequence[Cell]], title: str) -> None:
    """One right-to-left sheet named ``title`` (Excel allows 31 characters, none of []:*?/\\)."""
    from openpyxl import Workbook  # imported when used: it would slow every start of the app

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Sheet"
    sheet.sheet_view.rightToLeft = True
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    os.chmod(path, 0o600)
