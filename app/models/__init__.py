"""The client's local store: SQLAlchemy tables, Alembic migrations, the letter state machine,
folders and search. Qt-free; what it shares with the server lives in :mod:`app.protocol`."""
