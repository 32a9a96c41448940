"""Scenario specifications: shocks and behaviour parameters, each fixed or a distribution.

A scenario is a YAML file validated by frozen pydantic models (``extra="forbid"``)::

    name: ai-bust
    title: The AI bust
    impact: exponential          # linear (GLT 2015) | exponential (Cont-Schaanning)
    deleveraging: threshold      # threshold (Cont-Schaanning) | target (GLT)
    parameters:
      revenue_shortfall: {dist: beta, a: 5, b: 5, reason: "..."}
      gpu_life: {value: 3, source: "..."}
    asset_class_shocks:          # optional extra price falls by asset class
      consumer_credit: {dist: uniform, low: 0.0, high: 0.05, reason: "..."}
    institution_overrides:       # optional behaviour overrides by institution id
      hedge-funds: {leverage_max: 5}

Every parameter has a default (:data:`PARAMETERS`) so a user scenario names only what it
changes. A parameter is a number, or a mapping with ``dist`` one of ``fixed``, ``normal``,
``lognormal``, ``beta``, ``uniform``, ``triangular``, ``empirical``; impossible arguments
and values outside a parameter's range are errors naming the file, line and field.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from boombust.data._locate import Locator, issues_from_validation_error, load_yaml_with_lines
from boombust.errors import Issue, SpecError

__all__ = [
    "BUNDLED_SCENARIOS",
    "PARAMETERS",
    "Distribution",
    "InstitutionOverride",
    "ParameterInfo",
    "Scenario",
    "bundled_scenarios",
    "load_scenario",
    "sample",
]


@dataclass(frozen=True)
class ParameterInfo:
    """Range, default and meaning of one scenario parameter."""

    low: float
    high: float
    default: float
    unit: str
    meaning: str


PARAMETERS: dict[str, ParameterInfo] = {
    # step 1: demand shock and commitment clearing
    "revenue_shortfall": ParameterInfo(
        0.0, 1.0, 0.0, "fraction", "share of expected end-user AI revenue that does not arrive"
    ),
    "revenue_margin": ParameterInfo(
        0.0,
        1.0,
        0.5,
        "fraction",
        "share of lost AI revenue that reaches equity (the operating margin lost with it)",
    ),
    "commitment_funding_share": ParameterInfo(
        0.0,
        1.0,
        0.25,
        "fraction",
        "share of a firm's non-AI operating cash flow it devotes to honouring AI commitments",
    ),
    "capex_cut_elasticity": ParameterInfo(
        0.0, 5.0, 1.0, "ratio", "AI capex cut (share) per unit share of commitments not honoured"
    ),
    "gdp_usd_bn": ParameterInfo(
        1.0, 1e6, 30000.0, "USD bn", "nominal GDP used for contribution accounting"
    ),
    "gdp_growth": ParameterInfo(
        -0.2, 0.2, 0.02, "rate", "baseline real GDP growth (contribution accounting)"
    ),
    # step 2: equity and credit repricing
    "ai_equity_drawdown": ParameterInfo(
        -1.0, 1.0, 0.0, "fraction", "price fall of an asset with ai_beta = 1"
    ),
    "drawdown_per_shortfall": ParameterInfo(
        0.0,
        5.0,
        0.0,
        "ratio",
        "extra drawdown of an ai_beta = 1 asset per unit of revenue shortfall (elasticity)",
    ),
    "unemployment_rise_pp": ParameterInfo(
        0.0, 25.0, 0.0, "pp", "rise in the unemployment rate (labour displacement)"
    ),
    "consumer_drawdown_per_pp": ParameterInfo(
        0.0, 0.5, 0.04, "fraction/pp", "price fall of a consumer_beta = 1 asset per pp unemployment"
    ),
    "consumer_credit_loss_per_pp": ParameterInfo(
        0.0, 0.2, 0.01, "fraction/pp", "extra loss rate of consumer credit per pp unemployment"
    ),
    # step 3: leases and tranches
    "gpu_life": ParameterInfo(
        0.5,
        20.0,
        20.0,
        "years",
        "economic useful life of the GPUs; the IT curve's life becomes min(accounting, this)",
    ),
    "horizon_years": ParameterInfo(
        0.0, 30.0, 2.0, "years", "age of the facilities when the bust hits (collateral valuation)"
    ),
    "walk_away_base": ParameterInfo(
        0.0, 1.0, 0.0, "probability", "tenant walk-away probability with no stress"
    ),
    "walk_away_stress_sensitivity": ParameterInfo(
        0.0, 20.0, 1.0, "per unit", "walk-away probability per unit of tenant equity lost"
    ),
    "walk_away_value_sensitivity": ParameterInfo(
        0.0, 5.0, 0.0, "per unit", "walk-away probability per unit of GPU value lost vs accounts"
    ),
    "renegotiation_prob": ParameterInfo(
        0.0, 1.0, 0.0, "probability", "probability a staying tenant renegotiates the rent"
    ),
    "rent_haircut": ParameterInfo(
        0.0,
        1.0,
        0.0,
        "fraction",
        "fall in market rent a renegotiating (or leaving) tenant's capacity faces: the rent cut "
        "at its next renewal (waterfall) or now (value model)",
    ),
    "tenant_correlation": ParameterInfo(
        0.0, 0.99, 0.3, "correlation", "one-factor Gaussian copula correlation of tenant decisions"
    ),
    "tenant_copula_df": ParameterInfo(
        0.0,
        100.0,
        0.0,
        "degrees of freedom",
        "0: Gaussian copula for tenant decisions; nu > 0: Student t copula with nu d.o.f.",
    ),
    "discount_rate": ParameterInfo(
        0.0, 0.5, 0.065, "rate", "discount rate of lease cash flows and collateral"
    ),
    # step 4: downgrades and forced selling
    "notches_per_drawdown": ParameterInfo(
        0.0, 100.0, 10.0, "notches", "downgrade notches of a bond per unit price fall (step 2)"
    ),
    "price_drop_per_notch": ParameterInfo(
        0.0, 0.2, 0.01, "fraction", "further price fall of a bond per notch of downgrade"
    ),
    "insurer_sale_fraction": ParameterInfo(
        0.0, 1.0, 0.5, "fraction", "share of below-minimum-rating paper an insurer sells"
    ),
    "leverage_max_scale": ParameterInfo(
        0.05, 10.0, 1.0, "ratio", "multiplies every leverage limit (tighter < 1 < looser)"
    ),
    "redemption_scale": ParameterInfo(
        0.0, 20.0, 1.0, "ratio", "multiplies every fund's redemption sensitivity"
    ),
    # step 5: fire sales
    "price_impact_scale": ParameterInfo(
        0.0, 100.0, 1.0, "ratio", "multiplies every asset's price impact (1 / market depth)"
    ),
    "default_depth_share": ParameterInfo(
        1e-4, 10.0, 0.1, "fraction", "market depth as a share of outstanding when not given"
    ),
    # step 6: defaults
    "default_liquidation_share": ParameterInfo(
        0.0,
        1.0,
        0.25,
        "fraction",
        "share of an unlevered defaulter's marketable holdings dumped (levered ones sell all)",
    ),
    "default_alpha": ParameterInfo(
        0.0, 1.0, 1.0, "fraction", "Rogers-Veraart: share of external assets a defaulter realises"
    ),
    "default_beta": ParameterInfo(
        0.0, 1.0, 1.0, "fraction", "Rogers-Veraart: share of interbank claims a defaulter realises"
    ),
}
"""Every scenario parameter: its range, default, unit and meaning."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Dist(_Frozen):
    reason: str | None = Field(default=None, description="why this value (an assumption)")
    source: str | None = Field(default=None, description="a public source for the value")

    @abstractmethod
    def support(self) -> tuple[float, float]:
        """Smallest and largest value a draw can take."""

    def describe(self) -> str:
        args = self.model_dump(exclude={"reason", "source", "dist"}, exclude_none=True)
        return f"{self.dist}(" + ", ".join(f"{k}={v}" for k, v in args.items()) + ")"  # type: ignore[attr-defined]

    @abstractmethod
    def draw(self, rng: np.random.Generator, n: int) -> NDArray[np.float64]:
        """``n`` draws from ``rng``."""


