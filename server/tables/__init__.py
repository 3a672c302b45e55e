"""Database tables (SQLAlchemy Core), one module an area, all in the one ``metadata``. The schema is
created by the Alembic migrations in ``server/migrations``; keep the two in step (a new column = a
new migration). Importing any table imports every area, so foreign keys between areas always resolve
and ``metadata`` always holds every table."""

from server.tables import accounts, archive, documents, letters, rasad, referrals  # noqa: F401
from server.tables.base import metadata

__all__ = ["metadata"]
