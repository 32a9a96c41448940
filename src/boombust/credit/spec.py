"""Engine-only knobs of a credit run (the deal itself is a :class:`boombust.data.schema.Deal`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["CreditRunSpec"]


class CreditRunSpec(BaseModel):
    """How to simulate a deal: paths, seed, GPU life, copula, tenant stress, market, rules.

    Defaults and why (docs/methods/credit.md):

    * ``tenant_pd`` 1%/yr: roughly a BBB-/BB+ corporate; override per tenant id with
      ``tenant_pd_by_id`` (Meta ~0.05%, a neocloud 3-8%).
    * ``stress_multiple`` 4: a tenant is *stressed* (will not renew at contract rent; exercises
      early termination) at 4x its default intensity, driven by the same latent variable, so
      stress precedes default.
    * ``rho`` 0.3 (Basel's upper corporate correlation 0.24 plus sector concentration).
    * ``liquidation_cost`` 0.35: a re-let/sale of a vacated single-tenant campus loses a third.
    * ``rent_value_elasticity`` 0.5: aged capacity rents at a discount that grows with its
      depreciation, but less than one for one (triple-net tenants maintain the plant; grid
      connections keep their value); 1 ties market rent to the value curve one for one.
    * ``walk_away_ratio`` 0.6: a healthy tenant walks away at renewal when market rent for the
      depreciated capacity is below 60% of contract rent; between 0.6 and ``renegotiate_ratio``
      (0.85: moving a campus is costly) it renegotiates down to market (or by ``rent_haircut``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    n_paths: int = Field(default=10_000, ge=1, le=50_000_000)
    seed: int = Field(default=0, ge=0)
    chunk_size: int = Field(default=25_000, ge=1, description="paths per seeded chunk")
    n_jobs: int = Field(default=1, ge=1, le=64, description="threads over chunks; same numbers")
    gpu_life: float | None = Field(default=None, gt=0, le=30, description="IT useful life, years")
    horizon_years: float | None = Field(default=None, gt=0, le=60)
    start: str | None = Field(default=None, pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")
    frequency: Literal["monthly", "quarterly", "semiannual"] | None = None
    copula: Literal["gaussian", "t"] = "gaussian"
    rho: float = Field(default=0.3, ge=0.0, lt=1.0)
    nu: float = Field(default=5.0, gt=0.0)
    tenant_pd: float = Field(default=0.01, gt=0.0, lt=1.0, description="annual default prob.")
    tenant_pd_by_id: dict[str, float] = Field(default_factory=dict)
    stress_multiple: float = Field(default=4.0, ge=1.0)
    market_rent_path: list[float] | None = Field(
        default=None, description="market-rent multiplier per year (held after the last)"
    )
    market_rent_growth: float | None = Field(
        default=None, description="annual growth of new-capacity rent; default = lease escalator"
    )
    market_rent_vol: float = Field(default=0.15, ge=0.0, le=2.0)
    rent_value_elasticity: float = Field(
        default=0.5,
        ge=0.0,
        le=2.0,
        description="market rent of aged capacity ~ (value fraction)^elasticity",
    )
    rent_haircut: float | None = Field(default=None, ge=0.0, lt=1.0)
    walk_away_ratio: float = Field(default=0.6, ge=0.0, le=1.0)
    renegotiate_ratio: float = Field(
        default=0.85, ge=0.0, le=1.0, description="renegotiate when market/contract is below this"
    )
    liquidation_cost: float = Field(default=0.35, ge=0.0, le=1.0)
    recovery_lag_months: int = Field(default=12, ge=0, le=120)
    principal: Literal["sequential", "pro_rata"] = "sequential"
    risk_free: float = Field(default=0.04, ge=-0.05, le=0.5)
    price_spread_bp: float | None = Field(
        default=None, description="discount spread for prices; default each tranche's spread"
    )
    rating_table: str | None = Field(default=None, description="YAML idealized-EL table path")
    allow_short_leases: bool = Field(
        default=False,
        description="run deals whose leases end before the bonds with no renewal terms "
        "(the facility is sold at lease end) instead of rejecting them",
    )

    @model_validator(mode="after")
    def _pd_range(self) -> CreditRunSpec:
        for k, v in self.tenant_pd_by_id.items():
            if not 0.0 < v < 1.0:
                raise ValueError(f"tenant_pd_by_id[{k!r}] = {v} must be in (0, 1)")
        if self.market_rent_path is not None and any(v < 0 for v in self.market_rent_path):
            raise ValueError("market_rent_path multipliers must be >= 0")
        if self.renegotiate_ratio < self.walk_away_ratio:
            raise ValueError("renegotiate_ratio must be >= walk_away_ratio")
        return self

    @property
    def periods_per_year(self) -> int:
        return {"monthly": 12, "quarterly": 4, "semiannual": 2}[self.frequency or "quarterly"]
