"""Typed HTTP client for the Dabir central server API (``/api/v1``). No Qt here.

One ``httpx.Client`` per ``DabirApi``: keep-alive connection pool, HTTP/2 when the server
offers it (ALPN), TLS verified against the given CA bundle, explicit timeouts. Every
state-changing call sends an ``Idempotency-Key``; callers that may retry (the outbox) pass
a stable key, otherwise a fresh one is generated.
"""

from __future__ import annotations

import datetime as dt
import json
import ssl
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from app.protocol.documents import ADDRESS_PATH
from app.protocol.package import LetterPackage

API_PREFIX = "/api/v1"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


@dataclass
class ApiError(Exception):
    """A refusal from the server (structured error body) or a transport failure (status 0)."""

    status: int
    code: str
    message_fa: str
    message_en: str
    field: str | None = None

    def __str__(self) -> str:
        where = f" [{self.field}]" if self.field else ""
        return f"{self.status} {self.code}{where}: {self.message_en}"

    @property
    def retryable(self) -> bool:
        return self.status in (0, 429, 502, 503, 504) or self.status >= 500


def _ssl_context(ca_bundle: str | Path | None) -> ssl.SSLContext | bool:
    if ca_bundle is None:
        return True  # system trust store
    ctx = ssl.create_default_context(cafile=str(ca_bundle))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def _http2_available() -> bool:
    try:
        import h2  # noqa: F401
    except ImportError:
        return False
    return True


