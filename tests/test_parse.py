"""Cell parsers: dates, numbers, enums, phones and credit codes, as reps really type them."""

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from addin.core.parse import (
    Invalid,
    cell_text,
    credit_check_char,
    excel_serial_to_date,
    is_mobile,
    is_valid_credit_code,
    is_valid_phone,
    parse_date,
    parse_enum,
    parse_integer,
    parse_number,
)
from addin.core.schema import CHOICES


@pytest.mark.parametrize("raw", ["2026-11-03", "2026/11/3", "2026年11月3日", "2026.11.3", " 2026-11-03 ",
                                 "２０２６－１１－０３", "2026-11-03 00:00:00", "20261103", "2026 年 11 月 3 日",
                                 date(2026, 11, 3), datetime(2026, 11, 3, 9, 30), 46329, 46329.0, 20261103])
def test_dates_in_every_accepted_form(raw):
    assert parse_date(raw) == date(2026, 11, 3)


@pytest.mark.parametrize("raw", ["2026-13-01", "2026-02-30", "next week", "45356", True, "11/3", 0, -5, 60])
def test_bad_dates_are_values_not_exceptions(raw):
    result = parse_date(raw)
    assert isinstance(result, Invalid) and result.code == "bad-date" and result.raw == raw


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_blank_cells_are_none(raw):
    assert parse_date(raw) is None and parse_number(raw) is None and parse_enum(CHOICES["method"], raw) is None


def test_excel_serials_both_epochs():
    assert excel_serial_to_date(1) == date(1900, 1, 1)
    assert excel_serial_to_date(59) == date(1900, 2, 28)
    assert excel_serial_to_date(60) is None  # Excel's fictitious 1900-02-29
    assert excel_serial_to_date(61) == date(1900, 3, 1)
    assert excel_serial_to_date(45292) == date(2024, 1, 1)
    assert excel_serial_to_date(45356) == date(2024, 3, 5)
    assert excel_serial_to_date(0, date1904=True) is None
    assert excel_serial_to_date(1, date1904=True) == date(1904, 1, 2)


@pytest.mark.parametrize("raw,expected", [("4", 4.0), (" 3.5 ", 3.5), ("１２", 12.0), ("1,000", 1000.0), (5, 5.0),
                                          (2.5, 2.5)])
def test_numbers_from_text(raw, expected):
    assert parse_number(raw) == expected


@pytest.mark.parametrize("raw", ["四", "3分", "nan", "inf", True, date(2026, 1, 1)])
def test_bad_numbers(raw):
    assert isinstance(parse_number(raw), Invalid)


def test_integers():
    assert parse_integer("12") == 12 and parse_integer(3.0) == 3
    assert isinstance(parse_integer(3.5), Invalid)


@pytest.mark.parametrize("raw", ["面访", "面訪", "in-person", "In-Person", "IN PERSON", " face-to-face "])
def test_enum_aliases(raw):
    assert parse_enum(CHOICES["method"], raw) == "面访"


def test_wechat_and_sms_are_methods():
    assert parse_enum(CHOICES["method"], "微信") == "微信" and parse_enum(CHOICES["method"], "簡訊") == "短信"
    assert parse_enum(CHOICES["method"], "SMS") == "短信"


def test_enum_outside_list():
    result = parse_enum(CHOICES["method"], "飞鸽传书")
    assert isinstance(result, Invalid) and result.code == "bad-enum"


@pytest.mark.parametrize("raw", ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678",
                                 "+8613812345678", "008613812345678", 13812345678.0, "１３８１２３４５６７８"])
def test_mobiles(raw):
    assert is_mobile(raw) and is_valid_phone(raw)


@pytest.mark.parametrize("raw", ["010-62345678", "0571-87654321", "(021) 5432 1098", "62345678", "+86 10 6234 5678",
                                 "0755-2345678", "010-62345678-123", "010-62345678转8001"])
def test_landlines(raw):
    assert is_valid_phone(raw) and not is_mobile(raw)


@pytest.mark.parametrize("raw", ["1381234567", "12812345678", "138123456789", "abc", "010-1234", "+1 415 555"])
def test_bad_phones(raw):
    assert not is_valid_phone(raw)


def test_known_credit_code():
    # A published example of a unified social credit code (GB 32100-2015 annex style).
    assert credit_check_char("91350100M000100Y4") == "3"
    assert is_valid_credit_code("91350100M000100Y43")
    assert is_valid_credit_code("91350100m000100y43")  # lower case typed by a rep
    assert not is_valid_credit_code("91350100M000100Y44")
    assert not is_valid_credit_code("91350100M000100Y4")
    assert not is_valid_credit_code("91350100I000100Y43")  # I is not in the code alphabet


CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@given(st.text(alphabet=CODE_CHARS, min_size=17, max_size=17), st.sampled_from(CODE_CHARS))
def test_credit_code_check_character_property(body, other):
    check = credit_check_char(body)
    assert check is not None and is_valid_credit_code(body + check)
    if other != check:
        assert not is_valid_credit_code(body + other)


def test_cell_text_of_numbers_and_dates():
    assert cell_text(1001.0) == "1001" and cell_text(1.5) == "1.5" and cell_text(None) == ""
    assert cell_text(datetime(2026, 1, 2)) == "2026-01-02" and cell_text(" x ") == "x"


def test_small_numbers_under_a_date_format_read_back_as_numbers():
    """LibreOffice gives new cells under a date column the date format: 3 reads as 1900-01-03 (python-calamine),
    0 as 00:00. They are the numbers they store; a real later date in a number column stays an error."""
    from datetime import date, datetime, time

    from addin.core.parse import Invalid, parse_integer, parse_number

    assert parse_integer(date(1900, 1, 3)) == 3 and parse_integer(time(0, 0)) == 0
    assert parse_number(datetime(1900, 3, 1)) == 61 and parse_number(date(1909, 12, 30)) == 3652
    assert isinstance(parse_number(date(2026, 1, 3)), Invalid)


@pytest.mark.parametrize(("raw", "ok"), [
    ("400-820-8820", True), ("800 810 8888", True), ("+852 2123 4567", True), ("+853 2856 1234", True),
    ("+886 2 2345 6789", True), ("00852 9123 4567", True), ("+44 20 7946 0958", True),
    ("13812345678/010-62345678", True), ("13812345678；0571-87654321", True), ("13812345678、1381234", False),
    ("+852 123", False), ("400-820-882", False),
])
def test_phones_by_number_plan(raw, ok):
    """SPEC §2: Hong Kong, Macau, Taiwan and other countries by number plan (phonenumbers), 400/800 service
    numbers, several numbers in one cell each checked."""
    from addin.core.parse import is_valid_phone

    assert is_valid_phone(raw) is ok
