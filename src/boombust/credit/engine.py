"""Monte Carlo credit engine for a data-centre lease securitisation (a :class:`Deal`).

Pipeline per chunk of paths: correlated tenant default/stress times (one-factor Gaussian or t
copula) -> lease cash flows with renew / renegotiate / walk-away decisions, capped RVG,
termination fees and facility sales -> the SPV waterfall -> per-path tranche losses. Results are
aggregated into tranche metrics (EL, PD, LGD, WAL, quantiles, price, implied rating).
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from boombust._provenance import Provenance, stable_hash
from boombust.credit.copula import correlated_uniforms
from boombust.credit.curves import facility_value_fraction
from boombust.credit.leases import EXIT_NAMES, LeaseMarket, simulate_lease
from boombust.credit.rating import (
    IdealizedTable,
    implied_rating,
    load_idealized_table,
    sp_equivalent,
)
from boombust.credit.spec import CreditRunSpec
from boombust.credit.waterfall import (
    DebtClass,
    WaterfallOutput,
    level_payment_schedule,
    run_waterfall,
)
from boombust.data.schema import AmortisationKind, Deal, Record, Source, Tranche
from boombust.errors import BoombustWarning, InputError, Issue

__all__ = [
    "CreditResult",
    "DealFile",
    "HorizonWarning",
    "TrancheMetrics",
    "check_deal",
    "load_deal",
    "run_deal",
    "tenant_pds_from_ratings",
]

FloatArray = npt.NDArray[np.float64]


class HorizonWarning(BoombustWarning):
    """The simulation horizon ends before a tranche's legal final (losses are overstated)."""


class DealFile(BaseModel):
    """A ``DEAL.yaml``: the sources cited, one deal, and optional engine settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: list[Source] = Field(default_factory=list)
    deal: Deal
    run: CreditRunSpec | None = None


def _years(date: str) -> float:
    parts = [int(p) for p in date.split("-")]
    month = parts[1] if len(parts) > 1 else 1
    return parts[0] + (month - 1) / 12.0


def _deal_start(deal: Deal, spec: CreditRunSpec) -> str | None:
    if spec.start is not None:
        return spec.start
    if deal.facility.completion is not None:
        return deal.facility.completion
    starts = [ls.start for ls in deal.leases if ls.start is not None]
    return min(starts, key=_years) if starts else None


def _debt_tranches(deal: Deal) -> list[tuple[int, Tranche]]:
    debt = [
        (i, t) for i, t in enumerate(deal.tranches) if t.amortisation is not AmortisationKind.equity
    ]
    return sorted(debt, key=lambda it: -it[1].attach)


def _lease_end_years(deal: Deal, s_year: float) -> float:
    """Earliest scheduled final expiry (renewals included) of the deal's leases, in years."""
    ends = []
    for ls in deal.leases:
        off = _years(ls.start) - s_year if ls.start else 0.0
        n_opt = int(ls.renewal.options) if ls.renewal is not None else 0
        r_term = float(ls.renewal.term_years) if ls.renewal is not None else 0.0
        ends.append(off + float(ls.term_years) + n_opt * r_term)
    return min(ends)


@dataclass(frozen=True)
class _Refinancing:
    """A tranche's refinancing terms on the period grid."""

    at: int  # period of the test
    years: float  # end of that period, years from the deal start
    term_years: float  # term of the refinanced loan (0: none possible)
    ltv_max: float


def _refinancing(t: Tranche, s_year: float, lease_end: float, f: int) -> _Refinancing | None:
    if t.refinance_ltv_max is None:
        return None
    date = t.refinance_date or t.maturity
    if date is None:
        return None
    at = max(0, math.ceil((_years(date) - s_year) * f - 1e-9) - 1)
    years = (at + 1) / f
    term = (
        float(t.refinance_term_years)
        if t.refinance_term_years is not None
        else max(lease_end - years, 0.0)
    )
    return _Refinancing(at, years, term, float(t.refinance_ltv_max))


