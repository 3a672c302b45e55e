"""Agency administration: agencies (operator, CLI), units, users, signatory certificates, trust roots."""

from __future__ import annotations

import base64
import contextlib
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from pydantic import BaseModel, Field
from sqlalchemy import Connection, insert, select, update

from app.protocol.certificates import describe_certificate
from app.protocol.persian import InvalidIdentifier, validate_national_code, validate_national_id
from app.protocol.receipt import format_time
from server import audit
from server.auth import ROLES, Principal, Role, revoke_user_tokens
from server.context import ServerContext, as_utc
from server.directory import touch
from server.errors import ApiError, not_found
from server.tables.accounts import agencies, certificates, trust_roots, units, users


def _conflict(what_fa: str, what_en: str, field: str) -> ApiError:
    return ApiError(409, "already_exists", f"{what_fa} از پیش وجود دارد.", f"{what_en} already exists.", field)


def create_agency(ctx: ServerContext, conn: Connection, national_id: str, name: str) -> int:
    try:
        national_id = validate_national_id(national_id)
    except InvalidIdentifier as exc:
        raise ApiError(422, "invalid_national_id", exc.message_fa, str(exc), "national_id") from exc
    if agency_id_of(conn, national_id) is not None:
        raise _conflict("سازمانی با این شناسه ملی", "An agency with this national id", "national_id")
    return int(conn.execute(insert(agencies).values(
        national_id=national_id, name=name, active=True, change_seq=touch(ctx, conn),
        created_at=ctx.clock()).returning(agencies.c.id)).scalar_one())


def agency_id_of(conn: Connection, national_id: str) -> int | None:
    return conn.execute(select(agencies.c.id).where(agencies.c.national_id == national_id)).scalar()


def create_unit(ctx: ServerContext, conn: Connection, agency_id: int, code: str, name: str,
                parent_code: str | None = None) -> dict[str, str]:
    if conn.execute(select(units.c.id).where(units.c.agency_id == agency_id, units.c.code == code)).first():
        raise _conflict("واحدی با این کد", "A unit with this code", "code")
    conn.execute(insert(units).values(agency_id=agency_id, code=code, name=name, parent_code=parent_code,
                                      active=True, change_seq=touch(ctx, conn)))
    return {"code": code, "name": name}


def check_roles(roles: list[str]) -> str:
    bad = [r for r in roles if r not in ROLES]
    if bad or not roles:
        raise ApiError(422, "invalid_role", "نقش انتخاب‌شده معتبر نیست.",
                       f"Roles must be a non-empty subset of {sorted(ROLES)}.", "roles")
    return ",".join(sorted(set(roles)))


def _unit_exists(conn: Connection, agency_id: int, code: str | None) -> None:
    if code and conn.execute(select(units.c.id).where(units.c.agency_id == agency_id, units.c.code == code)).first() is None:
        raise ApiError(422, "unknown_unit", "واحد سازمانی انتخاب‌شده وجود ندارد.", "No such unit.", "unit")


def check_national_code(national_code: str | None) -> str | None:
    if not national_code:
        return None
    try:
        return validate_national_code(national_code)
    except InvalidIdentifier as exc:
        raise ApiError(422, "invalid_national_code", exc.message_fa, str(exc), "national_code") from exc


def create_user(ctx: ServerContext, conn: Connection, agency_id: int, *, username: str, display_name: str,
                password_hash: str, roles: list[str], unit: str | None = None, national_code: str | None = None,
                title: str = "") -> dict[str, Any]:
    """A new user (the password is hashed by the caller: argon2 is too slow for a write job)."""
    role_text = check_roles(roles)
    national_code = check_national_code(national_code)
    if conn.execute(select(users.c.id).where(users.c.username == username)).first() is not None:
        raise _conflict("کاربری با این نام کاربری", "A user with this username", "username")
    _unit_exists(conn, agency_id, unit)
    conn.execute(insert(users).values(
        agency_id=agency_id, username=username, display_name=display_name, title=title,
        national_code=national_code, unit_code=unit, roles=role_text, password_hash=password_hash, active=True,
        change_seq=touch(ctx, conn), created_at=ctx.clock()))
    return {"username": username, "roles": sorted(set(roles))}


def _user_in_agency(conn: Connection, agency_id: int, username: str) -> Any:
    row = conn.execute(select(users).where(users.c.username == username, users.c.agency_id == agency_id)).mappings().first()
    if row is None:
        raise not_found("username")
    return row


