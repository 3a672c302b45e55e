"""The SHAMS QR payload ``dabir-qr/2`` (and ``/1`` read back): encode/parse round trip, refusals, and the
symbol decoding back."""

from __future__ import annotations

import datetime as dt

import pytest

from app.models import qr_payload as Q
from app.protocol.persian import national_code_check_digit, national_id_check_digit
from app.protocol.shams import Shams

AGENCY = "1400012345" + national_id_check_digit("1400012345")
OTHER = "1010038714" + national_id_check_digit("1010038714")
C1 = "001234567" + national_code_check_digit("001234567")
C2 = "123456789" + national_code_check_digit("123456789")
GUID = "3f0c8a52-1b7e-4c1e-9d0a-5a7b2c9e1f00"
WHEN = dt.datetime(2026, 11, 23, 7, 30, 15, tzinfo=dt.UTC)
BASE = "https://dabir.example.ir"
CODE = "K7QM2XJ4PABZ"


def payload(**kw) -> str:
    args = dict(
        shams=f"{AGENCY}-O-1405-187",
        registered_at=WHEN,
        guid=GUID,
        signatories=[C1, C2],
        agency=AGENCY,
        server_base=BASE,
        verify_code=CODE,
    )
    args.update(kw)
    return Q.encode(**args)


def test_encode_is_the_documented_url():
    assert payload() == (
        f"https://dabir.example.ir/api/v1/verify/{AGENCY}-O-1405-187"
        f"?v=2&t=2026-11-23T07:30:15Z&g={GUID}&s={C1},{C2}&a={AGENCY}&c={CODE}"
    )


def test_round_trip():
    p = Q.parse(payload())
    assert p.shams == Shams.parse(f"{AGENCY}-O-1405-187")
    assert p.registered_at == WHEN and p.registered_at.tzinfo is not None
    assert p.guid == GUID
    assert p.signatories == (C1, C2)
    assert p.agency == AGENCY
    assert p.server_base == BASE
    assert p.verify_code == CODE
    # the address a person types or a phone opens carries the code: the server then shows the facts
    assert p.verification_url == f"{BASE}/api/v1/verify/{AGENCY}-O-1405-187?c={CODE}"
    assert p.encode() == payload()


def test_letters_without_a_code_and_version_1_texts_stay_readable():
    p = Q.parse(payload(verify_code=""))
    assert p.verify_code == "" and p.verification_url == f"{BASE}/api/v1/verify/{AGENCY}-O-1405-187"
    old = (f"{BASE}/api/v1/public/shams/{AGENCY}-O-1405-187"
           f"?v=1&t=2026-11-23T07:30:15Z&g={GUID}&s={C1},{C2}&a={AGENCY}")
    v1 = Q.parse(old)
    assert (v1.shams.canonical, v1.guid, v1.signatories, v1.verify_code) == (f"{AGENCY}-O-1405-187", GUID, (C1, C2), "")
    assert v1.encode() == payload(verify_code="")  # printed again, it is a version 2 text
    with pytest.raises(Q.InvalidQrPayload):
        Q.parse(old + f"&c={CODE}")  # version 1 had no code
    with pytest.raises(Q.InvalidQrPayload):
        Q.parse(old.replace("v=1", "v=2"))  # version 2 lives under /verify/


def test_valid_code():
    assert Q.valid_code(CODE) == CODE
    assert Q.valid_code(None) is None and Q.valid_code("abc") is None and Q.valid_code("A&B=C") is None