_Finite = Annotated[float, Field(allow_inf_nan=False)]
_Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class Fixed(_Dist):
    dist: Literal["fixed"] = "fixed"
    value: _Finite

    def support(self) -> tuple[float, float]:
        return self.value, self.value

    def draw(self, rng: np.random.Generator, n: int) -> NDArray[np.float64]:
        return np.full(n, self.value)


class Normal(_Dist):
    """Normal draws, clipped to the parameter's range."""

    dist: Literal["normal"]
    mean: _Finite
    sd: _Positive

    def support(self) -> tuple[float, float]:
        return self.mean, self.mean

    def draw(self, rng: np.random.Generator, n: int) -> NDArray[np.float64]:
        return rng.normal(self.mean, self.sd, n)


class LogNormal(_Dist):
    """``exp(N(log(median), sigma))``, clipped to the parameter's range."""

    dist: Literal["lognormal"]
    median: _Positive
    sigma: _Positive

    def support(self) -> tuple[float, float]:
        return self.median, self.median

    def draw(self, rng: np.random.Generator, n: int) -> NDArray[np.float64]:
        return np.exp(rng.normal(np.log(self.median), self.sigma, n))


class Beta(_Dist):
    """``low + (high - low) * Beta(a, b)``."""

    dist: Literal["beta"]
    a: _Positive
    b: _Positive
    low: _Finite = 0.0
    high: _Finite = 1.0

    @model_validator(mode="after")
    def _order(self) -> Beta:
        if not self.low < self.high:
            raise ValueError(f"beta needs low < high (got low={self.low}, high={self.high})")
        return self

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def draw(self, rng: np.random.Generator, n: int) -> NDArray[np.float64]:
        return self.low + (self.high - self.low) * rng.beta(self.a, self.b, n)


