"""Helpers shared by the test suite (test CA, SoftHSM tokens, server process)."""
