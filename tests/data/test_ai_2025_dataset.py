"""The bundled ``ai-2025`` dataset against its sources (issue 2, item 4).

Expected values are copied from /shared/reference/ai-2025-facts.md (section given per test);
they are public figures, not outputs of our code.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from boombust.data import load_dataset
from boombust.data.schema import AmountBasis, Dataset, Deal, Record
from boombust.data.validate import check_dataset


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return load_dataset("ai-2025")


def deal(ds: Dataset, deal_id: str) -> Deal:
    return next(d for d in ds.deals if d.id == deal_id)


def test_validates_cleanly(ds: Dataset) -> None:
    assert check_dataset(ds) == []
    assert ds.meta.as_of == "2025-11-30"
    assert ds.meta.balance_sheet_tolerance == 0.02


def test_all_thirty_edges_once(ds: Dataset) -> None:
    # facts section 3: edges 1..30
    edges = sorted(c.edge for c in ds.commitments if c.edge is not None)
    assert edges == list(range(1, 31))


@pytest.mark.parametrize(
    ("edge", "payer", "payee", "amount"),
    [
        (1, "nvidia", "openai", 100.0),  # up to $100B (LOI 22 Sep 2025)
        (3, "openai", "oracle", 300.0),  # ~$300B over ~5 yrs
        (4, "oracle", "nvidia", 40.0),  # ~$40B of GB200
        (7, "microsoft", "openai", 13.8),
        (8, "openai", "microsoft", 250.0),
        (13, "nvidia", "coreweave", 6.3),  # capacity backstop to Apr 2032
        (14, "openai", "coreweave", 22.4),  # 11.9 + 4 + 6.5
        (16, "meta", "coreweave", 14.2),
        (18, "nvidia", "intel", 5.0),
        (21, "amazon", "anthropic", 8.0),  # 1.25 + 2.75 + 4
        (24, "anthropic", "microsoft", 30.0),
        (25, "openai", "amazon", 38.0),
        (28, "microsoft", "iren", 9.7),
        (30, "openai", "stargate", 500.0),
    ],
)
def test_sourced_edges(ds: Dataset, edge: int, payer: str, payee: str, amount: float) -> None:
    (c,) = [c for c in ds.commitments if c.edge == edge]
    assert (c.payer, c.payee) == (payer, payee)
    assert c.amount == pytest.approx(amount)
    assert "amount" not in c.field_sources  # the row's sources cover the amount


def test_undisclosed_amounts_say_why(ds: Dataset) -> None:
    # edges 2, 5, 6, 11, 20 are undisclosed in the facts file: each must carry an assumption
    for c in ds.commitments:
        if c.edge in {2, 5, 6, 11, 20}:
            assert c.amount_basis is AmountBasis.estimate
            fs = c.field_sources["amount"]
            assert fs.assumption, c.id


def test_return_legs_pair_up(ds: Dataset) -> None:
    by_id = {c.id: c for c in ds.commitments}
    pairs = {(1, 2), (7, 8), (9, 10), (14, 15), (19, 20), (22, 24)}
    for a, b in pairs:
        ca = next(c for c in ds.commitments if c.edge == a)
        cb = next(c for c in ds.commitments if c.edge == b)
        assert ca.return_leg == cb.id
        assert by_id[cb.id].return_leg == ca.id


def test_hyperion_terms(ds: Dataset) -> None:
    # facts 2.1: $27.3B amortising bond, ~6.58%, 2049, A+, ~$2.5B equity, 80/20,
    # 4-year initial lease, 16-year capped RVG, PIMCO ~$18B, BlackRock ETFs >$3B
    d = deal(ds, "hyperion")
    senior = next(t for t in d.tranches if t.id == "hyperion-senior")
    assert senior.notional == pytest.approx(27.3)
    assert senior.coupon == pytest.approx(0.0658)
    assert (senior.rating, senior.maturity) == ("A+", "2049")
    assert d.capital == pytest.approx(27.3 + 2.5)
    lease = d.leases[0]
    assert lease.tenant == "meta"
    assert lease.term_years == 4
    assert lease.rvg is not None
    assert lease.rvg.years == 16
    held = {(h.holder, h.asset): h.amount for h in ds.holdings}
    assert held[("pimco", "hyperion-senior")] == pytest.approx(18.0)
    assert held[("blackrock-etfs", "hyperion-senior")] == pytest.approx(3.0)
    assert held[("blue-owl", "hyperion-equity")] == pytest.approx(0.8 * 2.5)
    assert held[("meta", "hyperion-equity")] == pytest.approx(0.2 * 2.5)
    # the bond is the deal's senior tranche, not duplicated as an asset
    assert not any("hyperion" in a.id or "beignet" in a.id for a in ds.assets)


def test_coreweave_debt_stack_matches_10q(ds: Dataset) -> None:
    # facts 2.6 (10-Q XBRL R41, 30 Jun 2025): total $11,171.5M
    ob = {o.id: o.amount for o in ds.obligations}
    six = [
        "ob-crwv-ddtl1",
        "ob-crwv-ddtl2",
        "ob-crwv-notes-2030",
        "ob-crwv-revolver",
        "ob-crwv-oem",
        "ob-crwv-magnetar",
    ]
    assert sum(ob[k] for k in six) == pytest.approx(11.1715)
    assert ob["ob-crwv-notes-2031"] == pytest.approx(1.75)


def test_oracle_september_bonds(ds: Dataset) -> None:
    # facts 2.5: six tranches, $18B
    sizes = {a.id: a.outstanding for a in ds.assets if a.id.startswith("orcl-20")}
    assert sizes == {
        "orcl-2030": 3.0,
        "orcl-2032": 3.0,
        "orcl-2035": 4.0,
        "orcl-2045": 2.5,
        "orcl-2055": 3.5,
        "orcl-2065": 2.0,
    }


def test_switch_abs_reproduces_cumulative_ltv(ds: Dataset) -> None:
    # facts 2.7: $659M, A2-I / A2-II / A2-III / B at cumulative LTV 51.9 / 63.2 / 73.4 / 83.7%
    d = deal(ds, "switch-2025-2")
    value = d.capital
    notes = [t for t in d.tranches if t.id != "switch-equity"]
    assert sum(t.notional for t in notes) == pytest.approx(0.659, abs=1e-6)
    senior_first = sorted(notes, key=lambda t: -t.detach)
    cumulative = 0.0
    for tranche, ltv in zip(senior_first, [0.519, 0.632, 0.734, 0.837], strict=True):
        cumulative += tranche.notional
        assert cumulative / value == pytest.approx(ltv, abs=1e-4)


@pytest.mark.parametrize(
    ("sector", "total_assets"),
    [  # Fed FSR Nov 2025, Table 3.1 (2025:Q2)
        ("hedge-funds", 12465.0),
        ("mutual-funds", 22686.0),
        ("life-insurers", 10719.0),
        ("banks", 28576.0),
        ("broker-dealers", 6843.0),
    ],
)
def test_sector_sizes_from_fsr(ds: Dataset, sector: str, total_assets: float) -> None:
    inst = next(i for i in ds.institutions if i.id == sector)
    assert inst.aggregate
    assert inst.balance_sheet.total_assets == total_assets
    assert inst.provenance_of("total_assets") is None  # row has no blanket provenance …
    assert inst.balance_sheet.field_sources["total_assets"].source == "fed-fsr-2025-11"


def test_macro_headline_figures(ds: Dataset) -> None:
    m = {x.id: x.value for x in ds.macro}
    assert m["furman-ai-share-h1-2025-growth"] == 92.0  # facts 5 (Furman)
    assert m["gdp-growth-ex-info-processing-h1-2025"] == 0.1
    assert m["capex-q3-2025-big4"] == 114.0
    assert m["openai-net-loss-h1-2025"] == -13.5
    assert m["burry-understated-depreciation"] == 176.0


def _records(obj: object) -> Iterator[Record]:
    if isinstance(obj, Record):
        yield obj
    if isinstance(obj, list):
        for x in obj:
            yield from _records(x)
    elif hasattr(type(obj), "model_fields"):
        for name in type(obj).model_fields:  # type: ignore[attr-defined]
            yield from _records(getattr(obj, name))


def test_every_source_is_public_and_used(ds: Dataset) -> None:
    used: set[str] = set()
    for table in ("institutions", "assets", "holdings", "obligations", "commitments", "deals"):
        for rec in _records(getattr(ds, table)):
            used.update(rec.source_ids())
    used.update(i for m in ds.macro for i in m.source_ids())
    for s in ds.sources:
        assert s.url is not None, s.id
        assert s.url.startswith("http"), s.id
        assert s.id in used, f"source {s.id} is listed but never cited"
