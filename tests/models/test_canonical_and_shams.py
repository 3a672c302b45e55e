import subprocess
import sys
import uuid

import pytest

from app.protocol.canonical import InvalidContent, build_content, canonical_bytes, validate_content
from app.protocol.package import InvalidPackage, LetterPackage
from app.protocol.persian import national_id_check_digit
from app.protocol.shams import Domain, InvalidShams, Shams, display_text

AGENCY = "1400012345" + national_id_check_digit("1400012345")
GUID = "0b6f5a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"


def content(**over):
    fields = dict(
        guid=GUID,
        kind="outgoing",
        subject="درخواست تمدید قرارداد",
        body="<p>با سلام؛ احتراماً …</p>",
        sender={"agency": AGENCY, "unit": "دبیرخانه", "person": "secretary", "name": "وزارت نمونه"},
        recipients=[{"role": "to", "agency": AGENCY, "name": "اداره کل"}, {"role": "cc", "agency": AGENCY, "name": "حراست"}],
        attachments=[{"address": "https://x/doc/1", "sha256": "a" * 64, "size": 10, "media_type": "application/pdf", "name": "پیوست.pdf"}],
    )
    fields.update(over)
    return build_content(**fields)


def test_same_letter_gives_same_bytes_in_another_process():
    here = canonical_bytes(content())
    code = (
        "import sys; sys.path.insert(0, '.');"
        "from tests.models.test_canonical_and_shams import content;"
        "from app.protocol.canonical import canonical_bytes;"
        "sys.stdout.buffer.write(canonical_bytes(content()))"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, env={"PYTHONHASHSEED": "123"}).stdout
    assert other == here
    assert here.startswith(b'{"attachments":[{"address"')  # RFC 8785: keys sorted, no spaces


@pytest.mark.parametrize(
    "change",
    [
        {"subject": "درخواست تمدید قرارداد."},
        {"body": "<p>با سلام؛ احتراماً</p>"},
        {"priority": "urgent"},
        {"classification": "confidential"},
        {"kind": "internal"},
        {"guid": str(uuid.UUID(int=1))},
        {"links": [{"type": "in_reply_to", "guid": GUID, "shams": ""}]},
        {"recipients": [{"role": "to", "agency": AGENCY, "name": "اداره کل"}]},
    ],
)
def test_any_content_change_changes_the_bytes(change):
    assert canonical_bytes(content(**change)) != canonical_bytes(content())


def test_nfd_input_is_normalized_to_the_same_bytes():
    import unicodedata

    subject = "آزمایش"
    assert canonical_bytes(content(subject=unicodedata.normalize("NFD", subject))) == canonical_bytes(content(subject=subject))


def test_bad_content_is_refused_with_the_field_named():
    with pytest.raises(InvalidContent) as err:
        content(subject=b"\xff\xfe not utf-8")
    assert err.value.field == "subject" and "UTF-8" in str(err.value)
    with pytest.raises(InvalidContent) as err:
        content(subject="ب" * 501)
    assert err.value.field == "subject" and "500" in str(err.value)
    with pytest.raises(InvalidContent):
        content(subject="   ")
    with pytest.raises(InvalidContent):
        content(priority="very-urgent")
    with pytest.raises(InvalidContent):
        content(recipients=[])


def test_package_round_trip_and_tamper_detection():
    pkg = LetterPackage(content=content(), signatures=[b"\x30\x03\x02\x01\x01"])
    again = LetterPackage.from_json_bytes(pkg.to_json_bytes())
    assert again.content_bytes() == pkg.content_bytes() and again.signatures == pkg.signatures
    raw = pkg.to_json_bytes().replace("درخواست".encode(), "درخواستی".encode())
    assert LetterPackage.from_json_bytes(raw).content_sha256() != pkg.content_sha256()
    with pytest.raises(InvalidPackage):
        LetterPackage.from_json_bytes(b'{"format": "other"}')
    with pytest.raises(InvalidPackage):
        LetterPackage.from_json_bytes(b"\xff")
    data = pkg.to_dict()
    data["content"]["extra"] = 1
    with pytest.raises(InvalidPackage):
        LetterPackage.from_dict(data)
    assert validate_content(content()) == content()


def test_shams_canonical_and_display():
    s = Shams(AGENCY, Domain.OUTGOING, 1405, 187)
    assert s.canonical == f"{AGENCY}-O-1405-187"
    assert s.display.startswith("\u2066\u202d") and s.display.endswith("\u202c\u2069")  # isolate + override
    assert "ص" in s.display and "۱۸۷" in s.display
    assert Shams.parse(s.display) == s == Shams.parse(s.canonical)
    assert Shams(AGENCY, Domain.INTERNAL, 1405, 1).display[2:-2].split("-")[1] == "د"
    assert display_text("12/3456") == "\u2066\u202d۱۲/۳۴۵۶\u202c\u2069" and display_text(None) == ""
    for bad in (f"{AGENCY}-X-1405-1", f"{AGENCY}-O-1405-0", "123-O-1405-1", f"{AGENCY}-O-1405-01"):
        with pytest.raises((InvalidShams, ValueError)):
            Shams.parse(bad)
