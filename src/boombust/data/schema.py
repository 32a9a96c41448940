"""The sourced-network dataset schema (pydantic v2, ``extra="forbid"``, frozen).

A dataset is one YAML file, or a folder of CSVs with the same tables, holding the
tables ``sources``, ``institutions``, ``assets``, ``holdings``, ``obligations``,
``commitments``, ``deals`` and ``macro``. Money is in USD billions, time in years,
rates as decimals.

Every number carries provenance. A record (one row) may name ``source`` (a source
id, or a list of ids) or ``assumption`` ("why this value"), which covers every
number in the row and in its nested parts; a single number may instead be written
``{value: 27.3, source: hyperion-bond}`` or ``{value: 0.2, assumption: "why"}``.
Nested parts (a deal's leases and tranches, an institution's balance sheet) inherit
their parent's provenance. :func:`boombust.data.validate.check_dataset` enforces it.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from boombust.data.ratings import normalise

__all__ = [
    "RECORD_TABLES",
    "TABLES",
    "AmortisationKind",
    "AmountBasis",
    "Asset",
    "AssetClass",
    "BalanceSheet",
    "Behaviour",
    "Commitment",
    "CommitmentStatus",
    "CommitmentType",
    "Confidence",
    "CurveMethod",
    "CurvePoint",
    "Dataset",
    "DatasetMeta",
    "Deal",
    "Facility",
    "FieldSource",
    "Holding",
    "Income",
    "Institution",
    "InstitutionKind",
    "Lease",
    "MacroFigure",
    "Obligation",
    "ObligationKind",
    "Record",
    "Renewal",
    "ResidualValueGuarantee",
    "Seniority",
    "Source",
    "Tranche",
    "Triggers",
    "ValueCurve",
    "ValueCurves",
    "iter_records",
]


class _Sourced:
    """Marker in ``Annotated`` metadata: this number needs a source or an assumption."""

    def __repr__(self) -> str:
        return "SOURCED"


SOURCED = _Sourced()

Id = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9_.:-]*$")]
PartialDate = Annotated[str, Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")]

Money = Annotated[float, Field(ge=0, allow_inf_nan=False), SOURCED]
"""A non-negative amount in USD billions."""
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False), SOURCED]
Rate = Annotated[float, Field(ge=-1, le=10, allow_inf_nan=False), SOURCED]
Years = Annotated[float, Field(gt=0, le=200, allow_inf_nan=False), SOURCED]
Price = Annotated[float, Field(gt=0, allow_inf_nan=False), SOURCED]
Ratio = Annotated[float, Field(ge=0, allow_inf_nan=False), SOURCED]
Real = Annotated[float, Field(allow_inf_nan=False), SOURCED]
Count = Annotated[int, Field(ge=0), SOURCED]


class Confidence(StrEnum):
    confirmed = "confirmed"
    secondary = "secondary"
    unverified = "unverified"
    assumption = "assumption"


class InstitutionKind(StrEnum):
    chipmaker = "chipmaker"
    ai_lab = "ai_lab"
    hyperscaler = "hyperscaler"
    neocloud = "neocloud"
    tech = "tech"
    developer = "developer"
    spv = "spv"
    private_credit = "private_credit"
    private_equity = "private_equity"
    asset_manager = "asset_manager"
    hedge_fund = "hedge_fund"
    insurer = "insurer"
    pension = "pension"
    mutual_fund = "mutual_fund"
    bank = "bank"
    broker_dealer = "broker_dealer"
    retail = "retail"
    sovereign = "sovereign"
    household = "household"
    nonfinancial = "nonfinancial"


class AssetClass(StrEnum):
    equity = "equity"
    private_equity = "private_equity"
    ig_bond = "ig_bond"
    hy_bond = "hy_bond"
    abs_tranche = "abs_tranche"
    cmbs = "cmbs"
    private_loan = "private_loan"
    consumer_credit = "consumer_credit"
    treasury = "treasury"
    cash = "cash"
    other = "other"


class ObligationKind(StrEnum):
    loan = "loan"
    term_loan = "term_loan"
    construction_loan = "construction_loan"
    credit_line = "credit_line"
    prime_brokerage = "prime_brokerage"
    repo = "repo"
    bond = "bond"
    funding_agreement = "funding_agreement"
    deposit = "deposit"
    other = "other"


class Seniority(StrEnum):
    secured = "secured"
    senior = "senior"
    subordinated = "subordinated"


class CommitmentType(StrEnum):
    compute = "compute"
    chips = "chips"
    lease = "lease"
    equity = "equity"
    equity_pledge = "equity_pledge"
    warrant = "warrant"
    backstop = "backstop"
    jv = "jv"


class CommitmentStatus(StrEnum):
    letter_of_intent = "letter_of_intent"
    definitive = "definitive"
    reported = "reported"
    completed = "completed"


class AmountBasis(StrEnum):
    firm = "firm"
    up_to = "up_to"
    estimate = "estimate"


class CurveMethod(StrEnum):
    straight_line = "straight_line"
    declining_balance = "declining_balance"
    rental_decay = "rental_decay"


class AmortisationKind(StrEnum):
    bullet = "bullet"
    amortising = "amortising"
    io_to_ard = "io_to_ard"
    equity = "equity"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class FieldSource(_Frozen):
    """Provenance of one number written as ``{value: ..., source: ...}``."""

    source: str | list[str] | None = None
    assumption: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> FieldSource:
        if self.source is None and self.assumption is None:
            raise ValueError("a sourced value needs `source` (an id) or `assumption` (why)")
        return self


def _has_sourced_marker(annotation: Any) -> bool:
    """True if ``annotation`` is (an optional of) an ``Annotated`` type marked SOURCED."""
    if get_origin(annotation) is Annotated:
        return any(isinstance(m, _Sourced) for m in get_args(annotation)[1:])
    return any(_has_sourced_marker(arg) for arg in get_args(annotation))


_VALUE_FORM_KEYS = frozenset({"value", "source", "assumption", "note"})


class Record(_Frozen):
    """A row whose numbers carry provenance (see the module docstring)."""

    source: str | list[str] | None = None
    assumption: str | None = None
    field_sources: dict[str, FieldSource] = Field(default_factory=dict, exclude=True, repr=False)

    _sourced_fields: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._sourced_fields = frozenset(
            name
            for name, info in cls.model_fields.items()
            if any(isinstance(m, _Sourced) for m in info.metadata)
            or _has_sourced_marker(info.annotation)
        )

    @model_validator(mode="before")
    @classmethod
    def _split_value_forms(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if "field_sources" in data:
            raise ValueError(
                "`field_sources` is not an input field; write a sourced number as "
                "{value: ..., source: ...}"
            )
        out: dict[str, Any] = {}
        found: dict[str, Any] = {}
        for key, value in data.items():
            if (
                key in cls._sourced_fields
                and isinstance(value, dict)
                and "value" in value
                and set(value) <= _VALUE_FORM_KEYS
            ):
                out[key] = value["value"]
                found[key] = {k: v for k, v in value.items() if k in ("source", "assumption")}
            else:
                out[key] = value
        out["field_sources"] = found
        return out

    @field_validator("source")
    @classmethod
    def _nonempty_source(cls, v: str | list[str] | None) -> str | list[str] | None:
        if isinstance(v, list) and not v:
            raise ValueError("empty source list; name at least one source id or drop the field")
        return v

    def source_ids(self) -> list[str]:
        """Source ids named by the row and by its individual numbers."""
        ids: list[str] = []
        for ref in [self.source, *(fs.source for fs in self.field_sources.values())]:
            if ref is None:
                continue
            ids.extend([ref] if isinstance(ref, str) else ref)
        return ids

    def number_fields(self) -> Iterator[tuple[str, float | int]]:
        """(name, value) of every sourced number written in the input (defaults need none)."""
        for name in sorted(self._sourced_fields & self.model_fields_set):
            value = getattr(self, name)
            if value is not None:
                yield name, value

    def provenance_of(self, name: str) -> FieldSource | None:
        """Field-level provenance if written in value form, else the row's, else ``None``."""
        if name in self.field_sources:
            return self.field_sources[name]
        if self.source is not None or self.assumption is not None:
            return FieldSource(source=self.source, assumption=self.assumption)
        return None


