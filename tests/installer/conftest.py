"""The installer tests sign with the token suite's SoftHSM tokens (made once per session)."""

from tests.token.conftest import world  # noqa: F401 (a fixture)
