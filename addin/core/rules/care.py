"""Rules that guard service and care (SPEC §4): cadence, after-sales, the issue loop, birthdays, plans."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from addin.core.findings import Finding
from addin.core.rules.context import Context, account_kwargs, visit_log


def stale_account(ctx: Context) -> Iterator[Finding]:
    visits = visit_log(ctx)
    if visits is None or "visit_date" not in visits.typed:  # no visit log: missing-sheet/column says so
        return
    last: dict[str, date] = {}
    for cid, when in zip(visits.ids, visits.typed["visit_date"], strict=True):
        if cid and when is not None and when <= ctx.today and (cid not in last or when > last[cid]):
            last[cid] = when
    limit = ctx.settings.a_visit_interval_days
    for cid in ctx.customer_rows:
        if ctx.grades.get(cid) != "A":
            continue
        if cid not in last:
            yield Finding(**account_kwargs(ctx, cid, "stale-account"), message_key="finding.stale-account.never")
        elif (ctx.today - last[cid]).days > limit:
            yield ctx.account(cid, "stale-account", days=(ctx.today - last[cid]).days, last=last[cid].isoformat(),
                              limit=limit)