def _rating(v: str | None) -> str | None:
    if v is None:
        return None
    try:
        return normalise(v)
    except KeyError:
        raise ValueError(
            f"unknown rating {v!r}; use an S&P/Fitch (AAA … D), Moody's (Aaa … C) "
            "or DBRS (e.g. 'A (low)') symbol"
        ) from None


class Source(_Frozen):
    """A public source (or an explicit assumption) that numbers cite by ``id``."""

    id: Id
    title: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    date: PartialDate | None = None
    confidence: Confidence
    note: str | None = None

    @model_validator(mode="after")
    def _url_unless_assumption(self) -> Source:
        if self.url is None and self.confidence is not Confidence.assumption:
            raise ValueError(
                "a public source needs a `url`; mark it confidence: assumption if none"
            )
        return self


class BalanceSheet(Record):
    """Assets = liabilities + equity, within the dataset's stated tolerance."""

    total_assets: Money
    total_liabilities: Money | None = None
    equity: Real
    liquid_assets: Money | None = None
    market_cap: Money | None = None
    as_of: PartialDate | None = None


class Income(Record):
    """Annual flows (USD bn per year)."""

    revenue: Money | None = None
    ai_revenue: Money | None = None
    operating_cash_flow: Real | None = None
    capex: Money | None = None
    net_income: Real | None = None
    period: str | None = None


