"""Cell value parsers (SPEC §2): dates, numbers, enums, phones, credit codes. Errors are values, not raises.

Each parser takes what a reader found in a cell (None, str, int, float, bool, date, datetime) and returns
the typed value, None for an empty cell, or an `Invalid` naming the finding code and the raw value.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from addin.core.schema import Choices, Field, FieldType
from addin.core.text import is_blank, norm


@dataclass(frozen=True, slots=True)
class Invalid:
    """A cell that does not hold what its column expects; `code` is the SPEC §4 finding code."""

    code: str
    raw: object


_EXCEL_1900 = date(1899, 12, 30)
_EXCEL_1904 = date(1904, 1, 1)
_MAX_SERIAL = 2958465  # 9999-12-31

_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def customer_key(raw: object) -> str:
    """A 客户编号 as kam compares it, in every sheet and option: the cell's text, NFKC-normalised (full-width
    Ｃ００３ is C003) and trimmed."""
    text = cell_text(raw)
    return text if text.isascii() else unicodedata.normalize("NFKC", text).strip()


_NAME_NOISE = re.compile(r"[\s()（）\[\]【】<>《》]")


def name_key(raw: object) -> str:
    """A 客户名称 as compared for "the same account" (SPEC §4 duplicate-account, §9 撞单): NFKC, trimmed,
    case folded, without spaces and brackets; empty for a blank name."""
    return _NAME_NOISE.sub("", norm(cell_text(raw))) if not is_blank(raw) else ""


def cell_text(raw: object) -> str:
    """The text of a cell as a rep would read it: integral numbers lose `.0`, dates print as ISO."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float):
        if math.isfinite(raw) and raw.is_integer():
            return str(int(raw))
        return repr(raw)
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == time(0) else raw.isoformat(sep=" ")
    if isinstance(raw, date):
        return raw.isoformat()
    return str(raw).strip()


def excel_serial_to_date(serial: float, date1904: bool = False) -> date | None:
    """Convert an Excel day serial to a date (1900 or 1904 system); None when it cannot be a date.

    Serial 60 is Excel's fictitious 1900-02-29 and is refused.
    """
    if not math.isfinite(serial) or serial < 1 or serial > _MAX_SERIAL:
        return None
    days = int(serial)
    if date1904:
        return _EXCEL_1904 + timedelta(days=days)
    if days == 60:
        return None
    if days < 60:
        return date(1899, 12, 31) + timedelta(days=days)
    return _EXCEL_1900 + timedelta(days=days)


def _ymd(y: str, m: str, d: str) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def parse_date(raw: object, date1904: bool = False) -> date | Invalid | None:
    """A date from a real Excel date, a day serial, or text like 2026-11-03, 2026/11/3, 2026年11月3日, 2026.11.3."""
    if is_blank(raw):
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, bool):
        return Invalid("bad-date", raw)
    if isinstance(raw, int | float):
        value = float(raw)
        compact = _DATE_COMPACT.match(str(int(value))) if value.is_integer() and value > _MAX_SERIAL else None
        found = _ymd(*compact.groups()) if compact else excel_serial_to_date(value, date1904)
        return found if found else Invalid("bad-date", raw)
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    match = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
    found = _ymd(*match.groups()) if match else None
    return found if found else Invalid("bad-date", raw)


def parse_number(raw: object) -> float | Invalid | None:
    """A finite number from a number cell or from text ('4', ' 3.5 ', '１２', '1,000')."""
    if is_blank(raw):
        return None
    if isinstance(raw, date) and not isinstance(raw, bool):
        return _small_number_shown_as_date(raw)
    if isinstance(raw, time):  # a number below 1 under a date or time format (0 reads as 00:00)
        return (raw.hour * 3600 + raw.minute * 60 + raw.second) / 86400
    if isinstance(raw, bool):
        return Invalid("bad-number", raw)
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip().replace(",", "")
        try:
            value = float(text)
        except ValueError:
            return Invalid("bad-number", raw)
    return value if math.isfinite(value) else Invalid("bad-number", raw)


_SERIAL_EPOCH = datetime(1899, 12, 30)


def _small_number_shown_as_date(raw: date) -> float | Invalid:
    """A number cell that carries a date format reads as a date: LibreOffice gives new cells under a date
    column that column's format, so 3 contacts read back as 1900-01-02. A date before 1910 is taken back to
    the number it stores (its 1900-system serial); a later date in a number column stays an error."""
    moment = raw if isinstance(raw, datetime) else datetime(raw.year, raw.month, raw.day)
    serial = (moment - _SERIAL_EPOCH).total_seconds() / 86400
    if moment.year < 1910 and serial >= 0:
        return serial if serial > 60 else serial - 1 if serial >= 1 else serial  # Excel's fictitious 1900-02-29
    return Invalid("bad-number", raw)


def parse_integer(raw: object) -> int | Invalid | None:
    """A whole number (text allowed); 3.0 is 3, 3.5 is not an integer."""
    value = parse_number(raw)
    if value is None or isinstance(value, Invalid):
        return value
    return int(value) if value.is_integer() else Invalid("bad-number", raw)