def test_round_trip_variants():
    tehran = dt.timezone(dt.timedelta(hours=3, minutes=30))
    text = payload(
        registered_at=dt.datetime(2026, 11, 23, 11, 0, 15, 999_000, tzinfo=tehran),
        signatories=[],
        server_base="http://127.0.0.1:8443/dabir/",  # a path prefix, trailing slash dropped
        guid=GUID.upper(),
        shams=Shams.parse(f"{AGENCY}-I-1405-1"),
    )
    p = Q.parse(text)
    assert p.registered_at == dt.datetime(2026, 11, 23, 7, 30, 15, tzinfo=dt.UTC)  # UTC, whole seconds
    assert p.signatories == ()
    assert p.server_base == "http://127.0.0.1:8443/dabir"
    assert p.guid == GUID
    assert Q.parse(p.encode()) == p


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: "",
        lambda t: t.split("?")[0],  # no query
        lambda t: t.replace("/api/v1/verify/", "/api/v1/shams/"),
        lambda t: t.replace("v=2", "v=3"),  # unknown version
        lambda t: t.replace(f"c={CODE}", "c=k7qm2xj4pabz"),  # codes are upper-case base32
        lambda t: t.replace(f"c={CODE}", "c=K7QM%20"),
        lambda t: t.replace("&a=", "&x=1&a="),  # unknown field
        lambda t: t + f"&a={AGENCY}",  # field twice
        lambda t: t.replace(f"&a={AGENCY}", ""),  # missing field
        lambda t: t.replace("07:30:15Z", "07:30:15+00:00"),  # not the fixed UTC form
        lambda t: t.replace("2026-11-23", "2026-13-23"),  # no such month
        lambda t: t.replace(GUID, GUID[:-1]),
        lambda t: t.replace(GUID, GUID.upper()),  # on input only the canonical lower case
        lambda t: t.replace(C2, C2[:-1] + str((int(C2[-1]) + 1) % 10)),  # national code check digit
        lambda t: t.replace(f"{C1},{C2}", f"{C1},{C1}"),  # the same signatory twice
        lambda t: t.replace(f"a={AGENCY}", f"a={OTHER}"),  # agency is not the SHAMS origin
        lambda t: t.replace("-O-1405-187", "-X-1405-187"),
        lambda t: t.replace("-O-1405-187", "-ص-۱۴۰۵-۱۸۷"),  # the display form is for people, not QR
        lambda t: t.replace("https://", "ftp://"),
        lambda t: t + "#frag",
        lambda t: t + " ",
        lambda t: t + "&s=" + "1" * 2000,  # absurdly long
    ],
)
def test_parse_refuses_malformed(mutate):
    with pytest.raises(Q.InvalidQrPayload) as info:
        Q.parse(mutate(payload()))
    assert "dabir-qr" in str(info.value)
    assert info.value.message_fa


def test_encode_refuses_bad_elements():
    with pytest.raises(ValueError):
        payload(registered_at=dt.datetime(2026, 1, 1))  # naive
    with pytest.raises(ValueError):
        payload(guid="not-a-guid")
    with pytest.raises(ValueError):
        payload(server_base="dabir.example.ir")
    with pytest.raises(ValueError):
        payload(server_base="https://dabir.example.ir/?x=1")
    with pytest.raises(ValueError):
        payload(agency=OTHER)


def test_qr_symbol_is_error_correction_m_and_small():
    qr = Q.make_qr(payload())
    assert qr.error == "M"
    assert qr.version <= 10  # printed at 22 mm, a module stays ≥ 0.38 mm
    png = Q.qr_png(payload())
    assert png.startswith(b"\x89PNG")
    assert Q.qr_svg(payload()).lstrip().startswith("<svg")
    matrix = Q.qr_matrix(payload())
    assert len(matrix) == len(matrix[0]) == 17 + 4 * int(qr.version)


def test_qr_png_decodes_back_to_the_payload():
    zxingcpp = pytest.importorskip("zxingcpp")
    from PySide6.QtGui import QImage

    text = payload()
    image = QImage.fromData(Q.qr_png(text, scale=4))
    assert not image.isNull()
    results = zxingcpp.read_barcodes(image.convertToFormat(QImage.Format.Format_Grayscale8))
    assert [r.text for r in results] == [text]
    assert Q.parse(results[0].text).shams.canonical == f"{AGENCY}-O-1405-187"
