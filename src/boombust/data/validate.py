"""Validation beyond types: ids, references, tranche stacks, balance sheets, provenance.

:func:`check_dataset` returns ``(location, message)`` pairs; loaders turn the
locations into ``path:line`` with the :class:`~boombust.data._locate.Locator`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from pydantic import BaseModel

from boombust.data._locate import Loc
from boombust.data.schema import Dataset, Deal, Record, iter_records

__all__ = ["TOLERANCE_ABS", "check_dataset", "check_provenance"]

TOLERANCE_ABS = 1e-6
"""Absolute slack (USD bn, i.e. $1,000) for sums compared against sizes."""


def check_dataset(ds: Dataset, *, require_sources: bool = True) -> list[tuple[Loc, str]]:
    """All cross-table problems of ``ds`` as ``(location, message)``, in table order."""
    problems: list[tuple[Loc, str]] = []
    problems += _unique_ids(ds)
    problems += _references(ds)
    problems += _tranche_stacks(ds)
    problems += _balance_sheets(ds)
    problems += _holding_limits(ds)
    if require_sources:
        problems += check_provenance(ds)
    return problems


def _unique_ids(ds: Dataset) -> Iterator[tuple[Loc, str]]:
    for table in ("sources", "institutions", "obligations", "commitments", "deals", "macro"):
        seen: dict[str, int] = {}
        for i, row in enumerate(getattr(ds, table)):
            if row.id in seen:
                yield (
                    (table, i, "id"),
                    f"duplicate id {row.id!r} (first used in row {seen[row.id] + 1}); "
                    "give each row its own id",
                )
            else:
                seen[row.id] = i
    # assets and tranches share one namespace: holdings may point at either
    seen_asset: dict[str, str] = {}
    for i, asset in enumerate(ds.assets):
        if asset.id in seen_asset:
            yield (("assets", i, "id"), f"duplicate asset id {asset.id!r}; rename one of them")
        seen_asset[asset.id] = "asset"
    for d, deal in enumerate(ds.deals):
        for t, tranche in enumerate(deal.tranches):
            if tranche.id in seen_asset:
                yield (
                    ("deals", d, "tranches", t, "id"),
                    f"tranche id {tranche.id!r} is already an asset or tranche id; "
                    "asset and tranche ids share one namespace",
                )
            seen_asset[tranche.id] = "tranche"


def _references(ds: Dataset) -> Iterator[tuple[Loc, str]]:
    inst = {x.id for x in ds.institutions}
    assets = {a.id for a in ds.assets} | {t.id for d in ds.deals for t in d.tranches}
    deals = {d.id for d in ds.deals}
    commitments = {c.id for c in ds.commitments}

    def missing(kind: str, ref: str, table: str) -> str:
        return f"{kind} {ref!r} does not exist; add it to `{table}` or fix the id"

    for i, a in enumerate(ds.assets):
        if a.issuer is not None and a.issuer not in inst:
            yield ("assets", i, "issuer"), missing("institution", a.issuer, "institutions")
        if a.deal is not None and a.deal not in deals:
            yield ("assets", i, "deal"), missing("deal", a.deal, "deals")
    for i, h in enumerate(ds.holdings):
        if h.holder not in inst:
            yield ("holdings", i, "holder"), missing("institution", h.holder, "institutions")
        if h.asset not in assets:
            yield ("holdings", i, "asset"), missing("asset or tranche", h.asset, "assets")
    for i, o in enumerate(ds.obligations):
        for fld in ("debtor", "creditor"):
            ref = getattr(o, fld)
            if ref not in inst:
                yield ("obligations", i, fld), missing("institution", ref, "institutions")
        if o.asset is not None and o.asset not in assets:
            yield ("obligations", i, "asset"), missing("asset", o.asset, "assets")
    for i, c in enumerate(ds.commitments):
        for fld in ("payer", "payee"):
            ref = getattr(c, fld)
            if ref not in inst:
                yield ("commitments", i, fld), missing("institution", ref, "institutions")
        if c.return_leg is not None and c.return_leg not in commitments:
            yield (
                ("commitments", i, "return_leg"),
                missing("commitment", c.return_leg, "commitments"),
            )
    for i, d in enumerate(ds.deals):
        if d.spv not in inst:
            yield ("deals", i, "spv"), missing("institution", d.spv, "institutions")
        for j, s in enumerate(d.sponsors):
            if s not in inst:
                yield ("deals", i, "sponsors", j), missing("institution", s, "institutions")
        for j, lease in enumerate(d.leases):
            if lease.tenant not in inst:
                yield (
                    ("deals", i, "leases", j, "tenant"),
                    missing("institution", lease.tenant, "institutions"),
                )


def _tranche_stacks(ds: Dataset) -> Iterator[tuple[Loc, str]]:
    for d, deal in enumerate(ds.deals):
        yield from _tranche_stack(deal, ("deals", d))


def _tranche_stack(deal: Deal, at: Loc) -> Iterator[tuple[Loc, str]]:
    tranches = deal.tranches
    eps = 1e-6
    if abs(tranches[0].attach) > eps:
        yield (
            (*at, "tranches", 0, "attach"),
            f"the first tranche attaches at {tranches[0].attach:g}; the stack must start at 0 "
            "(list tranches from the most junior, equity, upwards)",
        )
    for t in range(1, len(tranches)):
        prev, cur = tranches[t - 1], tranches[t]
        if cur.attach > prev.detach + eps:
            yield (
                (*at, "tranches", t, "attach"),
                f"gap between {prev.id!r} (detach {prev.detach:g}) and {cur.id!r} "
                f"(attach {cur.attach:g}); tranches must cover the capital structure",
            )
        elif cur.attach < prev.detach - eps:
            yield (
                (*at, "tranches", t, "attach"),
                f"{cur.id!r} (attach {cur.attach:g}) overlaps {prev.id!r} "
                f"(detach {prev.detach:g}); order tranches junior to senior without overlap",
            )
    if abs(tranches[-1].detach - 1.0) > eps:
        yield (
            (*at, "tranches", len(tranches) - 1, "detach"),
            f"the last tranche detaches at {tranches[-1].detach:g}; the stack must end at 1",
        )
    capital = deal.capital
    if capital > 0:
        for t, tr in enumerate(tranches):
            implied = (tr.detach - tr.attach) * capital
            if abs(implied - tr.notional) > 0.01 * capital + TOLERANCE_ABS:
                yield (
                    (*at, "tranches", t, "notional"),
                    f"notional {tr.notional:g} but (detach - attach) x capital = {implied:.4g}; "
                    "make attach/detach match the tranche sizes",
                )


def _balance_sheets(ds: Dataset) -> Iterator[tuple[Loc, str]]:
    tol = ds.meta.balance_sheet_tolerance
    for i, inst in enumerate(ds.institutions):
        bs = inst.balance_sheet
        if bs.total_liabilities is None:
            continue
        gap = bs.total_assets - (bs.total_liabilities + bs.equity)
        if abs(gap) > tol * max(bs.total_assets, TOLERANCE_ABS) + TOLERANCE_ABS:
            yield (
                ("institutions", i, "balance_sheet", "total_assets"),
                f"assets {bs.total_assets:g} != liabilities {bs.total_liabilities:g} + "
                f"equity {bs.equity:g} (off by {gap:.4g}, tolerance {tol:.1%}); "
                "fix one of the three",
            )
        if bs.liquid_assets is not None and bs.liquid_assets > bs.total_assets + TOLERANCE_ABS:
            yield (
                ("institutions", i, "balance_sheet", "liquid_assets"),
                f"liquid assets {bs.liquid_assets:g} exceed total assets {bs.total_assets:g}",
            )


def _holding_limits(ds: Dataset) -> Iterator[tuple[Loc, str]]:
    size: dict[str, tuple[float, str]] = {}
    for a in ds.assets:
        if a.outstanding is not None:
            size[a.id] = (a.outstanding, "outstanding")
    for deal in ds.deals:
        for t in deal.tranches:
            size[t.id] = (t.notional, "notional")
    held: dict[str, float] = defaultdict(float)
    last_row: dict[str, int] = {}
    by_holder: dict[str, float] = defaultdict(float)
    last_holder_row: dict[str, int] = {}
    for i, h in enumerate(ds.holdings):
        held[h.asset] += h.amount
        last_row[h.asset] = i
        by_holder[h.holder] += h.amount
        last_holder_row[h.holder] = i
    for asset, total in held.items():
        if asset in size:
            cap, what = size[asset]
            if total > cap * (1 + 1e-9) + TOLERANCE_ABS:
                yield (
                    ("holdings", last_row[asset], "amount"),
                    f"holdings of {asset!r} add up to {total:g}, more than its {what} {cap:g}; "
                    "reduce the holdings or correct the size",
                )
    total_assets = {x.id: x.balance_sheet.total_assets for x in ds.institutions}
    tol = ds.meta.balance_sheet_tolerance
    for holder, total in by_holder.items():
        if holder in total_assets and total > total_assets[holder] * (1 + tol) + TOLERANCE_ABS:
            yield (
                ("holdings", last_holder_row[holder], "amount"),
                f"{holder!r} holds {total:g} in all, more than its total assets "
                f"{total_assets[holder]:g}; reduce its holdings or raise its balance sheet",
            )


def check_provenance(ds: Dataset) -> list[tuple[Loc, str]]:
    """Every number written in the dataset has a source or an assumption; ids resolve."""
    known = {s.id for s in ds.sources}
    problems: list[tuple[Loc, str]] = []
    for table, i, row in iter_records(ds):
        _walk(row, (table, i), False, known, problems)
    return problems


def _walk(
    obj: BaseModel, at: Loc, inherited: bool, known: set[str], problems: list[tuple[Loc, str]]
) -> None:
    covered = inherited
    if isinstance(obj, Record):
        for ref in obj.source_ids():
            if ref not in known:
                problems.append(
                    ((*at, "source"), f"source {ref!r} is not in `sources`; add it or fix the id")
                )
        covered = inherited or obj.source is not None or obj.assumption is not None
        for name, _value in obj.number_fields():
            if name in obj.field_sources or covered:
                continue
            problems.append(
                (
                    (*at, name),
                    "unsourced number; give the row `source: <id>`, or write "
                    "{value: ..., source: <id>} or {value: ..., assumption: 'why'} "
                    "(or pass --allow-unsourced)",
                )
            )
    for name in type(obj).model_fields:
        if name == "field_sources":
            continue
        value = getattr(obj, name)
        if isinstance(value, BaseModel):
            _walk(value, (*at, name), covered, known, problems)
        elif isinstance(value, list):
            for j, item in enumerate(value):
                if isinstance(item, BaseModel):
                    _walk(item, (*at, name, j), covered, known, problems)


def provenance_counts(ds: Dataset) -> dict[str, int]:
    """How many written numbers cite a source and how many rest on an assumption."""
    counts = {"sourced": 0, "assumption": 0}

    def visit(obj: BaseModel, inherited: str | None) -> None:
        kind = inherited
        if isinstance(obj, Record):
            if obj.source is not None:
                kind = "sourced"
            elif obj.assumption is not None:
                kind = "assumption"
            for name, _ in obj.number_fields():
                fs = obj.field_sources.get(name)
                if fs is not None:
                    counts["sourced" if fs.source is not None else "assumption"] += 1
                elif kind is not None:
                    counts[kind] += 1
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            if isinstance(value, BaseModel):
                visit(value, kind)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, BaseModel):
                        visit(item, kind)

    for _table, _i, row in iter_records(ds):
        visit(row, None)
    return counts
