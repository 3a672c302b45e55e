"""The archive (بایگانی): bounds of a folder's title and file number, and when two file numbers are one.

Client and server agree on these: the server refuses a second folder whose file number is the
same as another's of the agency once Persian/Arabic digits, letter variants and spaces are folded
(«۱۴۰۵/ح/۱۲» and «1405 / ح / 12» are one file number to a secretary).
"""

from __future__ import annotations

from app.protocol.persian import normalize

MAX_TITLE = 200
MAX_FILE_NUMBER = 40
MAX_REASON = 1000


def file_number_key(file_number: str) -> str:
    """The file number as compared for uniqueness (and searched): folded, without spaces."""
    return normalize(file_number).replace(" ", "")