def check_deal(
    deal: Deal,
    spec: CreditRunSpec | None = None,
    *,
    path: str | None = None,
    line_of: Any = None,
    prefix: tuple[str | int, ...] = ("deal",),
) -> None:
    """Engine-level checks of a deal; raise :class:`InputError` naming deal and field.

    Tranches must tile [0, 1] without overlaps or gaps; every lease must cover the bonds'
    legal final (or carry renewal terms); debt classes need a coupon or spread; a legal final
    must follow the deal start.
    """
    spec = spec or CreditRunSpec()
    issues: list[Issue] = []

    def add(msg: str, *loc: str | int) -> None:
        full = (*prefix, *loc)
        name = ".".join(str(x) if isinstance(x, str) else f"[{x}]" for x in full).replace(".[", "[")
        line = line_of(full) if line_of is not None else None
        issues.append(Issue(f"deal {deal.id!r}: {msg}", path=path, line=line, field=name))

    order = sorted(range(len(deal.tranches)), key=lambda i: deal.tranches[i].attach)
    if deal.tranches[order[0]].attach > 1e-9:
        add(
            f"tranches leave a gap [0, {deal.tranches[order[0]].attach}]; the most junior "
            "tranche (equity) must attach at 0",
            "tranches",
            order[0],
            "attach",
        )
    for a, b in itertools.pairwise(order):
        ta, tb = deal.tranches[a], deal.tranches[b]
        if tb.attach < ta.detach - 1e-9:
            add(
                f"tranche {tb.id!r} attaches at {tb.attach} below {ta.id!r}'s detach {ta.detach}: "
                "tranches overlap; make each attach equal the previous detach",
                "tranches",
                b,
                "attach",
            )
        elif tb.attach > ta.detach + 1e-9:
            add(
                f"gap between {ta.id!r} (detach {ta.detach}) and {tb.id!r} (attach {tb.attach}); "
                "make each attach equal the previous detach",
                "tranches",
                b,
                "attach",
            )
    if deal.tranches[order[-1]].detach < 1 - 1e-9:
        add(
            f"the most senior tranche detaches at {deal.tranches[order[-1]].detach}; "
            "it must detach at 1",
            "tranches",
            order[-1],
            "detach",
        )
    for i, t in _debt_tranches(deal):
        if t.coupon is None and t.spread_bp is None:
            add(f"debt tranche {t.id!r} needs `coupon` (or `spread_bp`)", "tranches", i, "coupon")
        if t.refinance_ltv_max is not None and t.refinance_date is None and t.maturity is None:
            add(
                f"tranche {t.id!r} has refinancing terms but no date to refinance at; "
                "give `refinance_date` (e.g. the facility's completion) or `maturity`",
                "tranches",
                i,
                "refinance_date",
            )
        if (
            t.refinance_date is not None
            and t.maturity is not None
            and _years(t.refinance_date) > _years(t.maturity)
        ):
            add(
                f"refinance_date {t.refinance_date} is after the legal final {t.maturity}; "
                "refinance at or before the maturity",
                "tranches",
                i,
                "refinance_date",
            )
    start = _deal_start(deal, spec)
    finals = [(i, t) for i, t in _debt_tranches(deal) if t.maturity is not None]
    if start is not None:
        for i, t in finals:
            if t.maturity is not None and _years(t.maturity) <= _years(start):
                add(
                    f"legal final {t.maturity} is not after the deal start {start}",
                    "tranches",
                    i,
                    "maturity",
                )
        bond_life = max(
            (_years(t.maturity) - _years(start) for _, t in finals if t.maturity), default=None
        )
        if bond_life is not None:
            for j, ls in enumerate(deal.leases):
                off = _years(ls.start) - _years(start) if ls.start else 0.0
                if (
                    ls.renewal is None
                    and off + ls.term_years < bond_life - 1e-9
                    and not spec.allow_short_leases
                ):
                    add(
                        f"the bonds run {bond_life:.1f}y but lease of {ls.tenant!r} ends after "
                        f"{off + ls.term_years:.1f}y with no renewal terms; add `renewal` "
                        "(options, term_years), shorten the bonds, or run with "
                        "allow_short_leases (--allow-short-leases)",
                        "leases",
                        j,
                        "renewal",
                    )
    elif finals:
        add("no deal start: give facility.completion or a lease start", "facility", "completion")
    for j, ls in enumerate(deal.leases):
        if ls.annual_rent < 0:
            add("negative rent; rents must be >= 0", "leases", j, "annual_rent")
    if issues:
        raise InputError(issues)


