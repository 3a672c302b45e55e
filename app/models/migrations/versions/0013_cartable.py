"""The cartable is read a page at a time in SQL, filtered through its own search index, and
remembers which reminders it has given.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05

- ``referral_recipients`` (person, referral): who a referral is addressed to, as rows, so "my
  cartable" is an index lookup instead of a scan of every referral's JSON list.
- ``referrals.search_key`` sorts like the cartable (newest ``created_at`` first, to the second,
  then by rowid), as ``letters.search_key`` does for the letter list (0005); the FTS table
  ``referrals_search`` (subject, shams, people, words) is keyed by it, so a filter's matches stream
  newest first and a page stops early. Subject and number are the letter's, copied from its own
  index row by triggers on ``letters_fts`` (a referral may arrive before its letter); people and
  words are written by the store (app/models/referrals.py) with the referral.
- ``referral_events`` gets one index on (referral, kind, by whom, refusal): every status test is a probe.
- ``referral_reminders``: the due-today and overdue notifications given, once per referral,
  person and state, so a restart does not repeat them.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Frozen here (a migration must not change with the app); app/models/referrals.py documents it.
_SECONDS_2000 = 946684800
_ROWID_SPAN = 1 << 30


def _key(row: str) -> str:
    return (
        f"((coalesce(CAST(strftime('%s', {row}.created_at) AS INTEGER), {_SECONDS_2000}) - {_SECONDS_2000})"
        f" * {_ROWID_SPAN} + {row}.rowid % {_ROWID_SPAN})"
    )


def _subject_follows(event: str) -> str:
    """A letter's index row is written: its referrals take its (normalized) subject and number."""
    return (
        f"CREATE TRIGGER referrals_search_subject_{event.lower()} INSTEAD OF {event} ON letters_fts BEGIN "
        "UPDATE referrals_search SET subject = new.subject, shams = new.shams WHERE rowid IN (SELECT r.search_key FROM referrals r "
        "WHERE r.letter_guid = (SELECT guid FROM letters WHERE rowid = new.rowid)); END"
    )


_TRIGGERS = (
    "CREATE TRIGGER referrals_search_key_insert AFTER INSERT ON referrals BEGIN "
    f"UPDATE referrals SET search_key = {_key('new')} WHERE rowid = new.rowid; END",
    "CREATE TRIGGER referrals_search_delete AFTER DELETE ON referrals BEGIN "
    "DELETE FROM referrals_search WHERE rowid = old.search_key; END",
    _subject_follows("INSERT"),
    _subject_follows("UPDATE"),
)


def upgrade() -> None:
    op.add_column("referrals", sa.Column("search_key", sa.Integer(), nullable=True))
    op.execute(f"UPDATE referrals SET search_key = {_key('referrals')}")
    op.create_index("ix_referrals_search_key", "referrals", ["search_key"])
    op.create_index("ix_referrals_due_date", "referrals", ["due_date", "search_key", "guid"])  # covers the counts
    op.create_index("ix_referrals_from_person", "referrals", ["from_person", "search_key"])
    op.create_table(
        "referral_recipients",
        sa.Column("person", sa.String(length=64), nullable=False),
        sa.Column("referral_guid", sa.String(length=36), sa.ForeignKey("referrals.guid", ondelete="CASCADE"),
                  nullable=False),
        sa.PrimaryKeyConstraint("person", "referral_guid"),
    )
    op.execute("INSERT OR IGNORE INTO referral_recipients(person, referral_guid) "
               "SELECT j.value, r.guid FROM referrals r, json_each(r.to_people) j")
    op.drop_index("ix_referral_events_referral_guid", table_name="referral_events")
    op.create_index("ix_referral_events_state", "referral_events",
                    ["referral_guid", "kind", "by_person", "reject_reason"])  # covers the status tests
    op.create_table(
        "referral_reminders",
        sa.Column("referral_guid", sa.String(length=36), sa.ForeignKey("referrals.guid", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("person", sa.String(length=64), nullable=False),
        sa.Column("due_state", sa.String(length=16), nullable=False),  # due | overdue
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("referral_guid", "person", "due_state"),
    )
    op.execute(
        "CREATE VIRTUAL TABLE referrals_search USING fts5("
        "subject, shams, people, words, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3 4')"
    )
    for statement in _TRIGGERS:
        op.execute(statement)
    # The referrals already here: indexed with what the store holds (the app writes new ones).
    from app.protocol.persian import normalize

    conn = op.get_bind()
    names: dict[str, str] = {u: n for u, n in conn.execute(sa.text("SELECT username, name FROM people"))}
    rows = conn.execute(sa.text(
        "SELECT r.search_key, f.subject, f.shams, r.from_person, r.to_people, r.instruction, r.postscript FROM referrals r "
        "LEFT JOIN letters l ON l.guid = r.letter_guid LEFT JOIN letters_fts f ON f.rowid = l.rowid")).all()
    for key, subject, shams, sender, to_people, instruction, postscript in rows:
        who = [sender, *(json.loads(to_people) if isinstance(to_people, str) else to_people or [])]
        people = " ".join(f"{p} {names.get(p, '')}" for p in who)
        conn.execute(sa.text("INSERT INTO referrals_search(rowid, subject, shams, people, words) "
                             "VALUES (:k, :s, :n, :p, :w)"),
                     {"k": key, "s": subject or "", "n": shams or "", "p": normalize(people), "w": normalize(f"{instruction} {postscript}")})


def downgrade() -> None:
    for name in ("referrals_search_subject_update", "referrals_search_subject_insert", "referrals_search_delete",
                 "referrals_search_key_insert"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE referrals_search")
    op.drop_table("referral_reminders")
    op.drop_index("ix_referral_events_state", table_name="referral_events")
    op.create_index("ix_referral_events_referral_guid", "referral_events", ["referral_guid"])
    op.drop_table("referral_recipients")
    op.drop_index("ix_referrals_from_person", table_name="referrals")
    op.drop_index("ix_referrals_due_date", table_name="referrals")
    op.drop_index("ix_referrals_search_key", table_name="referrals")
    op.execute("ALTER TABLE referrals DROP COLUMN search_key")
