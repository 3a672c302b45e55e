"""SoftHSM2 for tests: a private token directory and config, tokens, and signing keys made on the token.

SoftHSM reads ``SOFTHSM2_CONF`` and enumerates its tokens once, in C_Initialize, and
python-pkcs11 keeps one initialized library per path for the whole process. So: create
every token first (``softhsm2-util`` in a subprocess), then :meth:`SoftHSM.activate` and
load the module once. Several tokens in one config are how a test gets "two tokens present".

:meth:`SoftHSM.private_module` copies the library to another path: the dynamic loader then
maps a second, independent instance (its own C_Initialize, its own view of the token
directory), which a test can re-initialize without ending the main instance's sessions.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass

from app.token.modules import Library
from devkit.pki import TestPKI

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
SO_PIN = "87654321"


def softhsm_available() -> bool:
    return os.path.isfile(SOFTHSM_MODULE) and shutil.which("softhsm2-util") is not None


@dataclass
class ProvisionedKey:
    token_label: str
    label: str
    key_id: bytes
    certificate: x509.Certificate


class SoftHSM:
    def __init__(self, root: Path, module: str = SOFTHSM_MODULE) -> None:
        self.root = root
        self.module = module
        self.token_dir = root / "tokens"
        self.token_dir.mkdir(parents=True, exist_ok=True)
        self.conf = root / "softhsm2.conf"
        self.conf.write_text(
            f"directories.tokendir = {self.token_dir}\nobjectstore.backend = file\nlog.level = ERROR\n"
            "slots.removable = true\n"
        )

    # -- environment -------------------------------------------------------------------------
    def env(self, **extra: str) -> dict[str, str]:
        """Environment for a subprocess (the CLI) that should see these tokens."""
        return {**os.environ, "SOFTHSM2_CONF": str(self.conf), **extra}

    def activate(self) -> None:
        """Point this process at our config; must happen before the module is first loaded."""
        os.environ["SOFTHSM2_CONF"] = str(self.conf)

    def _util(self, *args: str) -> str:
        out = subprocess.run(["softhsm2-util", *args], env=self.env(), capture_output=True, text=True, check=True)
        return out.stdout

    # -- tokens ------------------------------------------------------------------------------
    def init_token(self, label: str, pin: str) -> None:
        self._util("--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", SO_PIN)

    def delete_token(self, label: str) -> None:
        """The closest SoftHSM has to pulling the token out: its files disappear."""
        self._util("--delete-token", "--token", label)

    def lib(self) -> Library:
        self.activate()
        return pkcs11.lib(self.module)

    def private_module(self, directory: Path) -> Library:
        """An independent instance of the module (a copy of the .so at another path)."""
        directory.mkdir(parents=True, exist_ok=True)
        copy = directory / "libsofthsm2-private.so"
        if not copy.exists():
            shutil.copy2(self.module, copy)
        self.activate()
        return pkcs11.lib(str(copy))


def rsa_public_key(public: pkcs11.PublicKey) -> rsa.RSAPublicKey:
    n = int.from_bytes(public[Attribute.MODULUS], "big")
    e = int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big")
    return rsa.RSAPublicNumbers(e, n).public_key()


def store_certificate(session: pkcs11.Session, cert: x509.Certificate, label: str, key_id: bytes) -> None:
    session.create_object({
        Attribute.CLASS: ObjectClass.CERTIFICATE,
        Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
        Attribute.TOKEN: True,
        Attribute.PRIVATE: False,
        Attribute.LABEL: label,
        Attribute.ID: key_id,
        Attribute.SUBJECT: cert.subject.public_bytes(),
        Attribute.ISSUER: cert.issuer.public_bytes(),
        Attribute.SERIAL_NUMBER: cert.serial_number.to_bytes(20, "big").lstrip(b"\0") or b"\0",
        Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
    })


def provision_signing_key(
    lib: Library,
    token_label: str,
    pin: str,
    pki: TestPKI,
    *,
    label: str,
    key_id: bytes,
    common_name: str,
    national_code: str | None = None,
    store_intermediate: bool = True,
    **cert_kwargs: Any,
) -> ProvisionedKey:
    """RSA-2048 generated on the token (sensitive, never extractable); certificate stored beside it."""
    token = lib.get_token(token_label=token_label)
    with token.open(rw=True, user_pin=pin) as session:
        public, _private = session.generate_keypair(
            KeyType.RSA, 2048, store=True, label=label, id=key_id,
            public_template={Attribute.VERIFY: True, Attribute.TOKEN: True},
            private_template={Attribute.SIGN: True, Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False,
                              Attribute.TOKEN: True, Attribute.PRIVATE: True},
        )
        cert = pki.issue_signing_cert(rsa_public_key(public), common_name, national_code=national_code, **cert_kwargs)
        store_certificate(session, cert, label, key_id)
        if store_intermediate and not list(session.get_objects(
                {Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.LABEL: "Intermediate CA"})):
            store_certificate(session, pki.intermediate_cert, "Intermediate CA", b"\xca")
    return ProvisionedKey(token_label, label, key_id, cert)


def past(days: int) -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=days)