class Uniform(_Dist):
    dist: Literal["uniform"]
    low: _Finite
    high: _Finite

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"uniform needs low < high (got low={self.low}, high={self.high})")
        return self

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def draw(self, rng: np.random.Generator, n: int) -> NDArray[np.float64]:
        return rng.uniform(self.low, self.high, n)


class Triangular(_Dist):
    dist: Literal["triangular"]
    low: _Finite
    mode: _Finite
    high: _Finite

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(
                "triangular needs low <= mode <= high and low < high "
                f"(got {self.low}, {self.mode}, {self.high})"
            )
        return self

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def draw(self, rng: np.random.Generator, n: int) -> NDArray[np.float64]:
        return rng.triangular(self.low, self.mode, self.high, n)


class Empirical(_Dist):
    """Resampling of observed ``values`` (with optional non-negative ``weights``)."""

    dist: Literal["empirical"]
    values: list[_Finite] = Field(min_length=1)
    weights: list[Annotated[float, Field(ge=0, allow_inf_nan=False)]] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Empirical:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"empirical has {len(self.values)} values but {len(self.weights)} weights; "
                    "give one weight per value"
                )
            if sum(self.weights) <= 0:
                raise ValueError("empirical weights must not all be zero")
        return self

    def support(self) -> tuple[float, float]:
        return min(self.values), max(self.values)

    def draw(self, rng: np.random.Generator, n: int) -> NDArray[np.float64]:
        vals = np.asarray(self.values, dtype=float)
        if self.weights is None:
            return vals[rng.integers(0, len(vals), n)]
        w = np.asarray(self.weights, dtype=float)
        return vals[rng.choice(len(vals), size=n, p=w / w.sum())]


Distribution = Annotated[
    Fixed | Normal | LogNormal | Beta | Uniform | Triangular | Empirical,
    Field(discriminator="dist"),
]
"""A parameter: fixed value or one of six distributions (discriminated by ``dist``)."""


