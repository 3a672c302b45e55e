"""Property-based API tests (Schemathesis) over the server's own OpenAPI document, against the real
server process on SQLite and PostgreSQL: for generated valid and invalid requests to every
operation, no 5xx, and every answer has a documented status, media type and body schema."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from devkit.letters import SoftSigner
from devkit.pki import TestPKI
from devkit.server_process import DEMO_PASSWORD
from tests.server.conftest import Env, fresh_pg_database, start_env

pytestmark = [pytest.mark.server, pytest.mark.slow]

# Per operation and mode, kept small for the test command's time; DABIR_API_EXAMPLES=500 for a deep run.
EXAMPLES = int(os.environ.get("DABIR_API_EXAMPLES", "6"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]
SKIPPED = {"/api/v1/auth/logout"}  # would revoke the token the run uses; it reads nothing but the token
# CI runs the same examples every time (a run fails for the change it tests); elsewhere each run tries new ones.
RUN = settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
               derandomize=bool(os.environ.get("CI")), suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fuzzed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pki: TestPKI,
           signers: tuple[SoftSigner, SoftSigner]) -> Iterator[Env]:
    """A server of its own: generated admin calls add units and users the other tests do not expect."""
    with contextlib.ExitStack() as stack:
        url = "" if request.param == "sqlite" else stack.enter_context(fresh_pg_database())
        env = start_env(tmp_path_factory.mktemp(f"api-properties-{request.param}"), pki, signers, database_url=url)
        stack.callback(env.server.stop)
        yield env


def _bearer(session: requests.Session, base: str, ca: str, username: str) -> dict[str, str]:
    r = session.post(f"{base}/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD}, verify=ca)
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _as_secretary_of(case: Any, agency: str) -> None:
    """A generated letter from the caller's own agency: it passes the sender check and reaches the
    signature checks (a letter from elsewhere stops at 403)."""
    content = case.body.get("content") if isinstance(case.body, dict) else None
    if isinstance(content, dict) and isinstance(content.get("sender"), dict):
        content["sender"]["agency"] = agency


def _exercise(operation: Any, mode: schemathesis.GenerationMode, session: requests.Session,
              auth: dict[str, str], ca: str, agency: str) -> None:
    @RUN
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case: Any) -> None:
        headers = dict(auth)
        if case.method in ("POST", "PATCH") and mode == schemathesis.GenerationMode.POSITIVE:
            headers["Idempotency-Key"] = str(uuid.uuid4())  # as a client sends it (its absence: 428, tested apart)
            _as_secretary_of(case, agency)
        case.call_and_validate(session=session, headers=headers, checks=CHECKS, verify=ca, timeout=30)

    call()


def test_no_server_errors_and_only_documented_answers(fuzzed: Env) -> None:
    base = fuzzed.server.base_url
    ca = str(fuzzed.server.ca_bundle)  # per call: REQUESTS_CA_BUNDLE would win over a session's
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json", verify=ca)
    failures: list[str] = []
    operations = 0
    with requests.Session() as session:
        secretary, admin = _bearer(session, base, ca, "a.secretary"), _bearer(session, base, ca, "a.admin")
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.path in SKIPPED:
                continue
            operations += 1
            auth = admin if operation.path.startswith("/api/v1/admin/") else secretary
            for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
                try:
                    _exercise(operation, mode, session, auth, ca, fuzzed.nid_a)
                except Unsatisfiable:  # no parameters or body to make invalid
                    assert mode == schemathesis.GenerationMode.NEGATIVE
                except (Exception, BaseExceptionGroup) as exc:  # every operation runs; all failures reported together
                    failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert operations >= 15, "the OpenAPI document lost its operations"
    assert not failures, "\n\n".join(failures)