class Behaviour(Record):
    """Behaviour parameters for the cascade's forced-selling rules."""

    leverage_max: Ratio | None = Field(
        default=None, description="assets/equity that triggers sales"
    )
    leverage_target: Ratio | None = Field(default=None, description="assets/equity sold back to")
    min_rating: str | None = Field(default=None, description="worst rating held without a charge")
    below_min_rating_charge: Fraction | None = Field(
        default=None, description="capital charge on paper below min_rating, as a fraction"
    )
    redemption_sensitivity: Ratio | None = Field(
        default=None, description="outflow per unit of negative return (funds)"
    )

    _check_rating = field_validator("min_rating")(classmethod(lambda cls, v: _rating(v)))


class Institution(Record):
    id: Id
    name: str = Field(min_length=1)
    kind: InstitutionKind
    sector: str | None = Field(default=None, description="aggregation sector; defaults to kind")
    country: str | None = None
    ticker: str | None = None
    aggregate: bool = Field(default=False, description="a whole sector modelled as one holder")
    balance_sheet: BalanceSheet
    income: Income | None = None
    behaviour: Behaviour | None = None
    note: str | None = None

    @property
    def sector_name(self) -> str:
        return self.sector or self.kind.value


class Asset(Record):
    id: Id
    name: str = Field(min_length=1)
    asset_class: AssetClass
    issuer: Id | None = None
    deal: Id | None = None
    price: Price = 1.0
    rating: str | None = None
    outstanding: Money | None = Field(default=None, description="market value outstanding")
    market_depth: Money | None = Field(
        default=None, description="USD bn sold that moves the price by 100% (linear impact)"
    )
    ai_beta: Real | None = Field(default=None, description="price elasticity to the AI shock")
    consumer_beta: Real | None = Field(default=None, description="elasticity to consumer shock")
    note: str | None = None

    _check_rating = field_validator("rating")(classmethod(lambda cls, v: _rating(v)))


class Holding(Record):
    holder: Id
    asset: Id = Field(description="an asset id or a deal tranche id")
    amount: Money = Field(description="market value held, USD bn")
    note: str | None = None


