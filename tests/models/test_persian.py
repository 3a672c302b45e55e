import pytest

from app.protocol.persian import (
    InvalidIdentifier,
    national_code_check_digit,
    national_id_check_digit,
    normalize,
    to_ascii_digits,
    to_persian_digits,
    validate_national_code,
    validate_national_id,
)


def test_normalize_folds_arabic_letters_digits_zwnj_and_diacritics():
    assert normalize("كتاب") == normalize("کتاب")
    assert normalize("علي") == normalize("علی")
    assert normalize("۱۲۳") == normalize("١٢٣") == "123"
    assert normalize("می\u200cروم") == normalize("میروم")
    assert normalize("مُدَرِّسه") == "مدرسه"
    assert normalize("  نامه   اداری ") == "نامه اداری"
    assert normalize("ABC") == "abc"
    assert normalize("خانۀ") == normalize("خانه")


def test_digit_conversion_both_ways():
    assert to_persian_digits("1405/09/02") == "۱۴۰۵/۰۹/۰۲"
    assert to_persian_digits("٣") == "۳"
    assert to_ascii_digits("۱۴۰۵/۰۹/۰۲") == "1405/09/02"
    assert to_persian_digits(187) == "۱۸۷"


@pytest.mark.parametrize("code", ["0499370899", "0790419904", "۰۴۹۹۳۷۰۸۹۹"])
def test_valid_national_codes(code):
    assert validate_national_code(code) == to_ascii_digits(code)


@pytest.mark.parametrize("code", ["0499370898", "1111111111", "12345", "04993708991", "abcdefghij", ""])
def test_invalid_national_codes_are_refused_with_persian_message(code):
    with pytest.raises(InvalidIdentifier) as err:
        validate_national_code(code)
    assert "کد ملی" in err.value.message_fa


def test_national_code_check_digit_generates_valid_codes():
    for first9 in ("000000001", "123456789", "987654321", "049937089"):
        validate_national_code(first9 + national_code_check_digit(first9))


@pytest.mark.parametrize("nid", ["10100387146"[:10] + national_id_check_digit("1010038714"), "14000123453"[:10] + national_id_check_digit("1400012345")])
def test_valid_national_ids(nid):
    assert validate_national_id(nid) == nid


def test_invalid_national_ids():
    good = "1400012345" + national_id_check_digit("1400012345")
    bad = good[:10] + str((int(good[10]) + 1) % 10)
    for value in (bad, "1234567890", "11111111111", "10100000009", "1400012345x"):
        with pytest.raises(InvalidIdentifier) as err:
            validate_national_id(value)
        assert "شناسه ملی" in err.value.message_fa
