"""A keyring backend for tests only: a JSON file named by DABIR_TEST_KEYRING_FILE.

CI machines have no Secret Service; production uses the OS keyring. Selected in-process
with ``keyring.set_keyring(FileKeyring())`` or, for subprocesses, with
``PYTHON_KEYRING_BACKEND=devkit.file_keyring.FileKeyring``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend


class FileKeyring(KeyringBackend):
    priority = 1

    @property
    def path(self) -> Path:
        return Path(os.environ["DABIR_TEST_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\x00{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\x00{username}"] = password
        self._save(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        data.pop(f"{service}\x00{username}", None)
        self._save(data)

    def _save(self, data: dict[str, str]) -> None:
        """Owner-only (it holds session tokens), written whole then renamed."""
        tmp = self.path.with_suffix(".tmp")
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            out.write(json.dumps(data))
        os.chmod(tmp, 0o600)  # also when an older run left it open
        tmp.replace(self.path)
