"""Server migrations on PostgreSQL: stored letter packages are compressed with lz4."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from server.migrate import upgrade


@pytest.mark.postgres
def test_packages_compressed_with_lz4(pg_database_url: str) -> None:
    upgrade(pg_database_url)
    engine = create_engine(pg_database_url)
    try:
        with engine.connect() as conn:
            method = conn.execute(text(
                "SELECT attcompression FROM pg_attribute WHERE attrelid = 'letters'::regclass"
                " AND attname = 'package'")).scalar_one()
            assert method == "l", "letters.package should be compressed with lz4"
    finally:
        engine.dispose()
