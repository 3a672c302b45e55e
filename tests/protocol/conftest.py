"""One test CA, with its CRL served on 127.0.0.1, for the verification tests."""

from __future__ import annotations

import pytest

from tests.protocol.cases import World, make_world


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("protocol"))
