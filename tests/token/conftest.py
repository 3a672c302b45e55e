"""One SoftHSM2 installation for the token suite, with tokens and keys made once per session.

Tokens (PINs in the constants below):
  "Dabir A"          signer (valid, non-repudiation, national code), expired, revoked, foreign-CA, ds-only,
                     tls-client (a TLS client-authentication certificate: not offered for signing)
  "Dabir B"          signer-b (valid)            -> "two tokens present"
  "Dabir PIN"        pin-test key                -> wrong-PIN tests, so flags don't leak elsewhere
  "Dabir Removable"  signer-r                    -> pulled out (deleted) mid-batch
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pkcs11
import pytest
from cryptography.x509.oid import ExtendedKeyUsageOID

from app.protocol.canonical import build_content, canonical_bytes
from app.protocol.persian import national_code_check_digit
from app.protocol.trust import TrustStore
from app.token.tokens import find_token
from devkit.pki import TestPKI
from devkit.softhsm import ProvisionedKey, SoftHSM, past, provision_signing_key, softhsm_available

PIN_A, PIN_B, PIN_P, PIN_R = "123456", "111111", "222222", "333333"
NATIONAL_CODE = "001234567" + national_code_check_digit("001234567")


@dataclass
class TokenWorld:
    hsm: SoftHSM
    lib: pkcs11.lib
    pki: TestPKI
    foreign_pki: TestPKI
    trust_dir: Path
    keys: dict[str, ProvisionedKey]

    def trust(self) -> TrustStore:
        return TrustStore.from_directory(self.trust_dir)

    def token(self, label: str) -> pkcs11.Token:
        # not lib.get_token: it raises on a slot whose token was pulled out by an earlier test
        return find_token(self.lib, label=label)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenWorld]:
    if not softhsm_available():
        pytest.fail("SoftHSM2 is required for the token suite (apt install softhsm2)")
    root = tmp_path_factory.mktemp("softhsm")
    pki = TestPKI()  # its CRL is served on 127.0.0.1 (devkit.revocation)
    foreign = TestPKI(name="Unknown CA")
    hsm = SoftHSM(root)
    for label, pin in (("Dabir A", PIN_A), ("Dabir B", PIN_B), ("Dabir PIN", PIN_P), ("Dabir Removable", PIN_R)):
        hsm.init_token(label, pin)
    lib = hsm.lib()  # after every token exists: SoftHSM enumerates them once
    keys = {
        "signer": provision_signing_key(lib, "Dabir A", PIN_A, pki, label="signer", key_id=b"\x01",
                                        common_name="علی رضایی", national_code=NATIONAL_CODE),
        "ds-only": provision_signing_key(lib, "Dabir A", PIN_A, pki, label="ds-only", key_id=b"\x02",
                                         common_name="DS Only", non_repudiation=False),
        "expired": provision_signing_key(lib, "Dabir A", PIN_A, pki, label="expired", key_id=b"\x03",
                                         common_name="Expired Signer", not_before=past(400), not_after=past(30)),
        "revoked": provision_signing_key(lib, "Dabir A", PIN_A, pki, label="revoked", key_id=b"\x04",
                                         common_name="Revoked Signer"),
        "foreign": provision_signing_key(lib, "Dabir A", PIN_A, foreign, label="foreign", key_id=b"\x05",
                                         common_name="Foreign Signer", store_intermediate=False),
        "tls-client": provision_signing_key(lib, "Dabir A", PIN_A, pki, label="tls-client", key_id=b"\x06",
                                            common_name="TLS Client",
                                            extended_key_usage=[ExtendedKeyUsageOID.CLIENT_AUTH]),
        "signer-b": provision_signing_key(lib, "Dabir B", PIN_B, pki, label="signer-b", key_id=b"\x11",
                                          common_name="مریم احمدی"),
        "pin-test": provision_signing_key(lib, "Dabir PIN", PIN_P, pki, label="pin-test", key_id=b"\x21",
                                          common_name="PIN Test"),
        "signer-r": provision_signing_key(lib, "Dabir Removable", PIN_R, pki, label="signer-r", key_id=b"\x31",
                                          common_name="Removable Signer"),
    }
    pki.revoke(keys["revoked"].certificate, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    trust_dir = pki.write_trust_dir(root / "trust")
    yield TokenWorld(hsm, lib, pki, foreign, trust_dir, keys)


def letter(i: int = 0, body: str | None = None) -> dict:
    return build_content(
        guid=str(uuid.UUID(int=i + 1)),
        kind="outgoing",
        subject=f"درخواست همکاری در اجرای بخشنامه شماره {i}",
        body=body or "با سلام و احترام،\nبه استناد بخشنامه شماره ۱۷۳۹۸۳۶، خواهشمند است دستور فرمایید اقدام لازم به عمل آید.",
        sender={"agency": "14000123453", "unit": "دبیرخانه", "person": "", "name": "سازمان نمونه"},
        recipients=[{"agency": "14000234561", "name": "وزارت نمونه", "role": "to"}],
    )


def letter_bytes(i: int = 0) -> bytes:
    return canonical_bytes(letter(i))
