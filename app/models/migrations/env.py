"""Alembic environment for the local store; run programmatically by app.models.db.migrate()."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from app.models.tables import Base

config = context.config
connection = config.attributes.get("connection")

if connection is None:  # command-line use (alembic revision --autogenerate) on a scratch file
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///scratch.db")
    connection = engine.connect()

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