class Obligation(Record):
    id: Id
    debtor: Id
    creditor: Id
    amount: Money
    kind: ObligationKind
    seniority: Seniority = Seniority.senior
    rate: Rate | None = None
    maturity: PartialDate | None = None
    asset: Id | None = Field(default=None, description="traded security that embodies it")
    note: str | None = None


class Commitment(Record):
    """One edge of the circular-deal graph: ``payer`` promises ``amount`` to ``payee``."""

    id: Id
    edge: int | None = Field(default=None, ge=1, description="row of the facts table")
    payer: Id
    payee: Id
    type: CommitmentType
    amount: Money
    amount_basis: AmountBasis = AmountBasis.firm
    start: PartialDate | None = None
    years: Years | None = None
    announced: PartialDate | None = None
    status: CommitmentStatus = CommitmentStatus.reported
    conditions: str | None = None
    return_leg: Id | None = Field(default=None, description="commitment flowing back")
    note: str | None = None

    @property
    def annual_amount(self) -> float:
        """Amount per year (the total if no schedule is given)."""
        return self.amount / self.years if self.years else self.amount


class CurvePoint(_Frozen):
    years: float = Field(ge=0, allow_inf_nan=False)
    value: float = Field(ge=0, allow_inf_nan=False, description="relative to the value at 0")


class ValueCurve(Record):
    method: CurveMethod
    useful_life: Years
    salvage: Fraction = 0.0
    rate_multiple: Ratio | None = Field(
        default=None, description="declining balance: rate = multiple / useful_life"
    )
    points: list[CurvePoint] | None = Field(
        default=None, description="rental_decay: empirical relative rental prices by age"
    )

    @model_validator(mode="after")
    def _points_for_rental_decay(self) -> ValueCurve:
        if self.method is CurveMethod.rental_decay and not self.points:
            raise ValueError("rental_decay needs `points` (years, value) from a rental-price path")
        if self.points:
            ys = [p.years for p in self.points]
            if ys != sorted(ys) or len(set(ys)) != len(ys):
                raise ValueError("curve `points` must have strictly increasing `years`")
        return self


class ValueCurves(_Frozen):
    shell: ValueCurve
    power: ValueCurve
    it: ValueCurve


class Facility(Record):
    cost: Money
    shell_share: Fraction
    power_share: Fraction
    it_share: Fraction
    capacity_mw: Ratio | None = None
    completion: PartialDate | None = None
    curves: ValueCurves

    @model_validator(mode="after")
    def _shares_add_up(self) -> Facility:
        total = self.shell_share + self.power_share + self.it_share
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"shell_share + power_share + it_share = {total:.6g}; they must add up to 1"
            )
        return self


class Renewal(Record):
    options: Count
    term_years: Years


class ResidualValueGuarantee(Record):
    cap: Money = Field(description="maximum payment, USD bn")
    years: Years = Field(description="years of operation the guarantee covers")


class Lease(Record):
    tenant: Id
    annual_rent: Money
    start: PartialDate | None = None
    term_years: Years
    escalator: Rate = 0.0
    renewal: Renewal | None = None
    early_termination_fee_years: Ratio | None = Field(
        default=None, description="fee in years of rent if the tenant terminates early"
    )
    triple_net: bool = True
    rvg: ResidualValueGuarantee | None = None