def _coerce_param(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return {"dist": "fixed", "value": v}
    if isinstance(v, dict) and "dist" not in v and "value" in v:
        return {"dist": "fixed", **v}
    return v


class InstitutionOverride(_Frozen):
    """Behaviour overrides for one institution (a scenario's leverage limits etc.)."""

    leverage_max: Annotated[float, Field(gt=1, allow_inf_nan=False)] | None = None
    leverage_target: Annotated[float, Field(gt=1, allow_inf_nan=False)] | None = None
    redemption_sensitivity: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    reason: str | None = None


class Scenario(_Frozen):
    """A stress scenario: the shock and behaviour parameters of the cascade.

    Parameters not given take their :data:`PARAMETERS` default.
    """

    name: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str = ""
    description: str = ""
    impact: Literal["linear", "exponential"] = "exponential"
    deleveraging: Literal["threshold", "target"] = "threshold"
    commitment_baseline: Literal["assumed", "today"] = Field(
        default="assumed",
        description="step 1: the revenue shortfall cuts the end-user AI revenue the commitments "
        "assume (shortfall 0 honours everything) or today's AI revenue",
    )
    tranche_model: Literal["waterfall", "value"] = Field(
        default="waterfall",
        description="step 3: the credit engine's period-by-period waterfall (tabulated per run) "
        "or the compact one-horizon value allocation",
    )
    max_rounds: int = Field(
        default=500, ge=1, le=10000, description="cap on rounds of steps 4-6 per path"
    )
    tolerance: float = Field(
        default=1e-7,
        gt=0,
        le=1e-2,
        description="a path is at rest when a round's sales fall below this x all holdings",
    )
    parameters: dict[str, Distribution] = Field(default_factory=dict)
    asset_class_shocks: dict[str, Distribution] = Field(default_factory=dict)
    institution_overrides: dict[str, InstitutionOverride] = Field(default_factory=dict)

    _locator: Locator | None = PrivateAttr(default=None)

    @field_validator("parameters", "asset_class_shocks", mode="before")
    @classmethod
    def _coerce(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: _coerce_param(x) for k, x in v.items()}
        return v

    @model_validator(mode="after")
    def _known_and_in_range(self) -> Scenario:
        for name, dist in self.parameters.items():
            if name not in PARAMETERS:
                known = ", ".join(sorted(PARAMETERS))
                raise ValueError(f"unknown parameter {name!r}; known parameters: {known}")
            info = PARAMETERS[name]
            lo, hi = dist.support()
            if lo < info.low or hi > info.high:
                raise ValueError(
                    f"parameter {name!r}: {dist.describe()} reaches outside its range "
                    f"[{info.low:g}, {info.high:g}] ({info.meaning}); choose values inside it"
                )
        for cls_name, dist in self.asset_class_shocks.items():
            lo, hi = dist.support()
            if lo < -1.0 or hi > 1.0:
                raise ValueError(
                    f"asset_class_shocks {cls_name!r}: a price fall must lie in [-1, 1]"
                )
        return self

    # ------------------------------------------------------------------ helpers
    def parameter(
        self, name: str
    ) -> Fixed | Normal | LogNormal | Beta | Uniform | Triangular | Empirical:
        """The distribution of ``name`` (its default if the scenario does not set it)."""
        if name in self.parameters:
            return self.parameters[name]
        info = PARAMETERS[name]
        return Fixed(value=info.default, reason="package default")

    def with_values(self, **values: float) -> Scenario:
        """A copy with some parameters fixed (used by sensitivity grids)."""
        params = dict(self.parameters)
        for name, value in values.items():
            if name not in PARAMETERS:
                raise SpecError(
                    f"unknown parameter {name!r}; known: {', '.join(sorted(PARAMETERS))}",
                    field=name,
                )
            params[name] = Fixed(value=float(value), reason="sensitivity grid")
        data = self.model_dump()
        data["parameters"] = {k: v.model_dump() for k, v in params.items()}
        try:
            return Scenario.model_validate(data)
        except ValidationError as err:
            raise SpecError(
                [
                    Issue(str(e["msg"]).removeprefix("Value error, "), field="vary")
                    for e in err.errors()
                ]
            ) from None

    def draw(self, rng: np.random.Generator, n: int) -> dict[str, NDArray[np.float64]]:
        """Draw every parameter for ``n`` paths, in a fixed order, clipped to its range."""
        out: dict[str, NDArray[np.float64]] = {}
        for name in PARAMETERS:
            info = PARAMETERS[name]
            out[name] = np.clip(self.parameter(name).draw(rng, n), info.low, info.high)
        for cls_name in sorted(self.asset_class_shocks):
            out[f"shock:{cls_name}"] = np.clip(
                self.asset_class_shocks[cls_name].draw(rng, n), -1.0, 1.0
            )
        return out

    def assumptions(self) -> list[dict[str, str]]:
        """One row per parameter: name, value or distribution, unit, meaning, reason/source."""
        rows = []
        for name, info in PARAMETERS.items():
            d = self.parameter(name)
            rows.append(
                {
                    "parameter": name,
                    "value": d.describe() if not isinstance(d, Fixed) else f"{d.value:g}",
                    "unit": info.unit,
                    "meaning": info.meaning,
                    "source": d.source or d.reason or "",
                }
            )
        for cls_name, d in self.asset_class_shocks.items():
            rows.append(
                {
                    "parameter": f"asset_class_shocks.{cls_name}",
                    "value": d.describe(),
                    "unit": "fraction",
                    "meaning": f"extra price fall of every {cls_name} asset",
                    "source": d.source or d.reason or "",
                }
            )
        return rows


def sample(dist: Distribution, rng: np.random.Generator, n: int) -> NDArray[np.float64]:
    """Draw ``n`` values of one distribution (no clipping)."""
    return dist.draw(rng, n)


BUNDLED_SCENARIOS = ("ai-bust", "ai-success")


def bundled_scenarios() -> list[str]:
    return list(BUNDLED_SCENARIOS)


def _scenario_path(name: str) -> Path:
    return Path(str(resources.files("boombust.stress") / "scenarios" / f"{name}.yaml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a bundled scenario (``ai-bust``, ``ai-success``) or a YAML file.

    Raises
    ------
    boombust.errors.SpecError
        Unknown fields or parameters, impossible distribution arguments, values outside a
        parameter's range; each issue names the file, line and field.
    """
    text = str(name_or_path)
    path = _scenario_path(text) if text in BUNDLED_SCENARIOS else Path(text)
    if not path.is_file():
        raise SpecError(
            f"no such scenario; give {' or '.join(BUNDLED_SCENARIOS)} or a YAML file",
            path=text,
        )
    data, locator = load_yaml_with_lines(path)
    if not isinstance(data, dict):
        raise SpecError("a scenario file must be a YAML mapping (name, parameters, …)", path=text)
    return _validate(data, locator, str(path))


def _validate(data: dict[str, Any], locator: Locator, path: str) -> Scenario:
    try:
        scenario = Scenario.model_validate(data)
        scenario._locator = locator
        return scenario
    except ValidationError as err:
        issues = issues_from_validation_error(err, locator)
        # a discriminated-union error names the distribution kind in the location
        fixed = []
        for issue, e in zip(issues, err.errors(include_url=False), strict=True):
            loc = [p for p in e["loc"] if isinstance(p, str)]
            loc = [p for p in loc if p not in _DIST_TAGS]
            fld = ".".join(loc) or issue.field
            # point at the offending parameter when the after-validator names it
            msg = issue.message
            line = issue.line
            for key in ("parameters", "asset_class_shocks"):
                for name in data.get(key, {}) if isinstance(data.get(key), dict) else {}:
                    if f"{name!r}" in msg and fld in (None, "", key):
                        fld = f"{key}.{name}"
                        _, line = locator.find((key, name))
            fixed.append(Issue(msg, path=issue.path or path, line=line, field=fld))
        raise SpecError(fixed) from None


_DIST_TAGS = frozenset(
    {"fixed", "normal", "lognormal", "beta", "uniform", "triangular", "empirical"}
)


def check_against_dataset(
    scenario: Scenario, institution_ids: set[str], asset_classes: set[str]
) -> None:
    """Raise :class:`SpecError` if the scenario names institutions or classes the data lacks."""
    issues: list[Issue] = []
    loc = scenario._locator or Locator(default_path="<scenario>")
    for inst in scenario.institution_overrides:
        if inst not in institution_ids:
            issues.append(
                loc.issue(
                    ("institution_overrides", inst),
                    f"institution {inst!r} is not in the dataset; use one of its ids "
                    f"({', '.join(sorted(institution_ids)[:8])}, …)",
                )
            )
    for cls_name in scenario.asset_class_shocks:
        if cls_name not in asset_classes:
            issues.append(
                loc.issue(
                    ("asset_class_shocks", cls_name),
                    f"asset class {cls_name!r} has no assets in the dataset; it has "
                    f"{', '.join(sorted(asset_classes))}",
                )
            )
    if issues:
        raise SpecError(issues)
