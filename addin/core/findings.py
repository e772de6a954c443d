"""Findings: the one record shape of SPEC §4, shared by grading and validation. Errors are values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from addin.core.i18n import Phrase, join, t
from addin.core.model import SheetTable

#: Every SPEC §4 code with its severity.
SEVERITY: dict[str, str] = {
    "missing-sheet": "error",
    "missing-column": "error",
    "duplicate-column": "error",
    "required": "error",
    "bad-date": "error",
    "bad-number": "error",
    "out-of-range": "error",
    "bad-enum": "error",
    "future-date": "error",
    "bad-phone": "warning",
    "bad-credit-code": "error",
    "bad-setting": "error",
    "duplicate-key": "error",
    "unknown-customer": "error",
    "duplicate-row": "warning",
    "location-required": "error",
    "follow-up-missing": "warning",
    "follow-up-late": "warning",
    "follow-up-before-visit": "error",
    "follow-up-overdue": "warning",
    "visit-overlap": "warning",
    "result-reason-missing": "error",
    "contact-count-low": "warning",
    "insufficient-info": "warning",
    "role-missing": "warning",
    "danger-zone": "warning",
    "opposed-influencer": "warning",
    "stale-account": "warning",
    "coach-not-supportive": "warning",
    "stage-ahead-of-grade": "warning",
    "stage-no-assessment": "warning",
    "result-stage-mismatch": "warning",
    "assessment-stale": "warning",
    "duplicate-account": "warning",
    "callback-missing": "warning",
    "review-missing": "warning",
    "new-face": "warning",
    "stage-gate": "warning",
    "won-amount-missing": "warning",
    "close-date-passed": "warning",
    "amount-suspicious": "warning",
    "service-lapsed": "warning",
    "tier-grade-mismatch": "warning",
    "resolution-missing": "warning",
    "customer-not-informed": "warning",
    "satisfaction-drop": "warning",
    "coach-neglected": "warning",
    "birthday-missed": "warning",
    "plan-missed": "warning",
    "profile-thin": "warning",
    # team findings (SPEC §9), over many workbooks
    "account-claimed-twice": "warning",
    "team-visit-overlap": "warning",
    "stale-workbook": "warning",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding: where it is, its stable code, and what to say (rendered per language on output)."""

    code: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    cell: str = ""
    field: str = ""
    customer_id: str = ""
    message_key: str = ""
    params: Mapping[str, Any] = dc_field(default_factory=dict)

    @property
    def severity(self) -> str:
        return SEVERITY[self.code]

    def message(self, lang: str = "zh", quote: str | None = None) -> str:
        """The sentence in `lang`; the workbook's own headers and values it names in `quote` (the workbook's
        language, when --lang asks for another: an English sentence about a Chinese workbook names 拜访方式 and
        offers 面访, what its drop-downs hold, not Method and In-person)."""
        return t(self.message_key or f"finding.{self.code}", lang, **render_params(self.params, lang, quote))

    def to_dict(self, lang: str = "zh", message: str | None = None) -> dict[str, Any]:
        """The SPEC §4 record (`message`: the sentence when it was already rendered in `lang`)."""
        return {
            "sheet": self.sheet, "row": self.row, "column": self.column, "cell": self.cell,
            "field": self.field, "code": self.code, "severity": self.severity,
            "customer_id": self.customer_id, "message": self.message(lang) if message is None else message,
        }


def at_cell(table: SheetTable, row: int, key: str, code: str, customer_id: str = "", message_key: str = "",
            **params: Any) -> Finding:
    """A finding at one cell of a sheet: row, column header, A1 address and field key filled in."""
    header = table.header(key)
    return Finding(code, sheet=table.name, row=row, column=header, cell=table.address(row, key), field=key,
                   customer_id=customer_id, message_key=message_key, params={"header": header, **params})


def render_params(params: Mapping[str, Any], lang: str, quote: str | None = None) -> dict[str, Any]:
    """Parameters as text for a message: phrases in the message's language, the workbook's own words (headers,
    choice values) in `quote` (default: the same), values as written."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        kind = value.__class__
        if kind is str or kind is int or kind is float:  # most values: written as they are
            out[key] = value
        elif isinstance(value, list | tuple):
            out[key] = join((_text(v, lang, quote) for v in value), lang)
        else:
            out[key] = _text(value, lang, quote)
    return out


def _text(value: Any, lang: str, quote: str | None = None) -> Any:
    """A phrase in `lang`, a label (a header, a choice) in `quote` or `lang`; anything else as it is."""
    if not (hasattr(value, "text") and callable(value.text)):
        return value
    return value.text(lang if quote is None or isinstance(value, Phrase) else quote)


def count(findings: list[Finding]) -> tuple[int, int]:
    """(errors, warnings) in `findings`."""
    errors = sum(1 for f in findings if f.severity == "error")
    return errors, len(findings) - errors
