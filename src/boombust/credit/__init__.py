"""Data-centre lease securitisations: value curves, leases, waterfalls, copulas, ratings.

>>> from boombust.credit import load_deal, run_deal, CreditRunSpec   # doctest: +SKIP
>>> deal, run, _, _ = load_deal("src/boombust/credit/examples/hyperion.yaml")  # doctest: +SKIP
>>> run_deal(deal, CreditRunSpec(n_paths=20_000, gpu_life=2.5)).summary()  # doctest: +SKIP
"""

from boombust.credit.copula import simulate_pool_loss, tranche_el_quadrature, tranche_loss
from boombust.credit.curves import facility_value_fraction, h100_rental_curve, value_fraction
from boombust.credit.engine import (
    CreditResult,
    DealFile,
    TrancheMetrics,
    check_deal,
    load_deal,
    run_deal,
)
from boombust.credit.rating import implied_rating, load_idealized_table
from boombust.credit.spec import CreditRunSpec
from boombust.credit.vasicek import vasicek_tranche_el, vasicek_tranches
from boombust.credit.waterfall import DebtClass, run_waterfall

__all__ = [
    "CreditResult",
    "CreditRunSpec",
    "DealFile",
    "DebtClass",
    "TrancheMetrics",
    "check_deal",
    "facility_value_fraction",
    "h100_rental_curve",
    "implied_rating",
    "load_deal",
    "load_idealized_table",
    "run_deal",
    "run_waterfall",
    "simulate_pool_loss",
    "tranche_el_quadrature",
    "tranche_loss",
    "value_fraction",
    "vasicek_tranche_el",
    "vasicek_tranches",
]
