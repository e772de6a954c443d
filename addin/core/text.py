"""Text helpers shared by every matcher: one normalisation rule for headers, sheet names and enum values."""

from __future__ import annotations

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
