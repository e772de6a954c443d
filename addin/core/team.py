"""Team findings over the current snapshots of many reps' workbooks (SPEC §9): 撞单, visits by two reps, and
workbooks nobody fills in any more. Pure: each workbook comes in as plain rows, findings go out as values."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from addin.core.findings import Finding
from addin.core.parse import customer_key, name_key

#: SPEC §9: a workbook whose newest entry is older than this is stale
STALE_WORKBOOK_DAYS = 30


@dataclass
class TeamBook:
    """What the team rules read of one workbook's current snapshot."""

    workbook: str  # the path as loaded
    customers_sheet: str
    visits_sheet: str
    customers: list[dict[str, Any]]  # row_number, customer_id, customer_name, credit_code, owner
    visits: list[dict[str, Any]]  # row_number, customer_id, visit_date, visitor
    newest_entry: date | None
    rep: str = ""


@dataclass(frozen=True)
class TeamFinding:
    """A SPEC §4 record plus the workbook it is in."""

    workbook: str
    finding: Finding

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {"workbook": self.workbook, **self.finding.to_dict(lang)}


@dataclass
class _Accounts:
    """Union-find over customer rows: two rows are one account when they share a credit code or a name."""

    parent: dict[int, int] = field(default_factory=dict)

    def find(self, i: int) -> int:
        while self.parent.setdefault(i, i) != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def _groups(books: list[TeamBook]) -> list[list[tuple[int, dict[str, Any]]]]:
    """Customer rows of all workbooks grouped by account (credit code or normalised name), in workbook and
    row order; only the groups with more than one row."""
    rows = [(b, r) for b, book in enumerate(books) for r in book.customers if r.get("customer_id")]
    accounts = _Accounts()
    first: dict[str, int] = {}
    for i, (_b, r) in enumerate(rows):
        accounts.find(i)
        code = customer_key(r.get("credit_code")).upper()
        for key in (f"code:{code}" if code else "", f"name:{name_key(r.get('customer_name'))}"):
            if key and key != "name:":
                if key in first:
                    accounts.union(i, first[key])
                else:
                    first[key] = i
    grouped: dict[int, list[int]] = defaultdict(list)
    for i in range(len(rows)):
        grouped[accounts.find(i)].append(i)
    return [[rows[i] for i in sorted(members)] for members in grouped.values() if len(members) > 1]


def _file_name(path: str) -> str:
    """The file name of a stored path (Windows or POSIX) for a message: the full path is in `workbook`."""
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def contested(books: list[TeamBook]) -> set[tuple[str, str]]:
    """(workbook, customer_id) of every account that appears in more than one workbook: the only visits
    team-visit-overlap needs (a store adapter loads just those, not a whole team's visit log)."""
    return {(books[b].workbook, str(r["customer_id"])) for group in _groups(books)
            if len({b for b, _ in group}) > 1 for b, r in group}


def account_claimed_twice(books: list[TeamBook]) -> list[TeamFinding]:
    """The same account in two workbooks, or under two 负责销售 (撞单): a finding on every claim, naming
    another one, so that each rep's report shows it."""
    out: list[TeamFinding] = []
    for group in _groups(books):
        for b, r in group:
            owner = customer_key(r.get("owner"))
            other = next(((bb, rr) for bb, rr in group if bb != b or customer_key(rr.get("owner")) != owner), None)
            if other is None:
                continue  # the same rep twice in one workbook: duplicate-account says that
            ob, orow = other
            book = books[b]
            out.append(TeamFinding(book.workbook, Finding(
                "account-claimed-twice", sheet=book.customers_sheet, row=r["row_number"],
                customer_id=str(r["customer_id"]),
                params={"name": r.get("customer_name") or r["customer_id"], "owner": r.get("owner") or "-",
                        "other_workbook": _file_name(books[ob].workbook), "other_id": orow["customer_id"],
                        "other_owner": orow.get("owner") or "-"})))
    return out


def team_visit_overlap(books: list[TeamBook], overlap_days: int) -> list[TeamFinding]:
    """The same account visited from two workbooks within overlap_days: a finding on each later visit."""
    out: list[TeamFinding] = []
    for group in _groups(books):
        if len({b for b, _ in group}) < 2:
            continue
        ids: dict[int, set[str]] = defaultdict(set)
        for b, r in group:
            ids[b].add(r["customer_id"])
        visits = sorted((v["visit_date"], b, v["row_number"], v.get("visitor") or "")
                        for b, cids in ids.items() for v in books[b].visits
                        if v.get("customer_id") in cids and isinstance(v.get("visit_date"), date))
        dates = [v[0] for v in visits]
        name = group[0][1].get("customer_name") or group[0][1]["customer_id"]
        for pos, (when, b, row, who) in enumerate(visits):
            start = bisect_left(dates, date.fromordinal(when.toordinal() - overlap_days))
            other = next((v for v in reversed(visits[start:pos]) if v[1] != b), None)
            if other is None:
                continue
            book = books[b]
            cid = next(r["customer_id"] for bb, r in group if bb == b)
            other_id = next(r["customer_id"] for bb, r in group if bb == other[1])
            out.append(TeamFinding(book.workbook, Finding(
                "team-visit-overlap", sheet=book.visits_sheet, row=row, customer_id=str(cid),
                params={"name": name, "visitor": who, "visit": when.isoformat(), "other_visitor": other[3],
                        "other_id": str(other_id),
                        "other_workbook": _file_name(books[other[1]].workbook), "other_date": other[0].isoformat(),
                        "limit": overlap_days})))
    return out


def stale_workbook(books: list[TeamBook], today: date) -> list[TeamFinding]:
    """A workbook whose newest 拜访日期 or 记录日期 is more than 30 days old (or that has none)."""
    out: list[TeamFinding] = []
    for book in books:
        newest = book.newest_entry
        if newest is not None and (today - newest).days <= STALE_WORKBOOK_DAYS:
            continue
        out.append(TeamFinding(book.workbook, Finding(
            "stale-workbook", message_key="finding.stale-workbook" + ("" if newest else ".empty"),
            params={"rep": book.rep or "-", "newest": newest.isoformat() if newest else "",
                    "days": (today - newest).days if newest else 0, "limit": STALE_WORKBOOK_DAYS})))
    return out


#: SPEC §9's team rules, one function per code
TEAM_RULES = {"account-claimed-twice": account_claimed_twice, "team-visit-overlap": team_visit_overlap,
              "stale-workbook": stale_workbook}


def team_findings(books: list[TeamBook], today: date, overlap_days: int) -> list[TeamFinding]:
    """Every team finding of SPEC §9, workbook by workbook."""
    found = [*account_claimed_twice(books), *team_visit_overlap(books, overlap_days), *stale_workbook(books, today)]
    order = {b.workbook: i for i, b in enumerate(books)}
    return sorted(found, key=lambda f: (order.get(f.workbook, 0), f.finding.sheet, f.finding.row or 0))