def load_deal(
    source: str, *, allow_short_leases: bool = False
) -> tuple[Deal, CreditRunSpec | None, list[Source], str | None]:
    """Load ``DEAL.yaml`` or ``ai-2025:DEAL_ID``; returns (deal, run spec, sources, path).

    ``allow_short_leases`` skips the check that every lease covers the bonds (also settable as
    ``run.allow_short_leases`` in the file).
    """
    if ":" in source and not Path(source).exists() and not source.endswith((".yaml", ".yml")):
        name, _, deal_id = source.partition(":")
        from boombust.data import bundled_datasets, load_dataset

        if name not in bundled_datasets():
            raise InputError(
                f"no bundled dataset {name!r} "
                f"(bundled: {', '.join(bundled_datasets()) or 'none yet'}); "
                "pass a DEAL.yaml instead (see src/boombust/credit/examples/)",
                field="deal",
            )
        ds = load_dataset(name)
        for d in ds.deals:
            if d.id == deal_id:
                used = set(_all_source_ids(d))
                pds = tenant_pds_from_ratings(d, ds.assets)
                run = CreditRunSpec(tenant_pd_by_id=pds) if pds else None
                return d, run, [s for s in ds.sources if s.id in used], None
        ids = ", ".join(d.id for d in ds.deals) or "none"
        raise InputError(f"dataset {name!r} has no deal {deal_id!r}; deals: {ids}", field="deal")
    from pydantic import ValidationError

    from boombust.data._locate import issues_from_validation_error, load_yaml_with_lines

    raw, locator = load_yaml_with_lines(source)
    if not isinstance(raw, dict):
        raise InputError("a DEAL.yaml must be a mapping with `sources:` and `deal:`", path=source)
    try:
        obj = DealFile.model_validate(raw)
    except ValidationError as err:
        deal_raw = raw.get("deal")
        did = deal_raw.get("id") if isinstance(deal_raw, dict) else None
        issues = issues_from_validation_error(err, locator)
        if did is not None:  # name the deal in every message about it or its run settings
            issues = [
                Issue(f"deal {did!r}: {i.message}", path=i.path, line=i.line, field=i.field)
                if (i.field or "").startswith(("deal", "run"))
                else i
                for i in issues
            ]
        raise InputError(issues) from None

    def line_of(loc: tuple[str | int, ...]) -> int | None:
        return locator.find(loc)[1]

    known = {s.id for s in obj.sources}
    missing = [sid for sid in _all_source_ids(obj.deal) if sid not in known]
    if missing:
        raise InputError(
            f"deal {obj.deal.id!r} cites unknown source ids {sorted(set(missing))}; "
            "add them under `sources:`",
            path=source,
            line=line_of(("sources",)),
            field="sources",
        )
    check_spec = obj.run or CreditRunSpec()
    if allow_short_leases:
        check_spec = check_spec.model_copy(update={"allow_short_leases": True})
    check_deal(obj.deal, check_spec, path=source, line_of=line_of)
    run = obj.run
    if run is not None and run.rating_table and not Path(run.rating_table).is_absolute():
        beside = Path(source).parent / run.rating_table  # relative to the DEAL.yaml
        if beside.exists():
            run = run.model_copy(update={"rating_table": str(beside)})
    return obj.deal, run, list(obj.sources), source


def tenant_pds_from_ratings(deal: Deal, assets: Any) -> dict[str, float]:
    """Annual tenant PDs from the ratings of the tenants' own debt in a dataset.

    For each tenant, the best-rated asset it issues gives a Moody's-equivalent rating whose
    10-year idealized cumulative default rate ``D`` is annualised as ``1 - (1 - D)^(1/10)``
    (floored at 0.01%/yr). Tenants without rated debt keep the run's ``tenant_pd``.
    """
    from boombust.data.ratings import notch

    table = load_idealized_table()
    by_notch = {notch(r): float(table.default_rates[-1, j]) for j, r in enumerate(table.ratings)}
    out: dict[str, float] = {}
    for tenant in {ls.tenant for ls in deal.leases}:
        notches = [notch(a.rating) for a in assets if a.issuer == tenant and a.rating]
        if not notches:
            continue
        d10 = by_notch.get(min(notches), 1.0)
        out[tenant] = min(max(1.0 - (1.0 - min(d10, 0.999)) ** 0.1, 1e-4), 0.5)
    return out


def _all_source_ids(obj: Any) -> list[str]:
    out: list[str] = []
    if isinstance(obj, Record):
        out.extend(obj.source_ids())
        for name in type(obj).model_fields:
            out.extend(_all_source_ids(getattr(obj, name)))
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            out.extend(_all_source_ids(getattr(obj, name)))
    elif isinstance(obj, list):
        for x in obj:
            out.extend(_all_source_ids(x))
    return out


