"""Findings: the one record shape of SPEC §4, shared by grading and validation. Errors are values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from addin.core.i18n import join, t
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

    def message(self, lang: str = "zh") -> str:
        """The sentence for the rep: names the value found and what is expected."""
        return t(self.message_key or f"finding.{self.code}", lang, **render_params(self.params, lang))

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


def render_params(params: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Parameters as text for a message: labels in the chosen language, values as written."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        kind = value.__class__
        if kind is str or kind is int or kind is float:  # most values: written as they are
            out[key] = value
        elif isinstance(value, list | tuple):
            out[key] = join((_text(v, lang) for v in value), lang)
        else:
            out[key] = _text(value, lang)
    return out


def _text(value: Any, lang: str) -> Any:
    """A label or phrase in `lang`; anything else as it is."""
    return value.text(lang) if hasattr(value, "text") and callable(value.text) else value


def count(findings: list[Finding]) -> tuple[int, int]:
    """(errors, warnings) in `findings`."""
    errors = sum(1 for f in findings if f.severity == "error")
    return errors, len(findings) - errors