def parse_enum(choices: Choices, raw: object) -> str | Invalid | None:
    """The canonical (Simplified) value of an enum cell written in any of the three forms."""
    if is_blank(raw):
        return None
    found = choices.canonical(cell_text(raw))
    return found if found is not None else Invalid("bad-enum", raw)


_PHONE_STRIP = re.compile(r"[\s\-()（）.]")
_MOBILE = re.compile(r"^(?:\+?86|0086)?1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(?:(?:\+?86|0086)0?[1-9]\d{1,2}|0[1-9]\d{1,2})?[2-9]\d{6,7}$")


def phone_digits(raw: object) -> str:
    """A phone cell as compact text: separators and spaces removed, NFKC applied."""
    text = unicodedata.normalize("NFKC", cell_text(raw))
    return _PHONE_STRIP.sub("", text).lower()


def is_mobile(raw: object) -> bool:
    """True for a mainland mobile number, optionally with +86 / 0086."""
    return bool(_MOBILE.match(phone_digits(raw)))


_EXTENSION = re.compile(r"\s*(?:-|转|轉|ext\.?|x|#)\s*\d{1,6}\s*$", re.IGNORECASE)


_SEVERAL = re.compile(r"\s*(?:/|;|；|，|、|\n)\s*")
_SERVICE = re.compile(r"^(?:400|800)\d{7}$")  # 400/800 service numbers (10 digits)


def _one_phone(text: str) -> bool:
    digits = phone_digits(text)
    if _MOBILE.match(digits) or _LANDLINE.match(digits) or _SERVICE.match(digits):
        return True
    base = _EXTENSION.sub("", text)
    if _LANDLINE.match(phone_digits(base)):  # a local landline with an extension, no area code
        return True
    import phonenumbers  # Google's number plans: mainland area codes, +852/+853/+886 and every country

    number = base.strip()
    if number.startswith("00"):
        number = "+" + number[2:]
    try:
        parsed = phonenumbers.parse(number, "CN")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed)


def is_valid_phone(raw: object) -> bool:
    """True when every number in the cell (several may stand, separated by / ; ， 、 or a new line) is a
    mainland mobile or landline (area code optional, extension allowed), a 400/800 service number, or a valid
    number of any country written with + or 00 (Hong Kong, Macau, Taiwan...), checked by number plan with
    the `phonenumbers` library rather than a hand-written pattern."""
    text = unicodedata.normalize("NFKC", cell_text(raw)).strip()
    parts = [p for p in _SEVERAL.split(text) if p.strip()]
    return bool(parts) and all(_one_phone(p) for p in parts)


_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_VALUE = {c: i for i, c in enumerate(_CREDIT_CHARS)}


def credit_check_char(first17: str) -> str | None:
    """The GB 32100-2015 check character for the first 17 characters, or None if a character is not allowed."""
    total = 0
    for ch, weight in zip(first17, _CREDIT_WEIGHTS, strict=True):
        value = _CREDIT_VALUE.get(ch)
        if value is None:
            return None
        total += value * weight
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def is_valid_credit_code(raw: object) -> bool:
    """True for an 18-character unified social credit code whose last character checks (GB 32100-2015)."""
    text = unicodedata.normalize("NFKC", cell_text(raw)).strip().upper()
    if len(text) != 18:
        return False
    return credit_check_char(text[:17]) == text[17]


def parse_field(field: Field, raw: object, date1904: bool = False) -> object:
    """Parse one cell by its field's type: the typed value, None when empty, or `Invalid`.

    Range checks (`out-of-range`) and phone/credit-code checks are validation rules, not parsing: here a
    phone or credit code comes back as its text. A 生日 is read by `addin.core.sheet.parse_value` (it needs
    the lunar calendar, which is built on this module).
    """
    kind = field.type
    if kind is FieldType.DATE:
        return parse_date(raw, date1904)
    if kind is FieldType.NUMBER:
        return parse_number(raw)
    if kind is FieldType.INTEGER:
        return parse_integer(raw)
    if kind is FieldType.ENUM:
        assert field.choices is not None
        return parse_enum(field.choices, raw)
    if is_blank(raw):
        return None
    return cell_text(raw)


# SPEC §2: several 被访人 are separated by 、 , / (full-width ，／ fold to them); a space is part of a name
# ("王　芳" is padded to line up with three-character names, "Dr Wang" is one person)
_NAME_SPLIT = re.compile(r"[、,，/／\n]+")
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff\uf900-\ufaff])\s+(?=[\u3400-\u9fff\uf900-\ufaff])")


def split_people(text: str) -> list[str]:
    """The people named in a 被访人 cell (SPEC §2: separated by 、 , /), each trimmed."""
    return [n.strip() for n in _NAME_SPLIT.split(text) if n.strip()]


def person_key(name: str) -> str:
    """A person's name as compared between 被访人 and 关键人: norm(), and no space between two Chinese
    characters (王　芳 is 王芳; Dr Wang stays dr wang)."""
    return _CJK_GAP.sub("", norm(name))