def unreachable(exc: httpx.TransportError) -> ApiError:
    """What a failed connection tells the user: an untrusted server certificate (choose the agency's CA
    bundle) is not the same as a server that cannot be reached (try again later)."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, ssl.SSLCertVerificationError):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, ssl.SSLCertVerificationError):
        return ApiError(0, "tls_untrusted", "گواهی امنیتی کارگزار پذیرفته نشد؛ نشانی کارگزار و پروندهٔ گواهی مرجع "
                        "سازمان را بررسی کنید.", f"The server's TLS certificate was not accepted: {cause.verify_message}")
    return ApiError(0, "transport_error", "ارتباط با کارگزار برقرار نشد.",
                    f"Could not reach the server: {type(exc).__name__}")


class DabirApi:
    def __init__(self, base_url: str, ca_bundle: str | Path | None = None, token: str | None = None, *,
                 timeout: httpx.Timeout | float = DEFAULT_TIMEOUT, max_connections: int = 20) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._http = httpx.Client(
            base_url=self.base_url, verify=_ssl_context(ca_bundle), http2=_http2_available(), timeout=timeout,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            headers={"Accept": "application/json", "User-Agent": "dabir-client/1"},
        )

    # -- plumbing ----------------------------------------------------------------------
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> DabirApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(self, method: str, path: str, *, json_body: Any = None, content: bytes | None = None,
                 params: dict[str, Any] | None = None, idempotency_key: str | None = None,
                 auth: bool = True) -> httpx.Response:
        headers: dict[str, str] = {}
        if auth:
            if not self.token:
                raise ApiError(401, "unauthenticated", "ابتدا وارد شوید.", "Not logged in.")
            headers["Authorization"] = f"Bearer {self.token}"
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        if content is not None:
            headers["Content-Type"] = "application/json"
        try:
            resp = self._http.request(method, API_PREFIX + path if not path.startswith("/healthz") else path,
                                      json=json_body, content=content, params=params, headers=headers)
        except httpx.TransportError as exc:
            raise unreachable(exc) from exc
        if resp.status_code >= 400:
            raise self._error(resp)
        return resp

    @staticmethod
    def _error(resp: httpx.Response) -> ApiError:
        try:
            err = resp.json()["error"]
            return ApiError(resp.status_code, str(err["code"]), str(err.get("message_fa") or ""),
                            str(err.get("message_en") or ""), err.get("field"))
        except (ValueError, KeyError, TypeError):
            return ApiError(resp.status_code, "http_error", "پاسخ نامعتبر از کارگزار دریافت شد.",
                            f"Unexpected HTTP {resp.status_code} response")

    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        result: dict[str, Any] = orjson.loads(self._request(method, path, **kwargs).content)
        return result

    # -- identity ----------------------------------------------------------------------
    def login(self, username: str, password: str) -> dict[str, Any]:
        data = self._json("POST", "/auth/login", json_body={"username": username, "password": password}, auth=False)
        self.token = data["token"]
        return data

    def logout(self) -> None:
        self._request("POST", "/auth/logout")
        self.token = None

    def me(self) -> dict[str, Any]:
        return self._json("GET", "/me")

    def healthz(self) -> bool:
        return self._request("GET", "/healthz", auth=False).json().get("status") == "ok"

    # -- directory -----------------------------------------------------------------------
    def directory(self, after: int = 0, limit: int = 500) -> dict[str, Any]:
        return self._json("GET", "/directory", params={"after": after, "limit": limit})

    # -- letters -----------------------------------------------------------------------
    @staticmethod
    def _package_bytes(package: LetterPackage | bytes) -> bytes:
        return package if isinstance(package, bytes) else package.to_json_bytes()

    def register(self, package: LetterPackage | bytes, *, idempotency_key: str | None = None) -> dict[str, Any]:
        """Register a signed letter: returns {guid, shams, registered_at, content_sha256, receipt, verify_url}.

        The letter GUID is the natural idempotency key: a retry returns the same SHAMS and receipt."""
        raw = self._package_bytes(package)
        key = idempotency_key or (f"register:{package.guid}" if isinstance(package, LetterPackage) else None)
        return self._json("POST", "/letters", content=raw, idempotency_key=key)

    def send(self, package: LetterPackage | bytes, *, idempotency_key: str | None = None) -> dict[str, Any]:
        """Dispatch a registered package (with its receipt): outgoing via Payam, internal inside the agency."""
        raw = self._package_bytes(package)
        kind = (package.content if isinstance(package, LetterPackage) else json.loads(raw)["content"])["kind"]
        guid = package.guid if isinstance(package, LetterPackage) else None
        key = idempotency_key or (f"send:{guid}" if guid else None)
        path = "/internal/messages" if kind == "internal" else "/payam/messages"
        return self._json("POST", path, content=raw, idempotency_key=key)

    def letter(self, guid: str) -> dict[str, Any]:
        return self._json("GET", f"/letters/{guid}")

    def inbox(self, after: int = 0, limit: int = 100) -> dict[str, Any]:
        return self._json("GET", "/inbox", params={"after": after, "limit": limit})

    def ack(self, guid: str, status: str, incoming_number: str | None = None, *,
            idempotency_key: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"status": status}
        if incoming_number is not None:
            body["incoming_number"] = incoming_number
        return self._json("POST", f"/inbox/{guid}/ack", json_body=body,
                          idempotency_key=idempotency_key or f"ack:{guid}:{status}")

    def register_incoming(self, guid: str, *, idempotency_key: str | None = None) -> dict[str, Any]:
        """Number a received letter in the agency's incoming series (the sender is told):
        {guid, incoming_number, registered_at, …}; a retry gets the same number."""
        return self._json("POST", f"/inbox/{guid}/register", idempotency_key=idempotency_key or f"incoming:{guid}")

    def register_paper(self, body: dict[str, Any], *, idempotency_key: str | None = None) -> dict[str, Any]:
        """Number a paper letter (body: guid, sender {kind, id, name}, sender_number, sender_date, subject)."""
        return self._json("POST", "/incoming", json_body=body, idempotency_key=idempotency_key or f"incoming:{body['guid']}")

    def refer(self, body: dict[str, Any], *, idempotency_key: str | None = None) -> dict[str, Any]:
        """Refer a letter (body: id, letter_guid, to [usernames], instruction, postscript, due_date, parent)."""
        return self._json("POST", "/referrals", json_body=body, idempotency_key=idempotency_key or f"referral:{body['id']}")

    def referral_event(self, referral_id: str, kind: str, *, note: str = "", answer_guid: str | None = None,
                       event_id: str | None = None, idempotency_key: str) -> dict[str, Any]:
        """Read, answer or close a referral received; recall one sent (``event_id``: the event's GUID)."""
        body: dict[str, Any] = {"kind": kind, "note": note}
        if event_id:
            body["id"] = event_id
        if answer_guid:
            body["answer_guid"] = answer_guid
        return self._json("POST", f"/referrals/{referral_id}/events", json_body=body, idempotency_key=idempotency_key)

    def cartable(self, after: int = 0, limit: int = 100) -> dict[str, Any]:
        """The caller's own referrals sent and received and their events, by cursor (every role)."""
        return self._json("GET", "/cartable", params={"after": after, "limit": limit})

    # -- Rasad (رصد) ------------------------------------------------------------------------
    def rasad_tree(self, guid: str, agency: str | None = None) -> dict[str, Any]:
        """The letter's incoming tree (درخت وارده): in the caller's agency, or (observers) ``agency``."""
        return self._json("GET", f"/rasad/letters/{guid}/tree", params={"agency": agency} if agency else None)

    def rasad_events(self, agency: str | None = None, after: int = 0, limit: int = 500) -> dict[str, Any]:
        """The web service's event feed of an agency, after the cursor (administrators, observers)."""
        params: dict[str, Any] = {"after": after, "limit": limit}
        if agency:
            params["agency"] = agency
        return self._json("GET", "/rasad/events", params=params)

    def rasad_agencies(self) -> list[dict[str, str]]:
        """The agencies this account may look at in Rasad ([{national_id, name}])."""
        result: list[dict[str, str]] = self._request("GET", "/rasad/agencies").json()
        return result

    # -- archive (بایگانی) ------------------------------------------------------------------
    def archive_folders(self, after: int = 0, limit: int = 500) -> dict[str, Any]:
        """The agency's archive folders changed after the cursor (every role)."""
        return self._json("GET", "/archive/folders", params={"after": after, "limit": limit})

    def archive_filings(self, after: int = 0, limit: int = 500) -> dict[str, Any]:
        """Letters filed in (or taken out of) the agency's folders after the cursor."""
        return self._json("GET", "/archive/filings", params={"after": after, "limit": limit})

    def create_folder(self, body: dict[str, Any], *, idempotency_key: str | None = None) -> dict[str, Any]:
        """A new archive folder (body: id, parent, title, file_number)."""
        return self._json("POST", "/archive/folders", json_body=body,
                          idempotency_key=idempotency_key or f"archive_folder:{body['id']}")

    def update_folder(self, guid: str, changes: dict[str, Any], *, idempotency_key: str | None = None) -> dict[str, Any]:
        """Rename (title, file_number) or move (parent; None: to the top) an archive folder."""
        return self._json("PATCH", f"/archive/folders/{guid}", json_body=changes, idempotency_key=idempotency_key)

    def file_letter(self, folder: str, letter_guid: str, *, idempotency_key: str) -> dict[str, Any]:
        return self._json("POST", f"/archive/folders/{folder}/letters", json_body={"letter_guid": letter_guid},
                          idempotency_key=idempotency_key)

    def unfile_letter(self, folder: str, letter_guid: str, reason: str, *, idempotency_key: str) -> dict[str, Any]:
        return self._json("POST", f"/archive/folders/{folder}/letters/{letter_guid}/unfile",
                          json_body={"reason": reason}, idempotency_key=idempotency_key)

    def acks(self, after: int = 0, limit: int = 500, guid: str | None = None) -> dict[str, Any]:
        if guid:
            return self._json("GET", f"/letters/{guid}/acks", params={"after": after, "limit": limit})
        return self._json("GET", "/acks", params={"after": after, "limit": limit})

    def rasad_report(self, name: str, start: dt.date, end: dt.date, agency: str | None = None) -> dict[str, Any]:
        """A Rasad report (open_referrals, timing, waiting, instructions) on the referrals created in
        [start, end] (Tehran dates), for the agency given (default: the caller's); docs/rasad.md."""
        params: dict[str, Any] = {"from": start.isoformat(), "to": end.isoformat()}
        if agency:
            params["agency"] = agency
        return self._json("GET", f"/rasad/reports/{name}", params=params)

    # -- documents (attachments): app/sync/documents.py drives these ----------------------------
    def create_upload(self, *, name: str, size: int, media_type: str, sha256: str) -> dict[str, Any]:
        """{upload_id, received, chunk_size, complete}: ``complete`` if the agency has this content already."""
        return self._json("POST", "/uploads", json_body={"name": name, "size": size, "media_type": media_type,
                                                          "sha256": sha256})

    def upload_status(self, upload_id: str) -> dict[str, Any]:
        """{upload_id, size, received, missing: [[start, end), …], chunk_size}."""
        return self._json("GET", f"/uploads/{upload_id}")

    def put_upload_chunk(self, upload_id: str, start: int, end: int, total: int,
                         pieces: Iterator[bytes]) -> dict[str, Any]:
        """Send bytes [start, end) of the file as they are read (``pieces``); answers {received}."""
        headers = {**self._auth_headers(), "Content-Range": f"bytes {start}-{end - 1}/{total}",
                   "Content-Length": str(end - start), "Content-Type": "application/octet-stream"}
        try:
            resp = self._http.put(f"{API_PREFIX}/uploads/{upload_id}", content=pieces, headers=headers)
        except httpx.TransportError as exc:
            raise unreachable(exc) from exc
        if resp.status_code >= 400:
            raise self._error(resp)
        return resp.json()

    def complete_upload(self, upload_id: str) -> dict[str, Any]:
        """{address, sha256, size, media_type, name} once the server has checked the bytes."""
        return self._json("POST", f"/uploads/{upload_id}/complete")

    @contextmanager
    def document_stream(self, sha256: str, start: int = 0) -> Iterator[httpx.Response]:
        """The document's bytes from ``start`` (a 206, or a 200 with all of them), not yet read."""
        headers = self._auth_headers()
        if start:
            headers["Range"] = f"bytes={start}-"
        try:
            with self._http.stream("GET", f"{ADDRESS_PATH}{sha256}", headers=headers) as resp:
                if resp.status_code >= 400:
                    resp.read()
                    raise self._error(resp)
                yield resp
        except httpx.TransportError as exc:
            raise unreachable(exc) from exc

    def _auth_headers(self) -> dict[str, str]:
        if not self.token:
            raise ApiError(401, "unauthenticated", "ابتدا وارد شوید.", "Not logged in.")
        return {"Authorization": f"Bearer {self.token}"}

    # -- public --------------------------------------------------------------------------
    def verify_shams(self, shams: str, code: str | None = None) -> dict[str, Any]:
        """Public verification: without the printed code only whether an outgoing letter exists."""
        return self._json("GET", f"/verify/{shams}", auth=False, params={"c": code} if code else None)

    def agency_trust_roots(self) -> dict[str, Any]:
        """The trust roots the server publishes for this user's agency: {"roots": [{sha256, subject, der}]}."""
        return self._json("GET", "/trust-roots")

    def receipt_certificate(self) -> bytes:
        return self._request("GET", "/receipt-certificate", auth=False).content

    # -- administration --------------------------------------------------------------------
    def add_unit(self, code: str, name: str, parent: str | None = None) -> dict[str, Any]:
        return self._json("POST", "/admin/units", json_body={"code": code, "name": name, "parent": parent})

    def add_user(self, username: str, display_name: str, password: str, roles: list[str], **extra: Any) -> dict[str, Any]:
        body = {"username": username, "display_name": display_name, "password": password, "roles": roles, **extra}
        return self._json("POST", "/admin/users", json_body=body)

    def admin_users(self) -> dict[str, Any]:
        """The agency's users (roles, certificates bound or not) and units: {"users": [...], "units": [...]}."""
        return self._json("GET", "/admin/users")

    def update_user(self, username: str, **changes: Any) -> dict[str, Any]:
        return self._json("PATCH", f"/admin/users/{username}", json_body=changes)

    def add_signatory_certificate(self, username: str, certificate_pem: str) -> dict[str, Any]:
        return self._json("POST", f"/admin/users/{username}/certificates", json_body={"certificate_pem": certificate_pem})

    def audit_events(self, before: int | None = None, limit: int = 100, code: str | None = None) -> dict[str, Any]:
        """The agency's audit log (refusals, trust changes), newest first; page on with ``before=cursor``."""
        params: dict[str, Any] = {"limit": limit}
        if before:
            params["before"] = before
        if code:
            params["code"] = code
        return self._json("GET", "/admin/audit", params=params)

    def add_trust_root(self, certificate_pem: str) -> dict[str, Any]:
        return self._json("POST", "/admin/trust-roots", json_body={"certificate_pem": certificate_pem})

    def trust_roots(self) -> dict[str, Any]:
        return self._json("GET", "/admin/trust-roots")

    # -- low level (tests, tools) ------------------------------------------------------------
    def raw_post(self, path: str, body: bytes, *, idempotency_key: str | None) -> httpx.Response:
        """POST exact bytes with an exact (or no) Idempotency-Key; returns the response, no raising."""
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return self._http.post(API_PREFIX + path, content=body, headers=headers)
