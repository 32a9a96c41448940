"""The stress report: one self-contained HTML page a risk committee can read offline."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from boombust.data import Dataset
    from boombust.stress.results import StressResult

__all__ = ["render_stress_report", "write_stress_report"]


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    text = buf.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


def _figure(w: float = 8.0, h: float = 3.6) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w, h))
    return fig, fig.add_subplot(1, 1, 1)


def _fig_waterfall(res: StressResult) -> str:
    fig, ax = _figure()
    res.plot(ax=ax)
    return _svg(fig)


def _fig_sectors(res: StressResult) -> str:
    frame = res.sector_loss_paths()
    cols = [c for c in frame.columns if float(np.abs(frame[c]).max()) > 0] or list(frame.columns)
    fig, ax = _figure(8, 0.35 * len(cols) + 1.2)
    data = [frame[c].to_numpy() for c in cols]
    try:
        ax.boxplot(data, orientation="horizontal", whis=(5, 95), showfliers=False)
    except TypeError:  # matplotlib < 3.10
        ax.boxplot(data, vert=False, whis=(5, 95), showfliers=False)
    ax.set_yticks(range(1, len(cols) + 1))
    ax.set_yticklabels(cols, fontsize=8)
    ax.set_xlabel("loss over paths, USD bn (box: quartiles; whiskers: 5%-95%)")
    return _svg(fig)


def _fig_defaults(res: StressResult) -> str:
    probs = res.default_probabilities()
    items = sorted(((k, v) for k, v in probs.items() if v > 0), key=lambda kv: kv[1])[-15:]
    if not items:
        fig, ax = _figure(8, 1.0)
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no institution defaults on any path", ha="center", va="center")
        return _svg(fig)
    fig, ax = _figure(8, 0.3 * len(items) + 1.0)
    ax.barh([k for k, _ in items], [100 * v for _, v in items], color="#8b1e1e")
    ax.set_xlabel("default probability, %")
    ax.set_xlim(0, 100)
    ax.tick_params(axis="y", labelsize=7)
    return _svg(fig)


def _fig_network(res: StressResult) -> str:
    net = res.network
    fig, ax = _figure(7, 6)
    ax.set_axis_off()
    nodes = sorted(set(net.comm_payer.tolist()) | set(net.comm_payee.tolist()))
    if not nodes:
        ax.text(0.5, 0.5, "no commitments in the dataset", ha="center")
        return _svg(fig)
    ang = np.linspace(0, 2 * np.pi, len(nodes), endpoint=False)
    pos = {n: (np.cos(a), np.sin(a)) for n, a in zip(nodes, ang, strict=True)}
    honoured = np.clip(res.commitment_honoured, 0, 1)
    wmax = float(net.comm_annual.max()) if len(net.comm_annual) else 1.0
    from matplotlib import colormaps

    cmap = colormaps["RdYlGn"]
    for j in range(len(net.comm_annual)):
        a, b = pos[int(net.comm_payer[j])], pos[int(net.comm_payee[j])]
        ax.annotate(
            "",
            xy=b,
            xytext=a,
            arrowprops={
                "arrowstyle": "-|>",
                "lw": 0.5 + 5 * net.comm_annual[j] / wmax,
                "color": cmap(float(honoured[j])),
                "alpha": 0.7,
                "connectionstyle": "arc3,rad=0.15",
            },
        )
    for n, (x, y) in pos.items():
        ax.plot(x, y, "o", color="#333", ms=6)
        ax.text(1.12 * x, 1.12 * y, net.inst_ids[n], ha="center", va="center", fontsize=7)
    ax.set_xlim(-1.4, 1.4)
    ax.set_ylim(-1.3, 1.3)
    ax.set_title(
        f"commitments (annual, USD bn); {float(res.surviving.mean()):.0%} honoured on average",
        fontsize=9,
    )
    return _svg(fig)


def _fig_tranches(res: StressResult) -> str:
    df = res.tranche_outcomes()
    fig, ax = _figure(8, 0.3 * max(len(df), 1) + 1.2)
    if df.empty:
        ax.text(0.5, 0.5, "no deals in the dataset", ha="center")
        return _svg(fig)
    y = np.arange(len(df))
    ax.barh(y - 0.2, 100 * df["mean_loss"], height=0.4, label="mean loss", color="#b33a3a")
    ax.barh(y + 0.2, 100 * df["q95_loss"], height=0.4, label="q95 loss", color="#e0a0a0")
    ax.set_yticks(y)
    ax.set_yticklabels(list(df.index), fontsize=7)
    ax.set_xlabel("loss, % of value")
    ax.legend(fontsize=7)
    return _svg(fig)


def _fig_prices(res: StressResult) -> str:
    trace = res.price_trace
    fig, ax = _figure()
    drop = 1.0 - trace[-1]
    order = np.argsort(-drop)[:8]
    for k in order:
        ax.plot(np.arange(trace.shape[0]), trace[:, k], label=res.network.asset_ids[k])
    ax.set_xlabel("fire-sale round (0 = after steps 1-4)")
    ax.set_ylabel("mean price relative to today")
    ax.legend(fontsize=7, ncol=2)
    return _svg(fig)


def _score() -> tuple[Any, str]:
    try:
        from boombust.score import score_case  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None, "the boombust.score package is not installed"
    try:
        sr = score_case("ai-2025")
    except Exception as err:  # the scorecard is optional in the report
        return None, f"scoring the ai-2025 case failed: {err}"
    return sr, ""


def render_stress_report(res: StressResult, *, dataset: Dataset | None = None) -> str:
    """The report as one HTML string (figures inline as SVG; no external resources)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from jinja2 import Environment, PackageLoader, select_autoescape

    from boombust._version import __version__
    from boombust.stress.steps import STEP_NAMES

    env = Environment(
        loader=PackageLoader("boombust.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    tpl = env.get_template("stress.html.j2")
    score, reason = _score()
    glt = res.glt().sort_values("systemicness", ascending=False)
    return tpl.render(
        fmt=lambda v: f"{v:,.1f}",
        scenario=res.scenario,
        dataset_name=dataset.meta.name if dataset is not None else "?",
        paths=res.paths,
        seed=res.seed,
        version=__version__,
        created=res.provenance.created,
        data_hash=(res.provenance.data_hash or "")[:16],
        total=res.total_loss(),
        amplification=res.amplification,
        surviving=float(res.surviving.mean()),
        backed=float(res.backed_today.mean()),
        av=float(res.glt_av.mean()),
        steps=list(res.loss_by_step().items()),
        sectors=[(s, r.to_dict()) for s, r in res.loss_by_sector().iterrows()],
        sector_steps=[(s, r.to_dict()) for s, r in res.loss_by_sector_step().iterrows()],
        step_names=list(STEP_NAMES),
        top_losers=[
            (i, r.to_dict()) for i, r in res.loss_by_institution().nlargest(15, "total").iterrows()
        ],
        defaults=res.default_order().to_dict(orient="records"),
        tranches=[(t, r.to_dict()) for t, r in res.tranche_outcomes().iterrows()],
        glt=[(i, r.to_dict()) for i, r in glt.iterrows()],
        macro=res.macro(),
        score=score,
        score_reason=reason,
        assumptions=list(res.assumptions),
        fig_waterfall=_fig_waterfall(res),
        fig_sectors=_fig_sectors(res),
        fig_defaults=_fig_defaults(res),
        fig_network=_fig_network(res),
        fig_tranches=_fig_tranches(res),
        fig_prices=_fig_prices(res),
    )


def write_stress_report(
    res: StressResult, path: str | Path, *, dataset: Dataset | None = None
) -> Path:
    """Render and write the report atomically; returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    html = render_stress_report(res, dataset=dataset)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, target)
    return target
