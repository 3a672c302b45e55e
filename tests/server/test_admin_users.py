"""The agency administrator's list of users (GET /admin/users), against the real server on SQLite
and PostgreSQL: the agency's users with roles and signatory certificates (bound or unbound),
its own agency only, and for agency administrators only."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from devkit.letters import make_signer
from tests.server.conftest import Env, refusal

pytestmark = pytest.mark.server


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_env(request: pytest.FixtureRequest) -> Env:
    env: Env = request.getfixturevalue("env" if request.param == "sqlite" else "pg_env")
    return env


def test_the_agency_users_with_their_certificates(any_env: Env) -> None:
    env = any_env
    name = f"a.sig{uuid.uuid4().hex[:6]}"
    signer = make_signer(env.pki, "Signatory New", "0012345679")
    with env.client("a.admin") as admin:
        admin.add_user(name, "امضاکنندهٔ تازه", "a-long-password", ["signatory", "staff"], title="معاون",
                       national_code="0012345679")
        admin.add_signatory_certificate(name, signer.cert_pem)
        answer = admin.admin_users()
        listed = {u["username"]: u for u in answer["users"]}
        assert {"code": "it", "name": "فناوری اطلاعات", "parent": None} in answer["units"]
        assert listed["a.staff"]["unit"] == "it" and listed["a.staff"]["unit_name"] == "فناوری اطلاعات"
        assert {"a.admin", "a.secretary", "a.signatory", name} <= set(listed)
        assert not [u for u in listed if u.startswith("b.")]  # no other agency's users
        new = listed[name]
        assert (new["display_name"], new["title"], new["national_code"], new["roles"], new["active"]) == (
            "امضاکنندهٔ تازه", "معاون", "0012345679", ["signatory", "staff"], True)
        [cert] = new["certificates"]
        assert cert["holder"] == "Signatory New" and cert["bound"] and cert["sha256"] == hashlib.sha256(signer.cert_der).hexdigest()
        assert cert["not_after"].endswith("Z")
        admin.update_user(name, roles=["staff"])  # losing the role unbinds the certificate
        [cert] = {u["username"]: u for u in admin.admin_users()["users"]}[name]["certificates"]
        assert not cert["bound"] and cert["unbound_reason"] == "signatory_role_removed"
    with env.client("b.admin") as other:
        assert name not in {u["username"] for u in other.admin_users()["users"]}


def test_a_certificate_signing_for_one_user_is_not_registered_for_another(env: Env) -> None:
    """The agency holds a certificate once: registering it for a second signatory is refused, not
    answered "registered" while it stays with the first."""
    name = f"a.sig{uuid.uuid4().hex[:6]}"
    signer = make_signer(env.pki, "Signatory Twice", "0012345679")
    with env.client("a.admin") as admin:
        admin.add_user(name, "امضاکنندهٔ دوم", "a-long-password", ["signatory"], national_code="0012345679")
        admin.add_signatory_certificate(name, signer.cert_pem)
        admin.add_signatory_certificate(name, signer.cert_pem)  # again for the same user: fine
        assert refusal(lambda: admin.add_signatory_certificate("a.signatory", signer.cert_pem)) == (
            422, "certificate_in_use")
        listed = {u["username"]: u for u in admin.admin_users()["users"]}
        assert [c["bound"] for c in listed[name]["certificates"]] == [True]
        assert hashlib.sha256(signer.cert_der).hexdigest() not in {c["sha256"] for c in listed["a.signatory"]["certificates"]}


def test_only_agency_administrators(any_env: Env) -> None:
    for username in ("a.secretary", "a.staff", "a.signatory"):
        with any_env.client(username) as client:
            assert refusal(client.admin_users) == (403, "forbidden")
