"""Sample correspondence: realistic, consistent with the model, and indexed like real letters."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import text

from app.models.db import Store
from app.models.folders import Folder, fetch_letters, folder_counts
from app.models.search import index_row
from app.protocol.jalali import TEHRAN
from app.protocol.shams import Shams
from devkit.sample_letters import fill_sample_letters


def test_sample_letters_are_varied_and_valid(store: Store) -> None:
    result = fill_sample_letters(store, 2000, seed=11)
    assert result.letters == 2000
    with store.reader() as s:
        counts = folder_counts(s)
        assert all(counts[f] > 0 for f in Folder), counts
        rows = s.execute(text("SELECT kind, state, priority, classification, shams, subject, body, created_at, "
                              "updated_at, registered_at FROM letters")).all()  # fmt: skip
    assert Counter(r.kind for r in rows).keys() == {"outgoing", "internal", "incoming"}
    assert len({r.priority for r in rows}) == 3 and len({r.classification for r in rows}) == 4
    assert len({r.subject for r in rows}) > 500
    numbered = [r.shams for r in rows if r.shams]
    assert len(numbered) == len(set(numbered)) > 500
    for shams in numbered[:200]:
        Shams.parse(shams)  # valid national id, domain, year
    assert all(r.body.startswith(("با سلام", "سلام")) and r.body.count("\n\n") >= 3 for r in rows[:100])
    with store.reader() as s:
        page = fetch_letters(s, Folder.SENT, 0, 50)
    for row in page:
        local = row.date.astimezone(TEHRAN)
        assert local.weekday() != 4 and 7 <= local.hour < 15  # office hours, never on a Friday


def test_sample_index_equals_what_the_store_would_write(store: Store) -> None:
    fill_sample_letters(store, 300, seed=5)
    with store.reader() as s:
        letters = s.execute(text("SELECT rowid, guid, subject, body, sender_name, shams FROM letters")).all()
        for rowid, guid, subject, body, sender, shams in letters[:120]:
            parties = [sender] + [" ".join(r) for r in s.execute(
                text("SELECT name, unit, person FROM recipients WHERE letter_guid = :g ORDER BY position"), {"g": guid})]  # fmt: skip
            expected = index_row(subject, body, parties, shams)
            got = s.execute(text("SELECT subject, body, parties, shams FROM letters_fts WHERE rowid = :r"), {"r": rowid}).one()
            assert tuple(got) == (expected["subject"], expected["body"], expected["parties"], expected["shams"])


def test_sample_is_deterministic_and_appends(store: Store) -> None:
    fill_sample_letters(store, 50, seed=1)
    fill_sample_letters(store, 50, seed=2)  # a second fill continues the SHAMS sequences
    with store.reader() as s:
        assert sum(folder_counts(s).values()) == 100