@dataclass(frozen=True)
class TrancheMetrics:
    """Loss and pricing metrics of one tranche (fractions of its notional)."""

    id: str
    name: str
    attach: float
    detach: float
    notional: float
    coupon: float | None
    stated_rating: str | None
    expected_loss: float
    el_std_error: float
    pd: float
    lgd: float
    wal: float
    loss_q95: float
    loss_q99: float
    loss_q999: float
    price: float
    implied_rating: str
    implied_rating_sp: str
    rating_note: str | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class CreditResult:
    """Result of :func:`run_deal`: tranche metrics, loss samples, mean waterfall flows."""

    deal_id: str
    deal_name: str
    tranches: tuple[TrancheMetrics, ...]
    losses: dict[str, FloatArray] = field(repr=False)
    period_years: FloatArray = field(repr=False)
    mean_flows: dict[str, FloatArray] = field(repr=False)
    lease_outcomes: dict[str, float]
    n_paths: int
    periods_per_year: int
    gpu_life: float | None
    max_conservation_error: float
    notes: tuple[str, ...]
    provenance: Provenance
    refinancing: dict[str, float] = field(default_factory=dict)
    """Share of paths refinanced per tranche with refinancing terms, and ``foreclosed``."""

    def summary(self) -> str:
        lines = [
            f"Credit run: {self.deal_name} ({self.deal_id}) - {self.n_paths:,} paths, "
            f"{self.period_years.size} periods ({self.periods_per_year}/yr)"
            + (f", GPU life {self.gpu_life:g}y" if self.gpu_life else ""),
            f"{'tranche':<16}{'attach':>7}{'detach':>7}{'EL':>10}{'PD':>9}{'LGD':>7}{'WAL':>7}"
            f"{'q99':>8}{'price':>8}  {'implied':<12} stated",
        ]
        for t in self.tranches:
            implied = (
                "-" if t.implied_rating == "-" else f"{t.implied_rating} ({t.implied_rating_sp})"
            )
            lines.append(
                f"{t.id:<16}{t.attach:>7.3f}{t.detach:>7.3f}{t.expected_loss:>10.5f}{t.pd:>9.4f}"
                f"{t.lgd:>7.3f}{t.wal:>7.2f}{t.loss_q99:>8.4f}{t.price:>8.2f}  "
                f"{implied:<12} {t.stated_rating or '-'}"
            )
        outs = ", ".join(f"{k} {v:.1%}" for k, v in self.lease_outcomes.items())
        lines.append(f"lease outcomes (share of lease-paths): {outs}")
        if self.refinancing:
            refi = ", ".join(f"{k} {v:.1%}" for k, v in self.refinancing.items())
            lines.append(f"refinancing (share of paths): {refi}")
        lines.append(
            f"max cash-conservation error per period: {self.max_conservation_error:.2e} USD bn"
        )
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)

    def to_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame([t.to_dict() for t in self.tranches]).set_index("id")

    def flows_frame(self) -> Any:
        """Mean waterfall flows per period (USD bn), indexed by years since the deal start."""
        import pandas as pd

        cols: dict[str, FloatArray] = {
            "collections": self.mean_flows["collections"],
            "fees": self.mean_flows["fees"],
        }
        names = [t.id for t in self.tranches if t.id in self.debt_ids]
        for k, n in enumerate(names):
            cols[f"{n}_interest"] = self.mean_flows["interest"][:, k]
            cols[f"{n}_principal"] = self.mean_flows["principal"][:, k]
        cols["equity"] = self.mean_flows["equity"]
        cols["reserve"] = self.mean_flows["reserve"]
        cols["trap"] = self.mean_flows["trap"]
        if self.refinancing:  # foreclosure sale proceeds (in) and rent released to the buyer (out)
            cols["recovery"] = self.mean_flows["recovery"]
            cols["released"] = self.mean_flows["released"]
        return pd.DataFrame(cols, index=pd.Index(self.period_years, name="years"))

    @property
    def debt_ids(self) -> tuple[str, ...]:
        return tuple(str(x) for x in self.mean_flows.get("_debt_ids", ()))

    def plot(self, ax: Any = None) -> Any:
        """Tranche loss distributions and the mean waterfall (stacked by year).

        ``ax``: ``None`` (a new 1 x 2 figure), a pair of Axes, or one Axes (losses only).
        """
        import matplotlib.pyplot as plt

        if ax is None:
            fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
        elif hasattr(ax, "hist"):  # one Axes: the loss distributions only
            axes = [ax, None]
            fig = ax.figure
        else:
            axes = ax
            fig = axes[0].figure
        a0, a1 = axes[0], axes[1]
        for t in self.tranches:
            x = self.losses[t.id]
            a0.hist(
                x,
                bins=50,
                range=(0, 1),
                histtype="step",
                label=f"{t.id} (EL {t.expected_loss:.2%})",
            )
        a0.set_yscale("log")
        a0.set_xlabel("loss, fraction of tranche notional")
        a0.set_ylabel("paths")
        a0.set_title("Tranche loss distributions")
        a0.legend(fontsize=8)
        if a1 is None:
            return fig
        df = self.flows_frame()
        year = np.floor(df.index.to_numpy() - 1e-9).astype(int)
        annual = df.groupby(year).sum()
        inflows = ("collections", "recovery", "reserve", "trap")
        parts = [c for c in annual.columns if c not in inflows]
        bottom = np.zeros(len(annual))
        for c in parts:
            a1.bar(annual.index, annual[c], bottom=bottom, label=c)
            bottom = bottom + annual[c].to_numpy()
        cash_in = annual["collections"] + annual.get("recovery", 0.0)
        a1.plot(annual.index, cash_in, "k.-", label="collections (+ foreclosure sales)")
        held = (df["reserve"] + df["trap"]).groupby(year).last()
        a1.plot(held.index, held.to_numpy(), "k--", label="reserve + trapped (balance)")
        a1.set_xlabel("year")
        a1.set_ylabel("USD bn per year (path mean)")
        a1.set_title("Waterfall: where collections go")
        a1.legend(fontsize=7, ncol=2)
        fig.tight_layout()
        return fig

    def to_dict(self) -> dict[str, Any]:
        return {
            "deal": self.deal_id,
            "name": self.deal_name,
            "n_paths": self.n_paths,
            "periods_per_year": self.periods_per_year,
            "gpu_life": self.gpu_life,
            "tranches": [t.to_dict() for t in self.tranches],
            "lease_outcomes": self.lease_outcomes,
            "refinancing": self.refinancing,
            "max_conservation_error": self.max_conservation_error,
            "notes": list(self.notes),
            "provenance": self.provenance.to_dict(),
        }


