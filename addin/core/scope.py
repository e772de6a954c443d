"""`--rep NAME`: a workbook narrowed to the accounts whose 负责销售 is one of the names (SPEC §6)."""

from __future__ import annotations

from collections.abc import Iterable

from addin.core.model import SheetTable, WorkbookData
from addin.core.parse import customer_key


def rep_accounts(book: WorkbookData, reps: Iterable[str]) -> set[str]:
    """The customer IDs in 客户 whose 负责销售 is one of `reps` (compared as IDs are: NFKC, trimmed); for an ID
    written twice the first row decides, as everywhere else."""
    wanted = {customer_key(r) for r in reps}
    customers = book.get("customers")
    if customers is None or not customers.has("customer_id") or not customers.has("owner"):
        return set()
    owner: dict[str, str] = {}
    for _, v in customers.rows:
        owner.setdefault(customer_key(customers.raw(v, "customer_id")), customer_key(customers.raw(v, "owner")))
    return {cid for cid, rep in owner.items() if cid and rep in wanted}


def unmatched_reps(book: WorkbookData, reps: Iterable[str]) -> list[str]:
    """The names of `reps` that own no account in 客户 (a misspelt --rep), each once, in the order given."""
    return [rep for rep in dict.fromkeys(reps) if not rep_accounts(book, [rep])]


def for_reps(book: WorkbookData, reps: Iterable[str]) -> WorkbookData:
    """A copy of `book` whose sheets keep only the rows of the reps' accounts (设置 is kept whole; a sheet
    without a 客户编号 column is kept as it is, since it cannot be split by account)."""
    accounts = rep_accounts(book, reps)
    sheets: dict[str, SheetTable] = {}
    for key, table in book.sheets.items():
        if key == "settings" or not table.has("customer_id"):
            sheets[key] = table
            continue
        rows = [(n, v) for n, v in table.rows if customer_key(table.raw(v, "customer_id")) in accounts]
        sheets[key] = SheetTable(table.spec, table.name, table.header_row, table.columns, rows)
    return WorkbookData(book.source, sheets, book.other_sheets, book.date1904, book.uncalculated)
