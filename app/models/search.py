"""Full-text search over letters with SQLite FTS5 and Persian normalization on both sides.

The FTS5 table ``letters_search`` (migration 0005) holds normalized text keyed by the letter's
``search_key``, which sorts like the letter list (newest ``updated_at`` last)::

    search_key = (whole seconds of updated_at since 2000-01-01) * SEARCH_KEY_SPAN + rowid % SEARCH_KEY_SPAN

so a match read ``ORDER BY rowid DESC`` comes newest first, to the second, and a page can stop
early (:mod:`app.models.folders`). Since migration 0006 the table also keeps prefix indexes
(``prefix = '1 2 3 4'``), so the last, still-typed word of :func:`fts_query` (``"word"*``) is
read from its own doclist instead of merging every word it begins. SQL triggers keep the key
and move the index row when ``updated_at`` changes. The view ``letters_fts`` shows the same
rows keyed by the letter's rowid, as migrations 0002-0004 had the table; writes go through
:func:`reindex`, which the store calls after every flush that touches a letter, so the index
commits or rolls back with the letter itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from html.parser import HTMLParser

from sqlalchemy import Connection, TextClause, bindparam, text

from app.protocol.persian import normalize
from app.protocol.tracking import is_valid

SEARCH_KEY_SPAN = 1 << 30  # search_key // SEARCH_KEY_SPAN: the second of updated_at (since 2000)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in {"p", "br", "div", "li", "tr", "td"}:
            self.parts.append(" ")


def html_to_text(body: str) -> str:
    """Plain text of a rich-text body (Qt's HTML or plain text)."""
    if "<" not in body:
        return body
    parser = _TextExtractor()
    parser.feed(body)
    parser.close()
    return "".join(parser.parts)


def index_row(subject: str, body: str, parties: Iterable[str], shams: str | None) -> dict[str, str]:
    return {
        "subject": normalize(subject),
        "body": normalize(html_to_text(body)),
        "parties": normalize(" ".join(p for p in parties if p)),
        "shams": normalize(shams or ""),
    }


_LETTERS_SQL = (
    "SELECT l.guid, l.rowid, l.subject, l.body, l.sender_name, l.shams, l.kind, "
    "(SELECT a.name FROM agencies a WHERE a.national_id = l.sender_agency), "
    "(SELECT u.name FROM units u WHERE u.agency = l.sender_agency AND u.code = l.sender_unit), "
    "l.verification, {numbers} FROM letters l WHERE l.guid IN :guids"
)
# Found by its number too: the desk's incoming number, a paper sender's id and own number (from 0010),
# a citizen's letter's tracking id (from 0015); migration 0002 back-fills the index with this module
# on the older schema, where they are empty.
_NUMBERS = ("incoming_number", "sender_id", "sender_number", "tracking_id")


def _letters_sql(conn: Connection) -> TextClause:
    have = {row[1] for row in conn.exec_driver_sql("PRAGMA table_info(letters)")}
    numbers = ", ".join(f"l.{c}" if c in have else "NULL" for c in _NUMBERS)
    return text(_LETTERS_SQL.format(numbers=numbers)).bindparams(bindparam("guids", expanding=True))
_PARTIES_SQL = text(
    "SELECT letter_guid, name, unit, person FROM recipients WHERE letter_guid IN :guids ORDER BY id"
).bindparams(bindparam("guids", expanding=True))
# Found by the file number of each archive folder it is filed in (from migration 0012).
_FILE_NUMBERS_SQL = text(
    "SELECT f.letter_guid, d.file_number FROM archive_filings f JOIN archive_folders d ON d.guid = f.folder_guid"
    " WHERE f.filed = 1 AND f.letter_guid IN :guids"
).bindparams(bindparam("guids", expanding=True))
_DELETE_SQL = text("DELETE FROM letters_fts WHERE rowid = :r")
_INSERT_SQL = text(
    "INSERT INTO letters_fts(rowid, subject, body, parties, shams) VALUES (:r, :subject, :body, :parties, :shams)"
)
_CHUNK = 500  # letters read per query (SQLite's bound-parameter limit is far above)


def reindex(conn: Connection, guids: Iterable[str]) -> None:
    """Rewrite the index rows of these letters from their stored data (missing ones are skipped).

    Written through ``letters_fts`` by the letter's rowid: a table up to revision 0004 (migration
    0002 back-fills with this function), a view over ``letters_search`` from 0005. Letters are
    read a chunk at a time and written with one statement each for the chunk (a sync pass
    stores a page of incoming letters at once).
    """
    wanted = list(dict.fromkeys(guids))
    if not wanted:
        return
    letters_sql = _letters_sql(conn)
    archive = conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'archive_filings'").first() is not None
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        recipients: dict[str, list[str]] = {}
        for guid, *names in conn.execute(_PARTIES_SQL, {"guids": chunk}):
            recipients.setdefault(guid, []).append(" ".join(names))
        files: dict[str, list[str]] = {}
        for guid, file_number in conn.execute(_FILE_NUMBERS_SQL, {"guids": chunk}) if archive else ():
            files.setdefault(guid, []).append(file_number)
        rows = []
        # deleted ones are not found: the AFTER DELETE trigger already removed their rows
        for (guid, rowid, subject, body, sender_name, shams, kind, agency_name, unit_name, verification,
             *numbers) in conn.execute(letters_sql, {"guids": chunk}):
            parties = [sender_name]
            if kind == "incoming":  # found under the sending agency, its unit and who signed it
                parties += [agency_name or "", unit_name or "", *signer_names(verification)]
            # the number column also holds the desk's incoming number, the sender's id and own number,
            # and the file numbers of the archive folders it is filed in
            number = " ".join(n for n in (shams, *numbers, *files.get(guid, [])) if n)
            rows.append({"r": rowid, **index_row(subject, body, [*parties, *recipients.get(guid, [])], number)})
        if rows:
            conn.execute(_DELETE_SQL, [{"r": row["r"]} for row in rows])
            conn.execute(_INSERT_SQL, rows)


def signer_names(verification: str | dict | None) -> list[str]:
    """The signers' names in an incoming letter's stored verdict (JSON text or dict)."""
    verdict = json.loads(verification) if isinstance(verification, str) else verification
    if not isinstance(verdict, dict):
        return []
    return [str(s.get("name") or "") for s in verdict.get("signers") or [] if isinstance(s, dict)]


def reindex_shams(conn: Connection, guid: str, shams: str | None) -> None:
    """A letter was numbered: update just that column of its index row."""
    conn.execute(
        text("UPDATE letters_search SET shams = :s WHERE rowid = (SELECT search_key FROM letters WHERE guid = :g)"),
        {"s": normalize(shams or ""), "g": guid},
    )


_TOKEN = re.compile(r"\w+", re.UNICODE)
# Direction marks that a number copied from the screen or a PDF carries (Shams.display wraps itself in them).
_BIDI_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
# A SHAMS as people write it, after normalize (ASCII digits, casefolded): [origin-]domain-year[-sequence],
# the domain as displayed (ص/د) or canonical (o/i): «۱۴۰۰۰۱۲۳۴۵۳-ص-۱۴۰۵-۱», «ص-۱۴۰۵-۱», «14000123453-O-1405-1».
_SHAMS = re.compile(r"(?<!\w)(?:(\d{11})\s*-\s*)?([صدoi])\s*-\s*(\d{4})(?:\s*-\s*(\d{1,10}))?(?!\w)")
_DOMAIN = {"ص": "o", "د": "i", "o": "o", "i": "i"}
# A tracking id as printed on the receipt («۱۲۳۴-۵۶۷۸-۹۰۱۲») or typed with spaces: one word in the index.
_TRACKING = re.compile(r"(?<!\w)(\d{4})\s*-?\s*(\d{4})\s*-?\s*(\d{4})(?!\w)")


def fts_query(user_text: str) -> str | None:
    """The one normalization of a search box query: a safe FTS5 MATCH expression.

    Every normalized word must occur. A SHAMS written as it is displayed or printed (Persian
    or Latin digits, ص/د or O/I) or in canonical form becomes a phrase on the number column in
    canonical tokens, so «ص-۱۴۰۵-۱» finds 14000123453-O-1405-1 and not 1405-12; a tracking id in
    groups (valid check digit) becomes its twelve digits, so «۱۲۳۴-۵۶۷۸-۹۰۱۲» finds 123456789012.
    Search-as-you-type: the last word is still being typed, so it matches as a prefix; the
    words before it are complete and match whole (expanding a short finished word such as
    «و» into every word that starts with it would make broad searches slow).
    Quoting each token keeps FTS5 syntax typed by a user (AND, NEAR, quotes) inert.
    """
    text = normalize(user_text.translate(_BIDI_MARKS))
    phrases = []
    for origin, domain, year, sequence in _SHAMS.findall(text):
        words = [w for w in (origin, _DOMAIN[domain], year, sequence and str(int(sequence))) if w]
        phrases.append("shams : \"" + " ".join(words) + "\"")
    text = _TRACKING.sub(_joined_tracking_id, _SHAMS.sub(" ", text))
    tokens = _TOKEN.findall(text)
    if not tokens:
        return " AND ".join(phrases) or None
    return " ".join([*phrases, *(f'"{t}"' for t in tokens[:-1]), f'"{tokens[-1]}"*'])


def _joined_tracking_id(match: re.Match[str]) -> str:
    """A grouped tracking id as the one word it is indexed as (other groups of digits stay as typed)."""
    joined = "".join(match.groups())
    return f" {joined} " if is_valid(joined) else match.group(0)