class Tranche(Record):
    """A class of the capital structure; attach/detach as fractions of total capital."""

    id: Id
    name: str = Field(min_length=1)
    attach: Fraction
    detach: Fraction
    notional: Money
    coupon: Rate | None = None
    spread_bp: Ratio | None = None
    rating: str | None = None
    amortisation: AmortisationKind = AmortisationKind.amortising
    maturity: PartialDate | None = None
    ard: PartialDate | None = None
    pik_below_trigger: bool = False
    ard_step_up_bp: Ratio | None = Field(
        default=None,
        description="coupon step-up (bp a year) from the ARD and on a refinanced balance",
    )
    refinance_date: PartialDate | None = Field(
        default=None,
        description="date of the refinancing test (default: `maturity`; construction loans: "
        "the facility's completion)",
    )
    refinance_ltv_max: Fraction | None = Field(
        default=None,
        description="refinance the balance outstanding at the refinancing date if debt up to "
        "this class / collateral value is at most this and every lease is in force; "
        "otherwise the deal defaults with recovery from the collateral",
    )
    refinance_term_years: Years | None = Field(
        default=None,
        description="term of the refinanced level-payment loan (default: the remaining "
        "scheduled lease term, renewals included)",
    )

    _check_rating = field_validator("rating")(classmethod(lambda cls, v: _rating(v)))

    @model_validator(mode="after")
    def _attach_below_detach(self) -> Tranche:
        if not self.attach < self.detach:
            raise ValueError(f"attach {self.attach} must be below detach {self.detach}")
        if self.refinance_ltv_max is None and (
            self.refinance_date is not None or self.refinance_term_years is not None
        ):
            raise ValueError(
                "refinance_date / refinance_term_years need `refinance_ltv_max` "
                "(the LTV limit of the refinancing test)"
            )
        return self


class Triggers(Record):
    dscr_trap: Ratio | None = None
    ltv_max: Fraction | None = None
    reserve_months: Ratio | None = None


class Deal(Record):
    """A data-centre SPV: facility, value curves, leases, tranches (holders via holdings)."""

    id: Id
    name: str = Field(min_length=1)
    spv: Id
    sponsors: list[Id] = Field(default_factory=list)
    location: str | None = None
    facility: Facility
    leases: list[Lease] = Field(min_length=1)
    tranches: list[Tranche] = Field(min_length=1)
    triggers: Triggers | None = None
    senior_fees: Rate | None = Field(default=None, description="annual fees, fraction of debt")
    payment_frequency: Literal["monthly", "quarterly", "semiannual"] = "quarterly"
    note: str | None = None

    @property
    def capital(self) -> float:
        return float(sum(t.notional for t in self.tranches))


class MacroFigure(Record):
    id: Id
    name: str = Field(min_length=1)
    value: Real
    unit: str = Field(min_length=1)
    date: PartialDate | None = None
    note: str | None = None


class DatasetMeta(_Frozen):
    name: Id
    title: str
    description: str | None = None
    as_of: PartialDate
    currency: Literal["USD bn"] = "USD bn"
    balance_sheet_tolerance: float = Field(
        default=0.02,
        ge=0,
        le=0.5,
        description="|assets - (liabilities + equity)| <= tolerance x assets",
    )


class Dataset(_Frozen):
    """The whole sourced network; see :func:`boombust.data.load_dataset`."""

    meta: DatasetMeta
    sources: list[Source] = Field(default_factory=list)
    institutions: list[Institution] = Field(default_factory=list)
    assets: list[Asset] = Field(default_factory=list)
    holdings: list[Holding] = Field(default_factory=list)
    obligations: list[Obligation] = Field(default_factory=list)
    commitments: list[Commitment] = Field(default_factory=list)
    deals: list[Deal] = Field(default_factory=list)
    macro: list[MacroFigure] = Field(default_factory=list)


TABLES: tuple[str, ...] = (
    "sources",
    "institutions",
    "assets",
    "holdings",
    "obligations",
    "commitments",
    "deals",
    "macro",
)
"""Table names in dependency order."""

RECORD_TABLES: tuple[str, ...] = TABLES[1:]
"""The tables whose rows are sourced :class:`Record` s (every table but ``sources``)."""


def iter_records(ds: Dataset) -> Iterator[tuple[str, int, Record]]:
    """``(table, row index, record)`` for every row of every record table."""
    for table in RECORD_TABLES:
        for i, row in enumerate(getattr(ds, table)):
            yield table, i, row
