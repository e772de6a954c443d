"""Validation of SPEC §4: every rule over column-parsed sheets, every finding, sorted. Errors are values.

`validate(book, today)` parses every known sheet once (addin.core.sheet), then runs each rule of `RULES`
(one function per code, in addin.core.rules by what it guards) and returns every finding by sheet and row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from addin.core.findings import Finding, count
from addin.core.model import WorkbookData
from addin.core.rules.care import (
    birthday_missed,
    customer_not_informed,
    plan_missed,
    resolution_missing,
    satisfaction_drop,
    service_lapsed,
    stale_account,
    tier_grade_mismatch,
)
from addin.core.rules.contacts import (
    coach_neglected,
    coach_not_supportive,
    danger_zone,
    opposed_influencer,
    profile_thin,
    role_missing,
)
from addin.core.rules.context import NEEDED, Context, Rule, build_context
from addin.core.rules.deals import (
    amount_suspicious,
    close_date_passed,
    contact_count_low,
    result_reason_missing,
    result_stage_mismatch,
    stage_ahead_of_grade,
    stage_gate,
    stage_no_assessment,
    won_amount_missing,
)
from addin.core.rules.records import (
    assessment_stale,
    bad_credit_code,
    bad_date,
    bad_enum,
    bad_number,
    bad_phone,
    bad_setting,
    duplicate_account,
    duplicate_column,
    duplicate_key,
    future_date,
    grade_mismatch,
    insufficient_info,
    missing_column,
    missing_sheet,
    missing_sheets,
    out_of_range,
    required,
    unknown_customer,
)
from addin.core.rules.visits import (
    callback_missing,
    duplicate_row,
    follow_up_before_visit,
    follow_up_late,
    follow_up_missing,
    follow_up_overdue,
    location_required,
    new_face,
    review_missing,
    visit_overlap,
)
from addin.core.sheet import Parsed, parse_sheet

__all__ = ["NEEDED", "RULES", "Context", "Parsed", "ValidationReport", "build_context", "missing_sheets",
           "parse_sheet", "validate", "visit_overlap"]


#: SPEC §4, one rule per code, in the order of the spec's table.
RULES: dict[str, Rule] = {
    "missing-sheet": missing_sheet,
    "missing-column": missing_column,
    "duplicate-column": duplicate_column,
    "required": required,
    "bad-date": bad_date,
    "bad-number": bad_number,
    "out-of-range": out_of_range,
    "bad-enum": bad_enum,
    "future-date": future_date,
    "bad-phone": bad_phone,
    "bad-credit-code": bad_credit_code,
    "bad-setting": bad_setting,
    "duplicate-key": duplicate_key,
    "unknown-customer": unknown_customer,
    "duplicate-row": duplicate_row,
    "location-required": location_required,
    "follow-up-missing": follow_up_missing,
    "follow-up-late": follow_up_late,
    "follow-up-before-visit": follow_up_before_visit,
    "follow-up-overdue": follow_up_overdue,
    "visit-overlap": visit_overlap,
    "result-reason-missing": result_reason_missing,
    "contact-count-low": contact_count_low,
    "insufficient-info": insufficient_info,
    "role-missing": role_missing,
    "danger-zone": danger_zone,
    "opposed-influencer": opposed_influencer,
    "stale-account": stale_account,
    "coach-not-supportive": coach_not_supportive,
    "stage-ahead-of-grade": stage_ahead_of_grade,
    "stage-no-assessment": stage_no_assessment,
    "result-stage-mismatch": result_stage_mismatch,
    "assessment-stale": assessment_stale,
    "duplicate-account": duplicate_account,
    "callback-missing": callback_missing,
    "review-missing": review_missing,
    "new-face": new_face,
    "stage-gate": stage_gate,
    "won-amount-missing": won_amount_missing,
    "close-date-passed": close_date_passed,
    "amount-suspicious": amount_suspicious,
    "service-lapsed": service_lapsed,
    "tier-grade-mismatch": tier_grade_mismatch,
    "resolution-missing": resolution_missing,
    "customer-not-informed": customer_not_informed,
    "satisfaction-drop": satisfaction_drop,
    "coach-neglected": coach_neglected,
    "birthday-missed": birthday_missed,
    "plan-missed": plan_missed,
    "profile-thin": profile_thin,
    "grade-mismatch": grade_mismatch,
}


@dataclass
class ValidationReport:
    """All findings of one workbook and how many rows of each sheet were checked."""

    today: date
    rows_checked: dict[str, int]
    findings: list[Finding]

    def counts(self) -> tuple[int, int]:
        """(errors, warnings)."""
        return count(self.findings)


def validate(book: WorkbookData, today: date, ctx: Context | None = None) -> ValidationReport:
    """Run every rule of SPEC §4 over `book` as of `today`; never raises for bad data. A context already
    built for the same book and day (e.g. by the briefings) is reused rather than parsed again."""
    ctx = ctx or build_context(book, today)
    order_codes = {code: n for n, code in enumerate(RULES)}
    findings: list[Finding] = []
    for rule in RULES.values():
        findings.extend(rule(ctx))
    order = {t.name: n for n, t in enumerate(book.sheets.values())}
    columns = {t.name: {c.header: c.index for c in t.columns} for t in book.sheets.values()}

    def position(f: Finding) -> tuple[int, int, int, int]:
        sheet = f.sheet if isinstance(f.sheet, str) else ""
        return (order.get(sheet, -1), f.row or 0, columns.get(sheet, {}).get(f.column, -1),
                order_codes[f.code])

    findings.sort(key=position)
    rows = {t.name: len(t.rows) for t in book.sheets.values()}
    return ValidationReport(today, rows, findings)