def update_user(ctx: ServerContext, conn: Connection, admin: Principal, username: str, changes: dict[str, Any],
                password_hash: str | None) -> dict[str, Any]:
    """Apply an administrator's changes; a changed password, role or deactivation logs the user out."""
    values: dict[str, Any] = {k: changes[k] for k in ("display_name", "title") if changes.get(k) is not None}
    if changes.get("roles") is not None:
        values["roles"] = check_roles(changes["roles"])
    if changes.get("active") is not None:
        values["active"] = bool(changes["active"])
    if password_hash is not None:
        values["password_hash"] = password_hash
    row = _user_in_agency(conn, admin.agency_id, username)
    if changes.get("unit") is not None:
        _unit_exists(conn, admin.agency_id, changes["unit"])
        values["unit_code"] = changes["unit"]
    values["change_seq"] = touch(ctx, conn)
    conn.execute(update(users).where(users.c.id == row["id"]).values(**values))
    if "password_hash" in values or values.get("active") is False or "roles" in values:
        revoke_user_tokens(conn, row["id"], ctx.clock())  # a changed identity must log in again
    if values.get("active") is False:
        _unbind_certificates(ctx, conn, admin, row, "user_deactivated")
    elif "roles" in values and Role.SIGNATORY.value not in values["roles"].split(","):
        _unbind_certificates(ctx, conn, admin, row, "signatory_role_removed")
    return {"username": username, "updated": sorted(k for k in values if k not in ("change_seq", "password_hash"))
            + (["password"] if "password_hash" in values else [])}


def _unbind_certificates(ctx: ServerContext, conn: Connection, admin: Principal, user: Any, reason: str) -> None:
    """The user's certificates stop signing for the agency (until an administrator registers them again)."""
    bound = conn.execute(select(certificates.c.id, certificates.c.sha256).where(
        certificates.c.user_id == user["id"], certificates.c.unbound_at.is_(None))).all()
    if not bound:
        return
    now = ctx.clock()
    conn.execute(update(certificates).where(certificates.c.id.in_([cid for cid, _ in bound]))
                 .values(unbound_at=now, unbound_reason=reason))
    for _cid, sha in bound:
        audit.record(conn, admin, at=now, action="user_update", code="certificate_unbound",
                     detail=f"certificate {sha} of user {user['username']} unbound: {reason.replace('_', ' ')}")


