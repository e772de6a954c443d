"""Text helpers shared by every matcher: one normalisation rule for headers, sheet names and enum values."""

from __future__ import annotations

import re
import unicodedata


def norm(value: object) -> str:
    """Return the matching form of a label: NFKC, trimmed, case-folded (SPEC §2).

    NFKC folds full-width forms, so `开发总时间（天）` and `开发总时间(天)` meet; case-folding lets
    `Customer_ID` meet `customer_id`. Inner runs of white space collapse to one space.
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).strip().casefold()
    return " ".join(text.split())


def loose(value: object) -> str:
    """A looser English form: `customer_id`, `Customer ID` and `customer-id` all meet."""
    return norm(value).replace("_", " ").replace("-", " ")


def is_blank(value: object) -> bool:
    """True for a cell a rep would call empty: None, '' or only white space."""
    if value is None:
        return True
    return isinstance(value, str) and not value.strip()


#: what one Excel cell (or note) holds; Excel cuts or refuses a longer text
MAX_CELL = 32_767


def fit_cell(text: str, lang: str) -> str:
    """`text` cut to what one Excel cell holds, ending with a mark that says it was cut (a finding quoting a
    32,767-character value is longer than the value)."""
    if len(text) <= MAX_CELL:
        return text
    from addin.core.i18n import t

    mark = t("text.cut", lang)
    return text[:MAX_CELL - len(mark)] + mark


_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")


def printable(text: str) -> str:
    """`text` without the control characters no calendar line, HTML page or XML part may carry (RFC 5545,
    HTML, XML 1.0); tabs and line breaks stay, each format has its own way of writing those."""
    return _CONTROLS.sub("", text)


def display_width(text: str) -> int:
    """How many character widths a spreadsheet column needs for `text`: CJK characters count two."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)  # from the CJK radicals on


def wrapped_lines(text: str, width: float) -> int:
    """How many lines `text` takes wrapped in a column `width` characters wide. LibreOffice keeps a wrapped
    row at the height the file gives it, so whoever writes the row sets it from this. A text that fits its
    column (with the two widths of margin kam gives it) takes one line. A longer one is given 15% more
    room: a wrapped line ends short of the edge."""
    lines = 0
    for part in str(text).split("\n"):
        size = display_width(part)
        lines += 1 if size <= width - 2 else -(-size * 115 // (100 * max(int(width) - 1, 1)))
    return max(lines, 1)