def _coupon(t: Tranche, spec: CreditRunSpec) -> float:
    if t.coupon is not None:
        return float(t.coupon)
    return spec.risk_free + float(t.spread_bp or 0.0) / 1e4


def run_deal(
    deal: Deal,
    spec: CreditRunSpec | None = None,
    *,
    rating_table: IdealizedTable | None = None,
    default_times: Mapping[str, npt.ArrayLike] | None = None,
    stress_times: Mapping[str, npt.ArrayLike] | None = None,
    market_shock: npt.ArrayLike | None = None,
) -> CreditResult:
    """Simulate ``deal`` under ``spec``; see the module docstring.

    Parameters
    ----------
    deal, spec
        The deal and the engine settings.
    rating_table
        Idealized-EL table (default: ``spec.rating_table`` or the shipped 10-year row).
    default_times, stress_times
        Per-tenant arrays of length ``spec.n_paths`` (years from the deal start; ``inf`` =
        never) that replace the copula's draws for those tenants: the hook through which the
        cascade feeds its own tenant defaults and stress into the waterfall.
    market_shock
        Per-path market-rent multiplier (length ``n_paths``) replacing the lognormal shock.

    Raises :class:`InputError` if the deal fails :func:`check_deal` or an override is malformed.
    """
    spec = spec or CreditRunSpec()
    check_deal(deal, spec)
    overrides: dict[str, dict[str, FloatArray]] = {"default": {}, "stress": {}}
    for kind, given in (("default", default_times), ("stress", stress_times)):
        for tenant, arr in (given or {}).items():
            a = np.asarray(arr, dtype=np.float64)
            if tenant not in {ls.tenant for ls in deal.leases}:
                raise InputError(
                    f"deal {deal.id!r}: no lease to tenant {tenant!r}", field=f"{kind}_times"
                )
            if a.shape != (spec.n_paths,) or np.isnan(a).any():
                raise InputError(
                    f"deal {deal.id!r}: {kind}_times[{tenant!r}] must be {spec.n_paths} "
                    "numbers (years; inf = never)",
                    field=f"{kind}_times",
                )
            overrides[kind][tenant] = a
    shock = None
    if market_shock is not None:
        shock = np.asarray(market_shock, dtype=np.float64)
        if shock.shape != (spec.n_paths,) or not np.all(np.isfinite(shock)) or (shock < 0).any():
            raise InputError(
                f"deal {deal.id!r}: market_shock must be {spec.n_paths} non-negative numbers",
                field="market_shock",
            )
    freq = spec.frequency or deal.payment_frequency
    f = {"monthly": 12, "quarterly": 4, "semiannual": 2}[freq]
    start = _deal_start(deal, spec)
    s_year = _years(start) if start is not None else 0.0
    debt = _debt_tranches(deal)
    equity = [t for t in deal.tranches if t.amortisation is AmortisationKind.equity]
    notes: list[str] = []
    if spec.allow_short_leases:
        notes.append("allow_short_leases: leases ending before the bonds end in a facility sale")
    finals = [(_years(t.maturity) - s_year) for _, t in debt if t.maturity is not None]
    lease_end = _lease_end_years(deal, s_year)
    refis = [_refinancing(t, s_year, lease_end, f) for _, t in debt]
    refi_ends = [r.years + r.term_years for r in refis if r is not None and r.term_years > 0]
    if spec.horizon_years is not None:
        horizon = spec.horizon_years
        if finals and horizon < max(finals) - 1e-9:
            msg = "horizon ends before a legal final: balances left then are counted as losses"
            notes.append(msg)
            warnings.warn(f"deal {deal.id!r}: {msg}", HorizonWarning, stacklevel=2)
    else:
        horizon = max(finals + refi_ends) if finals or refi_ends else 20.0
        if not finals and not refi_ends:
            notes.append(
                "no legal final given: 20-year horizon; balances left then count as losses"
            )
    n_t = max(1, math.ceil(horizon * f - 1e-9))
    t_end = (np.arange(n_t) + 1.0) / f
    classes: list[DebtClass] = []
    debt_sched = np.zeros(n_t)
    for (_, t), refi in zip(debt, refis, strict=True):
        cpn = _coupon(t, spec)
        mat = math.ceil((_years(t.maturity) - s_year) * f - 1e-9) - 1 if t.maturity else n_t - 1
        ard = math.ceil((_years(t.ard) - s_year) * f - 1e-9) if t.ard else None
        if t.amortisation is AmortisationKind.amortising:
            sched = level_payment_schedule(float(t.notional), cpn, mat + 1, f, n_t)
        else:
            sched = np.zeros(n_t)
        step_up = float(t.ard_step_up_bp or 0.0) / 1e4
        n_ref = round(refi.term_years * f) if refi is not None else 0
        sched_bal = float(t.notional) - np.concatenate([[0.0], np.cumsum(sched)[:-1]])
        if refi is not None and n_ref > 0 and refi.at + 1 < n_t:
            # scheduled balance (RVG strike): the balance at the test re-amortised
            b_ref = float(t.notional) - float(sched[: refi.at + 1].sum())
            new = level_payment_schedule(b_ref, cpn + step_up, n_ref, f, n_t - refi.at - 1)
            sched_bal[refi.at + 1 :] = b_ref - np.concatenate([[0.0], np.cumsum(new)[:-1]])
        debt_sched += np.maximum(sched_bal, 0.0)
        classes.append(
            DebtClass(
                name=t.id,
                notional=float(t.notional),
                coupon=cpn,
                scheduled_principal=sched,
                maturity=mat,
                ard=ard,
                pik_below_trigger=t.pik_below_trigger,
                step_up=step_up,
                refinance_at=refi.at if refi is not None else None,
                refinance_ltv_max=refi.ltv_max if refi is not None else None,
                refinance_periods=n_ref,
            )
        )
    any_refi = any(r is not None for r in refis)
    value = facility_value_fraction(deal.facility, t_end, gpu_life=spec.gpu_life)
    mkt = np.ones(n_t)
    if spec.market_rent_path:
        path = np.asarray(spec.market_rent_path, dtype=np.float64)
        mkt = path[np.clip(np.floor(t_end - 1e-9).astype(int), 0, path.size - 1)]
    tenants = sorted({ls.tenant for ls in deal.leases})
    pd_t = np.array([spec.tenant_pd_by_id.get(tn, spec.tenant_pd) for tn in tenants])
    lam = -np.log1p(-pd_t)
    total_rent = sum(float(ls.annual_rent) for ls in deal.leases) or 1.0
    trig = deal.triggers
    fee_rate = float(deal.senior_fees or 0.0)
    disc = np.array(
        [
            spec.risk_free
            + (
                spec.price_spread_bp
                if spec.price_spread_bp is not None
                else float(t.spread_bp or 0.0)
            )
            / 1e4
            if (t.spread_bp is not None or spec.price_spread_bp is not None)
            else cl.coupon
            for (_, t), cl in zip(debt, classes, strict=True)
        ]
    )
    n_chunks = max(1, math.ceil(spec.n_paths / spec.chunk_size))
    children = np.random.SeedSequence(spec.seed).spawn(n_chunks)

    def one_chunk(ci: int) -> tuple[WaterfallOutput, FloatArray, float]:
        child = children[ci]
        exit_counts = np.zeros(len(EXIT_NAMES))
        reneg = 0.0
        m = min(spec.chunk_size, spec.n_paths - ci * spec.chunk_size)
        rng = np.random.default_rng(child)
        u, y = correlated_uniforms(rng, m, len(tenants), spec.rho, kind=spec.copula, nu=spec.nu)
        with np.errstate(divide="ignore"):
            tau = -np.log1p(-u) / lam[None, :]
        stress = tau / spec.stress_multiple
        lo = ci * spec.chunk_size
        for j, tn in enumerate(tenants):
            if tn in overrides["default"]:
                tau[:, j] = overrides["default"][tn][lo : lo + m]
                if tn not in overrides["stress"]:
                    stress[:, j] = tau[:, j] / spec.stress_multiple
            if tn in overrides["stress"]:
                stress[:, j] = np.minimum(overrides["stress"][tn][lo : lo + m], tau[:, j])
        vol = spec.market_rent_vol
        path_mult = shock[lo : lo + m] if shock is not None else np.exp(vol * y - 0.5 * vol * vol)
        market = LeaseMarket(
            periods_per_year=f,
            value_fraction=value,
            market_multiplier=mkt,
            path_multiplier=path_mult,
            debt_schedule=debt_sched,
            facility_cost=float(deal.facility.cost),
            market_growth=spec.market_rent_growth,
            walk_away_ratio=spec.walk_away_ratio,
            renegotiate_ratio=spec.renegotiate_ratio,
            rent_haircut=spec.rent_haircut,
            liquidation_cost=spec.liquidation_cost,
            recovery_lag_months=spec.recovery_lag_months,
            rent_value_elasticity=spec.rent_value_elasticity,
        )
        # period-major memory (views as paths x periods): the waterfall reads one period at a time
        coll = np.zeros((n_t, m)).T
        prepay = np.zeros((n_t, m)).T
        in_force = np.ones((m, n_t), dtype=bool)  # every lease in force through the period
        held = np.zeros((m, n_t))  # share of the facility not yet sold after a lease exit
        for ls in deal.leases:
            j = tenants.index(ls.tenant)
            off = _years(ls.start) - s_year if (ls.start and start) else 0.0
            lf = simulate_lease(
                ls,
                offset_years=off,
                share=float(ls.annual_rent) / total_rent,
                n_periods=n_t,
                default_time=tau[:, j],
                stress_time=stress[:, j],
                market=market,
                collections=coll,
                prepayments=prepay,
            )
            exit_counts += np.bincount(lf.exit_reason, minlength=len(EXIT_NAMES))
            if any_refi:
                live = lf.exit_time[:, None] >= t_end[None, :] - 1e-9
                in_force &= live
                held += (float(ls.annual_rent) / total_rent) * live
            reneg += float(lf.renegotiated.sum())
        collateral = (
            float(deal.facility.cost) * (value * mkt)[:, None] * np.minimum(path_mult, 1.0)[None, :]
        ).T
        recovery_value = collateral * held * (1.0 - spec.liquidation_cost) if any_refi else None
        out = run_waterfall(
            coll,
            collateral,
            classes,
            periods_per_year=f,
            fee_rate=fee_rate,
            dscr_trap=trig.dscr_trap if trig else None,
            ltv_max=trig.ltv_max if trig else None,
            reserve_months=trig.reserve_months if trig else None,
            principal=spec.principal,
            discount_rates=disc,
            prepayments=prepay,
            performing=in_force if any_refi else None,
            recovery_value=recovery_value,
        )
        return out, exit_counts, reneg

    if spec.n_jobs > 1 and n_chunks > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=spec.n_jobs) as pool:
            parts = list(pool.map(one_chunk, range(n_chunks)))
    else:
        parts = [one_chunk(ci) for ci in range(n_chunks)]
    outs = [pt[0] for pt in parts]
    exit_counts = sum((pt[1] for pt in parts), np.zeros(len(EXIT_NAMES)))
    reneg = sum(pt[2] for pt in parts)
    weights = np.array([o.loss.shape[0] for o in outs], dtype=np.float64)
    weights /= weights.sum()
    mean_flows: dict[str, Any] = {
        k: sum(w * o.mean_flows[k] for w, o in zip(weights, outs, strict=True))
        for k in outs[0].mean_flows
    }
    mean_flows["_debt_ids"] = np.array([cl.name for cl in classes])
    loss = np.concatenate([o.loss for o in outs])
    pv = np.concatenate([o.pv for o in outs])
    eq_paid = np.concatenate([o.equity_paid for o in outs])
    table = rating_table or load_idealized_table(spec.rating_table)
    metrics: list[TrancheMetrics] = []
    losses: dict[str, FloatArray] = {}
    for k, ((_, t), cl) in enumerate(zip(debt, classes, strict=True)):
        x = loss[:, k]
        prin = mean_flows["principal"][:, k]
        wal = float((t_end * prin).sum() / prin.sum()) if prin.sum() > 0 else float(horizon)
        el = float(x.mean())
        rating = implied_rating(el, wal, table)
        metrics.append(
            _metrics(
                t,
                cl.coupon,
                x,
                wal,
                100.0 * float(pv[:, k].mean()) / cl.notional,
                rating.rating,
                rating.note,
            )
        )
        losses[t.id] = x
    eq_notional = sum(float(t.notional) for t in equity)
    for t in equity:
        share = float(t.notional) / eq_notional if eq_notional else 0.0
        x = (
            np.clip(1.0 - share * eq_paid / float(t.notional), 0.0, 1.0)
            if t.notional
            else np.zeros_like(eq_paid)
        )
        metrics.append(
            _metrics(
                t,
                None,
                x,
                float("nan"),
                float("nan"),
                "-",
                "equity: loss = 1 - distributions / notional (undiscounted)",
            )
        )
        losses[t.id] = x
    metrics.sort(key=lambda mt: -mt.attach)
    total_leases = exit_counts.sum()
    outcomes = {EXIT_NAMES[i]: float(exit_counts[i] / total_leases) for i in range(len(EXIT_NAMES))}
    outcomes["renegotiated"] = float(reneg / total_leases)
    refinancing: dict[str, float] = {}
    if any_refi:
        refinanced = np.concatenate([o.refinanced for o in outs])
        for k, ((_, t), refi) in enumerate(zip(debt, refis, strict=True)):
            if refi is not None:
                refinancing[f"{t.id} refinanced"] = float(refinanced[:, k].mean())
        refinancing["foreclosed"] = float(np.concatenate([o.foreclosed for o in outs]).mean())
    if not table.full_grid:
        notes.append(
            "implied ratings use the 10-year idealized EL row scaled by min(WAL, 10)/10 "
            "(an approximation); "
            "supply a full 1-10y table via rating_table"
        )
    spec_dict = spec.model_dump()
    prov = Provenance(
        spec=spec_dict, seed=spec.seed, data_hash=stable_hash(deal.model_dump(mode="json"))
    )
    return CreditResult(
        deal_id=deal.id,
        deal_name=deal.name,
        tranches=tuple(metrics),
        losses=losses,
        period_years=t_end,
        mean_flows=mean_flows,
        lease_outcomes=outcomes,
        n_paths=spec.n_paths,
        periods_per_year=f,
        gpu_life=spec.gpu_life,
        max_conservation_error=max(o.max_conservation_error for o in outs),
        notes=tuple(notes),
        provenance=prov,
        refinancing=refinancing,
    )


def _metrics(
    t: Tranche,
    coupon: float | None,
    x: FloatArray,
    wal: float,
    price: float,
    rating: str,
    note: str | None,
) -> TrancheMetrics:
    el = float(x.mean())
    pdv = float((x > 1e-9).mean())
    q = np.quantile(x, [0.95, 0.99, 0.999])
    return TrancheMetrics(
        id=t.id,
        name=t.name,
        attach=float(t.attach),
        detach=float(t.detach),
        notional=float(t.notional),
        coupon=coupon,
        stated_rating=t.rating,
        expected_loss=el,
        el_std_error=float(x.std(ddof=1) / math.sqrt(x.size)) if x.size > 1 else float("nan"),
        pd=pdv,
        lgd=el / pdv if pdv > 0 else 0.0,
        wal=wal,
        loss_q95=float(q[0]),
        loss_q99=float(q[1]),
        loss_q999=float(q[2]),
        price=price,
        implied_rating=rating,
        implied_rating_sp=sp_equivalent(rating) if rating != "-" else "-",
        rating_note=note,
    )