def _load_cert(pem_text: str, field: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem_text.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise ApiError(422, "invalid_certificate", "گواهی بارگذاری‌شده قابل خواندن نیست (قالب PEM لازم است).",
                       "The certificate is not a readable PEM X.509 certificate.", field) from exc


def add_signatory_certificate(ctx: ServerContext, conn: Connection, admin: Principal, username: str,
                              cert: x509.Certificate) -> dict[str, Any]:
    """Bind a signing certificate to a signatory (again, if it was unbound: registering it rebinds it)."""
    fp = cert.fingerprint(hashes.SHA256()).hex()
    row = _user_in_agency(conn, admin.agency_id, username)
    if Role.SIGNATORY.value not in row["roles"].split(",") or not row["active"]:
        raise ApiError(422, "not_a_signatory", "این کاربر نقش امضاکننده ندارد یا حساب او غیرفعال است.",
                       "The user does not have the signatory role or is deactivated.", "username")
    holder = conn.execute(select(users.c.username).join_from(certificates, users, certificates.c.user_id == users.c.id)
                          .where(certificates.c.agency_id == admin.agency_id, certificates.c.sha256 == fp,
                                 certificates.c.unbound_at.is_(None), certificates.c.user_id != row["id"])).scalar()
    if holder is not None:  # the row is unique per agency: answering "registered" would leave it with them
        raise ApiError(422, "certificate_in_use",
                       f"این گواهی هم‌اکنون برای کاربر {holder} ثبت است و برای دیگری ثبت نمی‌شود.",
                       f"The certificate is already registered for the user {holder}.", "certificate_pem")
    rebound = conn.execute(update(certificates).where(
        certificates.c.agency_id == admin.agency_id, certificates.c.sha256 == fp,
        certificates.c.unbound_at.is_not(None)).values(user_id=row["id"], unbound_at=None, unbound_reason=None))
    if rebound.rowcount:
        audit.record(conn, admin, at=ctx.clock(), action="certificate_added", code="certificate_bound",
                     detail=f"certificate {fp} bound again to user {username}")
    conn.execute(ctx.db.insert_ignore(certificates).values(
        agency_id=admin.agency_id, user_id=row["id"], sha256=fp, der=cert.public_bytes(serialization.Encoding.DER),
        subject=cert.subject.rfc4514_string(), not_after=cert.not_valid_after_utc, added_at=ctx.clock()))
    return {"username": username, "sha256": fp, "subject": cert.subject.rfc4514_string()}


def load_certificate(pem_text: str, *, ca: bool = False) -> x509.Certificate:
    """A PEM certificate from an administrator: a signatory's (it must be meant for signing
    documents, by the verifier's own rule) or, with ``ca``, a trust root (a CA certificate)."""
    cert = _load_cert(pem_text, "certificate_pem")
    if not ca and not describe_certificate(cert.public_bytes(serialization.Encoding.DER)).can_sign:
        raise ApiError(422, "certificate_not_for_signing",
                       "این گواهی برای امضای سند صادر نشده است (کاربرد کلید یا کاربرد توسعه‌یافته آن امضای سند را مجاز نمی‌داند)؛ "
                       "گواهی امضای امضاکننده را بارگذاری کنید.",
                       "The certificate is not meant for signing documents: it needs key usage non-repudiation or "
                       "digital signature, and an extended key usage (if any) that admits document signing.",
                       "certificate_pem")
    if ca:
        bc = None
        with contextlib.suppress(x509.ExtensionNotFound):
            bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        if bc is None or not bc.ca:
            raise ApiError(422, "not_a_ca", "گواهی بارگذاری‌شده گواهی مرکز صدور نیست.",
                           "A trust root must be a CA certificate.", "certificate_pem")
    return cert


def add_trust_root(ctx: ServerContext, conn: Connection, admin: Principal, cert: x509.Certificate) -> dict[str, Any]:
    fp = cert.fingerprint(hashes.SHA256()).hex()
    conn.execute(ctx.db.insert_ignore(trust_roots).values(
        agency_id=admin.agency_id, sha256=fp, der=cert.public_bytes(serialization.Encoding.DER),
        subject=cert.subject.rfc4514_string(), added_at=ctx.clock()))
    return {"sha256": fp, "subject": cert.subject.rfc4514_string()}


def published_trust_roots(ctx: ServerContext, principal: Principal, server_roots: list[bytes]) -> dict[str, Any]:
    """The anchors the caller's agency verifies letters against (server-wide ∪ its uploads), as
    base64 DER with fingerprints: what its clients check incoming letters with."""
    with ctx.db.read() as conn:
        uploaded = [bytes(d) for d in conn.execute(
            select(trust_roots.c.der).where(trust_roots.c.agency_id == principal.agency_id)).scalars()]
    roots = []
    for der in dict.fromkeys([*server_roots, *uploaded]):
        cert = x509.load_der_x509_certificate(der)
        roots.append({"sha256": cert.fingerprint(hashes.SHA256()).hex(), "subject": cert.subject.rfc4514_string(),
                      "der": base64.b64encode(der).decode("ascii")})
    return {"roots": sorted(roots, key=lambda r: r["sha256"])}


def list_trust_roots(ctx: ServerContext, admin: Principal, server_roots: list[bytes]) -> dict[str, Any]:
    admin.require(Role.AGENCY_ADMIN)
    with ctx.db.read() as conn:
        rows = conn.execute(select(trust_roots).where(trust_roots.c.agency_id == admin.agency_id)).mappings().all()
    server = [x509.load_der_x509_certificate(d) for d in server_roots]
    return {
        "server": [{"sha256": c.fingerprint(hashes.SHA256()).hex(), "subject": c.subject.rfc4514_string()}
                   for c in server],
        "agency": [{"sha256": r["sha256"], "subject": r["subject"]} for r in rows],
    }


class AdminCertificate(BaseModel):
    sha256: str
    subject: str
    holder: str = Field(description="the certificate's common name (its subject when it has none)")
    not_after: str = Field(description="ISO-8601 UTC")
    added_at: str = Field(description="ISO-8601 UTC")
    bound: bool = Field(description="false: it no longer signs for the agency (role removed, user deactivated)")
    unbound_reason: str | None


class AdminUser(BaseModel):
    username: str
    display_name: str
    title: str
    unit: str | None
    unit_name: str
    national_code: str | None
    roles: list[str]
    active: bool
    certificates: list[AdminCertificate]


class AdminUnit(BaseModel):
    code: str
    name: str
    parent: str | None


class AdminUsers(BaseModel):
    """GET /admin/users: the agency's users (by username) and units (by code)."""
    users: list[AdminUser]
    units: list[AdminUnit]


def list_users(ctx: ServerContext, admin: Principal) -> dict[str, Any]:
    """The agency's users with their signatory certificates (bound or not): the administrator's window."""
    admin.require(Role.AGENCY_ADMIN)
    with ctx.db.read() as conn:
        unit_rows = conn.execute(select(units.c.code, units.c.name, units.c.parent_code)
                                 .where(units.c.agency_id == admin.agency_id).order_by(units.c.code)).all()
        rows = conn.execute(select(users).where(users.c.agency_id == admin.agency_id)
                            .order_by(users.c.username)).mappings().all()
        certs = conn.execute(select(certificates).where(certificates.c.agency_id == admin.agency_id)
                             .order_by(certificates.c.added_at, certificates.c.id)).mappings().all()
    unit_names = {code: name for code, name, _parent in unit_rows}
    by_user: dict[int, list[dict[str, Any]]] = {}
    for c in certs:
        holder = describe_certificate(bytes(c["der"])).common_name or c["subject"]
        by_user.setdefault(c["user_id"], []).append({
            "sha256": c["sha256"], "subject": c["subject"], "holder": holder,
            "not_after": format_time(as_utc(c["not_after"])), "added_at": format_time(as_utc(c["added_at"])),
            "bound": c["unbound_at"] is None, "unbound_reason": c["unbound_reason"]})
    return {"users": [{
        "username": r["username"], "display_name": r["display_name"], "title": r["title"] or "",
        "unit": r["unit_code"], "unit_name": unit_names.get(r["unit_code"], "") if r["unit_code"] else "",
        "national_code": r["national_code"], "roles": sorted(x for x in r["roles"].split(",") if x), "active": bool(r["active"]),
        "certificates": by_user.get(r["id"], [])} for r in rows],
        "units": [{"code": code, "name": name, "parent": parent} for code, name, parent in unit_rows]}
