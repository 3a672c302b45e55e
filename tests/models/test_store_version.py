"""A store migrated by a newer Dabir is refused, not damaged; the workstation settings file."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from app.models.db import DB_FILE, SCHEMA_HEAD, Store, StoreTooNewError, known_revisions
from app.models.site_config import load_site_config
from app.protocol.persian import ltr_island


def test_every_migration_is_a_known_revision() -> None:
    assert SCHEMA_HEAD in known_revisions()
    assert "0001" in known_revisions()


def test_a_store_from_a_newer_version_is_refused_and_left_untouched(tmp_path: Path) -> None:
    Store(tmp_path).close()
    db = tmp_path / DB_FILE
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
        conn.execute("CREATE TABLE from_the_future (x INTEGER)")
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    with pytest.raises(StoreTooNewError) as caught:
        Store(tmp_path)
    assert caught.value.revision == "9999"
    assert "نسخه" in caught.value.message_fa and "newer" in str(caught.value)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("9999",)
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'from_the_future'").fetchone()


def test_an_older_store_still_upgrades(tmp_path: Path) -> None:
    from app.models.db import make_engine, migrate, schema_version

    engine = make_engine(tmp_path / DB_FILE)
    migrate(engine, "0005")
    engine.dispose()
    store = Store(tmp_path)
    try:
        assert schema_version(store.engine) == SCHEMA_HEAD
    finally:
        store.close()


def test_site_config_values_and_relative_paths(tmp_path: Path) -> None:
    path = tmp_path / "dabir.toml"
    path.write_text(
        '\ufeff[server]\nurl = "https://dabir.example.ir/"\nca_bundle = "ca.pem"\n'
        '[token]\nmodule = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"\n',
        encoding="utf-8",
    )
    config = load_site_config(path)
    assert config.error is None
    assert config.server_url == "https://dabir.example.ir"
    assert config.ca_bundle == str(tmp_path / "ca.pem")
    assert config.pkcs11_module == "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
    assert config.pdf_folder is None


@pytest.mark.parametrize("text", ['[server]\nurl = "http://plain.example"\n', "[server\n", 'server = "x"\n',
                                  '[token]\nmodule = 5\n'])
def test_a_bad_site_config_is_reported_and_ignored(tmp_path: Path, text: str) -> None:
    path = tmp_path / "dabir.toml"
    path.write_text(text, encoding="utf-8")
    config = load_site_config(path)
    assert config.error and config.error_fa
    assert ltr_island(str(path)) in config.error_fa  # the path left to right in the Persian sentence
    assert config.server_url is None and config.pkcs11_module is None


def test_no_site_config_is_no_error(tmp_path: Path) -> None:
    config = load_site_config(tmp_path / "absent.toml")
    assert config.error is None and config.path is None
