"""Figures for publication: each function returns a matplotlib ``Figure``.

All figures use the Okabe–Ito colour-blind-safe palette, carry a caption line (source,
period, counts), are sized for a newspaper column, and are deterministic: layouts are
seeded, and :func:`save_figure` strips dates and software stamps so the same input gives
the same bytes. ``pyplot`` is never used (no global state, no window).

Functions: :func:`network_map`, :func:`cluster_closeup`, :func:`timeline`,
:func:`lockstep_raster`, :func:`delay_distribution`, :func:`amplification_matrix`;
:func:`write_figures` draws them all for an analysis; :func:`redraw` redraws them (and
``report.html``) from a finished analysis folder without recomputing anything.
"""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError, MissingDependencyError

__all__ = [
    "PALETTE",
    "network_map",
    "cluster_closeup",
    "timeline",
    "lockstep_raster",
    "delay_distribution",
    "amplification_matrix",
    "save_figure",
    "write_figures",
    "figure_pngs",
    "redraw",
]

#: Okabe & Ito (2008) colour-blind-safe palette (black last), and the grey of "everyone else".
PALETTE = ["#E69F00", "#0072B2", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000"]
GREY = "#C8C8C8"
MAX_BOXED_LABELS = 4  # more flagged clusters than this: numbered tags instead of named boxes
WIDTH_IN = 6.0  # a newspaper column at 200 dpi: 1,200 px wide

TEXT = {
    "en": {
        "map": "Who amplifies whom", "others": "other accounts", "cluster": "Cluster {c}",
        "closeup": "Cluster {c}: who amplifies whom (width = actions)",
        "timeline": "Actions per {unit}", "everyone": "everyone else", "all": "all accounts",
        "map_co": "Who acts on the same posts within {w:g} s", "busiest": "busiest 2 h",
        "raster": "Cluster {c}: one tick per action", "account": "account", "time": "time (UTC)",
        "delays": "Time to amplify (seconds after the first action on the post)",
        "share": "share of actions", "rest": "all other accounts",
        "matrix": "Cluster {c}: amplifications (row amplified column)", "minute": "minute",
        "ten": "10 minutes", "hour": "hour", "day": "day",
        "thinned": "showing {shown:,} of {total:,} accounts",
        "thinned_links": "the {shown:,} strongest of {total:,} links",
        "caption": "Source: {src} · {start} – {end} UTC · {n:,} actions by {acc:,} accounts · coordnet",
    },
    "fr": {
        "map": "Qui amplifie qui", "others": "autres comptes", "cluster": "Groupe {c}",
        "closeup": "Groupe {c} : qui amplifie qui (épaisseur = actions)",
        "timeline": "Actions par {unit}", "everyone": "tous les autres", "all": "tous les comptes",
        "map_co": "Qui relaie les mêmes publications à moins de {w:g} s", "busiest": "2 h les plus actives",
        "raster": "Groupe {c} : un trait par action", "account": "compte", "time": "date et heure (UTC)",
        "delays": "Délai de relais (secondes après la première action sur la publication)",
        "share": "part des actions", "rest": "tous les autres comptes",
        "matrix": "Groupe {c} : amplifications (la ligne amplifie la colonne)", "minute": "minute",
        "ten": "10 minutes", "hour": "heure", "day": "jour",
        "thinned": "{shown:,} comptes montrés sur {total:,}",
        "thinned_links": "les {shown:,} liens les plus forts sur {total:,}",
        "caption": "Source : {src} · {start} – {end} UTC · {n:,} actions par {acc:,} comptes · coordnet",
    },
}


def _t(lang: str) -> dict[str, str]:
    if lang not in TEXT:
        raise ConfigError(f"unknown language {lang!r}.", hint="use en or fr")
    return TEXT[lang]


def _label(text: Any) -> str:
    """Text from the data as a literal label: ``$`` would start matplotlib mathtext (and a
    malformed formula in an account name would crash the drawing)."""
    return str(text).replace("$", r"\$")


def _fig(height: float = 4.2) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        raise MissingDependencyError("figures need matplotlib.", hint="pip install matplotlib") from None
    fig = Figure(figsize=(WIDTH_IN, height), dpi=200, layout="constrained")
    return fig


_COUNTS: dict[int, tuple[Any, tuple[Any, Any, int, int]]] = {}


def _counts(actions: pd.DataFrame) -> tuple[Any, Any, int, int]:
    """First and last time, actions and accounts of a table, computed once per table (every
    figure's caption needs them; on half a million rows that is 0.1 s a time)."""
    import weakref

    hit = _COUNTS.get(id(actions))
    if hit is not None and hit[0]() is actions:
        return hit[1]
    ts = actions["timestamp"]
    val = (ts.min(), ts.max(), int(actions["weight"].sum()),
           int(pd.concat([actions["source"], actions["target"].dropna()]).nunique()))
    for k in [k for k, (ref, _) in _COUNTS.items() if ref() is None]:
        del _COUNTS[k]
    _COUNTS[id(actions)] = (weakref.ref(actions), val)
    return val


def _caption(fig: Any, result: Any, source: str | None, lang: str, extra: str = "") -> None:
    t0, t1, n, acc = _counts(result.actions)
    T = _t(lang)
    fmt = "%Y-%m-%d %H:%M"
    text = T["caption"].format(src=_label(Path(source).name) if source else "data",
                               start=t0.strftime(fmt) if pd.notna(t0) else "–",
                               end=t1.strftime(fmt) if pd.notna(t1) else "–", n=n, acc=acc)
    if lang == "fr":
        text = text.replace(",", "\u202f")
    if extra:
        text += "\n" + extra
    fig.get_layout_engine().set(h_pad=0.04)
    fig.supxlabel(text, fontsize=6, color="#555555")


def _flagged(result: Any) -> list[int]:
    return [int(c) for c in result.flagged["cluster"]]


def _members(result: Any, cluster: int, role: str | None = "amplifier") -> list[str]:
    a = result.accounts
    sel = a["cluster"] == cluster
    if role:
        sel &= a["role"] == role
    return sorted(a.loc[sel, "account"].astype(str))


def _layout(n: int, edges: np.ndarray, seed: int, weights: np.ndarray | None = None, *,
            gravity: float = 0.0) -> np.ndarray:
    """Seeded igraph layout scaled to [-1, 1]. ``gravity`` > 0 adds a hidden hub tied to every
    node with that attraction, so disconnected groups sit near the rest instead of being
    flung to a corner."""
    import igraph as ig

    w = np.ones(len(edges)) if weights is None else np.asarray(weights, float)
    if gravity > 0 and n > 1:
        edges = np.vstack([edges.reshape(-1, 2), np.column_stack([np.full(n, n), np.arange(n)])])
        w = np.concatenate([w, np.full(n, gravity)])
    m = n + (1 if gravity > 0 and n > 1 else 0)
    g = ig.Graph(n=m, edges=edges.tolist(), directed=False)
    ig.set_random_number_generator(random.Random(seed))
    try:
        if m <= 3000:
            lay = g.layout_fruchterman_reingold(niter=500, weights=w.tolist())
        else:
            lay = g.layout_drl(weights=w.tolist())
    finally:
        ig.set_random_number_generator(random)
    xy = np.asarray(lay.coords, dtype=float)[:n]
    if len(xy):
        xy -= xy.mean(axis=0)
        scale = np.abs(xy).max() or 1.0
        xy /= scale
    return xy


def _edges_for_map(result: Any) -> tuple[pd.DataFrame, str, str]:
    amp = result.graphs.amplification
    if not amp.empty:
        return amp[["source", "target", "weight"]], "source", "target"
    co = result.graphs.coaction
    e = co.edges[["account_a", "account_b", "n_objects"]].rename(columns={"n_objects": "weight"})
    return e, "account_a", "account_b"


def network_map(result: Any, *, lang: str = "en", max_nodes: int = 1500, source: str | None = None,
                title: str | None = None, max_edges: int = 20_000) -> Any:
    """The amplification graph, flagged clusters in colour and everyone else in light grey.

    When the data has no target accounts (only shares of posts), the co-action network is
    drawn instead and the title says so. Each flagged cluster is labelled with its number
    and its three most active accounts (with more than four clusters, a numbered tag only:
    the close-ups name the accounts). Graphs with more than ``max_nodes`` accounts are thinned: the flagged clusters, their
    targets, and then the most active remaining accounts are kept, and the caption says so.
    Layout: Fruchterman–Reingold (igraph), seeded with ``result.config.seed``.

    Returns
    -------
    matplotlib.figure.Figure
        Node groups are scatter collections with ``gid`` ``cluster-<n>`` and ``others``.

    Examples
    --------
    >>> import coordnet
    >>> res = coordnet.analyze(coordnet.datasets.campaign_actions())
    >>> fig = network_map(res)
    >>> [c.get_gid() for c in fig.axes[0].collections if c.get_gid()]
    ['edges', 'others', 'cluster-1']
    """
    T = _t(lang)
    e, u, v = _edges_for_map(result)
    acc = result.graphs.accounts.set_index("account")
    activity = (acc["n_actions"] + acc["n_amplified"]).sort_values(ascending=False, kind="stable")
    flagged = _flagged(result)
    keep: list[str] = []
    for c in flagged:
        keep += _members(result, c, None)
    keep = list(dict.fromkeys(keep))
    total = len(activity)
    if total > max_nodes:
        rest = [a for a in activity.index[: max_nodes * 2] if a not in set(keep)]
        keep = keep + rest[: max(0, max_nodes - len(keep))]
        nodes = pd.Index(keep)
    else:
        nodes = pd.Index(activity.index)
    e = e[e[u].isin(nodes) & e[v].isin(nodes)]
    n_links = len(e)
    if n_links > max_edges:  # the layout's cost grows with the edges: keep the strongest
        e = e.sort_values("weight", ascending=False, kind="stable").head(max_edges)
    pos = pd.Series(np.arange(len(nodes)), index=nodes)
    ed = np.column_stack([pos[e[u]].to_numpy(), pos[e[v]].to_numpy()]) if len(e) else np.zeros((0, 2), int)
    xy = _layout(len(nodes), ed, result.config.seed, gravity=0.05)
    fig = _fig(5.2)
    ax = fig.add_subplot()
    ax.set_axis_off()
    from matplotlib.collections import LineCollection

    if len(ed):
        lc = LineCollection(np.stack([xy[ed[:, 0]], xy[ed[:, 1]]], axis=1), colors="#DDDDDD",
                            linewidths=0.3, zorder=1)
        lc.set_gid("edges")
        ax.add_collection(lc)
    in_cluster = pd.Series(-1, index=nodes)
    for c in flagged:
        in_cluster[in_cluster.index.isin(_members(result, c, None))] = c
    size = 4 + 40 * np.sqrt(activity.reindex(nodes).fillna(0).to_numpy() / max(1, activity.max()))
    others = (in_cluster == -1).to_numpy()
    sc = ax.scatter(xy[others, 0], xy[others, 1], s=size[others], c=GREY, linewidths=0, zorder=2,
                    label=T["others"])
    sc.set_gid("others")
    boxed = len(flagged) <= MAX_BOXED_LABELS
    placed: list[tuple[float, float]] = []
    for k, c in enumerate(flagged):
        m = (in_cluster == c).to_numpy()
        col = PALETTE[k % len(PALETTE)]
        sc = ax.scatter(xy[m, 0], xy[m, 1], s=size[m], c=col, linewidths=0.3, edgecolors="white",
                        zorder=3, label=T["cluster"].format(c=c))
        sc.set_gid(f"cluster-{c}")
        cx, cy = xy[m].mean(axis=0) if m.any() else (0, 0)
        if not boxed:
            # many clusters: a numbered tag each, nudged apart so that none hides another
            ty = cy + 0.05
            while any(abs(ty - py) < 0.05 and abs(cx - px) < 0.08 for px, py in placed):
                ty += 0.05
            placed.append((cx, ty))
            ax.annotate(str(c), (cx, cy), xytext=(cx, ty), textcoords="data", ha="center",
                        va="bottom", fontsize=6, fontweight="bold", color="#222222", zorder=6,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": col, "lw": 0.8},
                        arrowprops={"arrowstyle": "-", "color": col, "lw": 0.5})
            continue
        top = activity.reindex(in_cluster.index[m]).sort_values(ascending=False, kind="stable").head(3)
        names = " · ".join(_label(a) for a in top.index)
        ax.annotate(T["cluster"].format(c=c) + (f"\n{names}" if names else ""), (cx, cy),
                    xytext=(0, 16), textcoords="offset points", va="bottom",
                    ha="right" if cx > 0.4 else ("left" if cx < -0.4 else "center"),
                    fontsize=7, color="#222222", zorder=6, linespacing=1.3,
                    bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": col, "lw": 1.0, "alpha": 0.9},
                    arrowprops={"arrowstyle": "-", "color": col, "lw": 0.8})
    default = T["map"] if u == "source" else T["map_co"].format(w=result.config.window)
    ax.set_title(_label(title) if title else default, fontsize=10, loc="left")
    if flagged:
        ax.legend(loc="lower right", fontsize=7, frameon=False, markerscale=1.5)
    ax.set_xlim(-1.08, 1.08)
    ax.set_ylim(-1.08, 1.08)
    extra = T["thinned"].format(shown=len(nodes), total=total) if total > len(nodes) else ""
    if n_links > len(e):
        extra = (extra + " · " if extra else "") + T["thinned_links"].format(shown=len(e), total=n_links)
    if lang == "fr":
        extra = extra.replace(",", "\u202f")
    _caption(fig, result, source, lang, extra)
    fig._coordnet = {"highlighted": int((~others).sum()), "shown": len(nodes), "total": total,
                     "links": len(e)}
    return fig


def cluster_closeup(result: Any, cluster: int, *, lang: str = "en", max_members: int = 60,
                    source: str | None = None) -> Any:
    """One flagged cluster: members (and targets) named, arrows for who amplifies whom,
    width proportional to the number of actions. Arrows stop 6 points short of their
    nodes; two nodes drawn less than 12 points apart get no arrow (``_coordnet["edges"]``
    counts the internal edges, ``_coordnet["arrows"]`` those drawn).

    Examples
    --------
    >>> import coordnet
    >>> res = coordnet.analyze(coordnet.datasets.campaign_actions())
    >>> fig = cluster_closeup(res, 1)
    >>> fig._coordnet["members"], fig._coordnet["edges"] > 0
    (8, True)
    """
    from matplotlib.patches import FancyArrowPatch

    T = _t(lang)
    members = _members(result, cluster, None)
    if not members:
        raise ConfigError(f"there is no cluster {cluster}.", hint="see clusters.csv for the numbers")
    acc = result.graphs.accounts.set_index("account")
    act = acc["n_actions"].reindex(members).fillna(0).sort_values(ascending=False, kind="stable")
    members = list(act.index[:max_members])
    e, u, v = _edges_for_map(result)
    e = e[e[u].isin(members) & e[v].isin(members)]
    pos = pd.Series(np.arange(len(members)), index=members)
    ed = np.column_stack([pos[e[u]].to_numpy(), pos[e[v]].to_numpy()]) if len(e) else np.zeros((0, 2), int)
    xy = _layout(len(members), ed, result.config.seed)
    fig = _fig(5.0)
    ax = fig.add_subplot()
    ax.set_axis_off()
    roles = result.accounts.set_index("account")["role"].reindex(members)
    colour = np.where(roles.to_numpy() == "target", PALETTE[1], PALETTE[0])
    ax.scatter(xy[:, 0], xy[:, 1], s=60, c=colour, edgecolors="white", linewidths=0.5, zorder=2)
    for name, (x, y) in zip(members, xy):
        ax.annotate(_label(name), (x, y), xytext=(4, 4), textcoords="offset points", fontsize=6, zorder=3)
    ax.set_xlim(-1.2, 1.2)
    ax.set_ylim(-1.15, 1.15)
    ax.set_title(T["closeup"].format(c=cluster), fontsize=10, loc="left")
    _caption(fig, result, source, lang)
    # the arrows stop 6 points short of both nodes: their ends are moved once here, on the
    # final layout (the arrows, clipped to the axes, take no part in it), rather than each
    # curve being cut at a circle around its nodes at every drawing (a Bézier search per
    # arrow and end, three times per saved format: seconds for a thousand arrows)
    fig.get_layout_engine().execute(fig)
    to_px = ax.transData
    p0, p1 = to_px.transform(xy[ed[:, 0]]), to_px.transform(xy[ed[:, 1]])
    d = p1 - p0
    length = np.hypot(d[:, 0], d[:, 1])
    cut = 6.0 * fig.dpi / 72.0
    unit = d / np.where(length > 0, length, 1.0)[:, None]
    keep = length > 2 * cut
    back = to_px.inverted()
    q0, q1 = back.transform(p0 + cut * unit), back.transform(p1 - cut * unit)
    wmax = max(1.0, float(e["weight"].max())) if len(e) else 1.0
    for i, w in enumerate(e["weight"].to_numpy()):
        if not keep[i]:  # (nodes closer than the two ends' margins: no room for an arrow)
            continue
        arrow = FancyArrowPatch(q0[i], q1[i], arrowstyle="-|>", mutation_scale=6,
                                linewidth=0.3 + 1.7 * w / wmax, color="#888888", alpha=0.6,
                                shrinkA=0, shrinkB=0, connectionstyle="arc3,rad=0.08", zorder=1)
        arrow.set_in_layout(False)
        ax.add_patch(arrow)
    fig._coordnet = {"members": len(members), "edges": len(ed), "arrows": int(keep.sum()),
                     "ends": np.stack([ed[keep, 0], ed[keep, 1]], axis=1), "xy": xy}
    return fig


def _bin(span_s: float) -> tuple[str, str]:
    if span_s <= 6 * 3600:
        return "1min", "minute"
    if span_s <= 2 * 86400:
        return "10min", "ten"
    if span_s <= 60 * 86400:
        return "1h", "hour"
    return "1D", "day"


def timeline(result: Any, *, lang: str = "en", source: str | None = None) -> Any:
    """Actions per minute / 10 minutes / hour / day (chosen from the period), stacked:
    each flagged cluster and everyone else, with the first cluster's busiest two hours marked.

    Examples
    --------
    >>> import coordnet
    >>> res = coordnet.analyze(coordnet.datasets.campaign_actions())
    >>> fig = timeline(res)
    >>> fig._coordnet["bin"], fig._coordnet["total"] == int(res.actions["weight"].sum())
    ('1h', True)
    """
    T = _t(lang)
    acts = result.actions.dropna(subset=["timestamp"])
    t0, t1 = acts["timestamp"].min(), acts["timestamp"].max()
    freq, unit = _bin((t1 - t0).total_seconds())
    who = pd.Series("rest", index=acts.index, dtype=object)
    flagged = _flagged(result)
    for c in flagged:
        who[acts["source"].isin(_members(result, c))] = f"c{c}"
    bins = acts["timestamp"].dt.floor(freq)
    table = acts["weight"].groupby([bins, who]).sum().unstack(fill_value=0)
    idx = pd.date_range(t0.floor(freq), t1.floor(freq), freq=freq)
    table = table.reindex(idx, fill_value=0)
    fig = _fig(3.4)
    ax = fig.add_subplot()
    import matplotlib.dates as mdates

    width = pd.Timedelta(freq).total_seconds() / 86400.0
    x = mdates.date2num(table.index.tz_convert(None).to_numpy())
    edges = np.append(x, x[-1] + width)
    bottom = np.zeros(len(table))
    series = [("rest", GREY, T["everyone"] if flagged else T["all"])] + [
        (f"c{c}", PALETTE[k % len(PALETTE)], T["cluster"].format(c=c)) for k, c in enumerate(flagged)]
    for key, col, label in series:
        if key not in table.columns:
            continue
        y = table[key].to_numpy()
        # one filled step outline per series: constant cost whatever the number of bins
        ax.stairs(bottom + y, edges, baseline=bottom.copy(), fill=True, color=col, label=label,
                  linewidth=0)
        bottom = bottom + y
    ax.xaxis_date()
    if flagged:
        row = result.flagged.iloc[0]
        if pd.notna(row["busiest_start"]):
            ax.axvspan(mdates.date2num(row["busiest_start"].tz_convert(None)),
                       mdates.date2num(row["busiest_end"].tz_convert(None)),
                       color=PALETTE[0], alpha=0.15, lw=0, label=T["busiest"], zorder=0)
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0, max(1.0, float(bottom.max()) * 1.05))
    ax.set_ylabel(T["timeline"].format(unit=T[unit]), fontsize=8)
    ax.set_xlabel(T["time"], fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, frameon=False, loc="upper left")
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    _caption(fig, result, source, lang)
    fig._coordnet = {"bin": freq, "total": int(table.to_numpy().sum()), "start": t0, "end": t1}
    return fig


def lockstep_raster(result: Any, cluster: int, *, lang: str = "en", max_members: int = 60,
                    source: str | None = None) -> Any:
    """Members (rows) × time: one tick per action of a flagged cluster's amplifiers, over the
    cluster's busiest two hours (± 15 min), rows ordered by first action.

    Examples
    --------
    >>> import coordnet
    >>> res = coordnet.analyze(coordnet.datasets.campaign_actions())
    >>> lockstep_raster(res, 1)._coordnet["rows"]
    8
    """
    T = _t(lang)
    members = _members(result, cluster)
    if not members:
        raise ConfigError(f"there is no cluster {cluster}.", hint="see clusters.csv for the numbers")
    row = result.clusters.set_index("cluster").loc[cluster]
    acts = result.actions
    own = acts[acts["source"].isin(members) & acts["timestamp"].notna()]
    if pd.notna(row["busiest_start"]):
        lo = row["busiest_start"] - pd.Timedelta("15min")
        hi = row["busiest_end"] + pd.Timedelta("15min")
        own = own[(own["timestamp"] >= lo) & (own["timestamp"] <= hi)]
    order = own.groupby("source")["timestamp"].min().sort_values(kind="stable")
    order = list(order.index[:max_members])
    fig = _fig(max(2.2, 0.9 + 0.12 * len(order)))
    ax = fig.add_subplot()
    times = [own.loc[own["source"] == m, "timestamp"].dt.tz_convert(None).to_numpy() for m in order]
    ax.eventplot(times, colors=PALETTE[0], linelengths=0.8, linewidths=0.8)
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels([_label(m) for m in order], fontsize=5 if len(order) > 30 else 6)
    ax.invert_yaxis()
    ax.set_xlabel(T["time"], fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_title(T["raster"].format(c=cluster), fontsize=10, loc="left")
    _caption(fig, result, source, lang)
    fig._coordnet = {"rows": len(order), "ticks": int(sum(len(t) for t in times))}
    return fig


def delay_distribution(result: Any, cluster: int | None = None, *, lang: str = "en",
                       source: str | None = None) -> Any:
    """Time to amplify (seconds after the first action on the same post, log scale): the
    flagged clusters' members versus every other account.

    Examples
    --------
    >>> import coordnet
    >>> res = coordnet.analyze(coordnet.datasets.campaign_actions())
    >>> d = delay_distribution(res)._coordnet
    >>> d["median_cluster"] < 60 < d["median_rest"]
    True
    """
    T = _t(lang)
    acts = result.actions[result.actions["object_id"].notna() & result.actions["timestamp"].notna()]
    first = acts.groupby("object_id")["timestamp"].transform("min")
    delay = (acts["timestamp"] - first).dt.total_seconds()
    clusters = [cluster] if cluster is not None else _flagged(result)
    mem: set[str] = set()
    for c in clusters:
        mem |= set(_members(result, c))
    inc = acts["source"].isin(mem)
    d_c, d_r = delay[inc & (delay > 0)], delay[~inc & (delay > 0)]
    fig = _fig(3.2)
    ax = fig.add_subplot()
    bins = np.logspace(0, np.log10(max(10.0, float(delay.max()) if len(delay) else 10.0)), 40)
    ax.hist(d_r, bins=bins, color=GREY, label=T["rest"], weights=np.full(len(d_r), 1 / max(1, len(d_r))))
    if len(d_c):
        label = T["cluster"].format(c=clusters[0]) if len(clusters) == 1 else "clusters"
        ax.hist(d_c, bins=bins, histtype="step", color=PALETTE[0], linewidth=1.6, label=label,
                weights=np.full(len(d_c), 1 / len(d_c)))
    ax.set_xscale("log")
    ax.set_xlabel(T["delays"], fontsize=8)
    ax.set_ylabel(T["share"], fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, frameon=False)
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    _caption(fig, result, source, lang)
    fig._coordnet = {"median_cluster": float(d_c.median()) if len(d_c) else np.nan,
                     "median_rest": float(d_r.median()) if len(d_r) else np.nan}
    return fig


def amplification_matrix(result: Any, cluster: int, *, lang: str = "en", max_members: int = 40,
                         source: str | None = None) -> Any:
    """Heatmap of who amplifies whom inside a cluster (rows amplify columns; counts).

    Examples
    --------
    >>> import coordnet
    >>> res = coordnet.analyze(coordnet.datasets.campaign_actions())
    >>> m = amplification_matrix(res, 1)._coordnet["matrix"]
    >>> m.shape, int(np.trace(m))
    ((8, 8), 0)
    """
    T = _t(lang)
    members = _members(result, cluster, None)
    if not members:
        raise ConfigError(f"there is no cluster {cluster}.", hint="see clusters.csv for the numbers")
    acc = result.graphs.accounts.set_index("account")["n_actions"].reindex(members).fillna(0)
    members = list(acc.sort_values(ascending=False, kind="stable").index[:max_members])
    amp = result.graphs.amplification
    sub = amp[amp["source"].isin(members) & amp["target"].isin(members)]
    mat = sub.pivot_table(index="source", columns="target", values="weight", aggfunc="sum",
                          fill_value=0).reindex(index=members, columns=members, fill_value=0)
    fig = _fig(max(3.0, 1.2 + 0.12 * len(members)))
    ax = fig.add_subplot()
    im = ax.imshow(mat.to_numpy(), cmap="cividis", aspect="auto")
    ax.set_xticks(range(len(members)))
    ax.set_yticks(range(len(members)))
    fs = 5 if len(members) > 20 else 6
    ax.set_xticklabels([_label(m) for m in members], rotation=90, fontsize=fs)
    ax.set_yticklabels([_label(m) for m in members], fontsize=fs)
    fig.colorbar(im, ax=ax, shrink=0.7).ax.tick_params(labelsize=6)
    ax.set_title(T["matrix"].format(c=cluster), fontsize=10, loc="left")
    _caption(fig, result, source, lang)
    fig._coordnet = {"matrix": mat.to_numpy()}
    return fig


def save_figure(fig: Any, stem: str | Path) -> list[Path]:
    """Save ``stem.png`` (200 dpi) and ``stem.svg``, atomically and without time stamps."""
    import matplotlib

    from .output import atomic_write

    stem = Path(stem)
    paths = []
    with matplotlib.rc_context({"svg.hashsalt": "coordnet", "svg.fonttype": "path"}):
        for fmt, meta in (("png", {"Software": None}), ("svg", {"Date": None, "Creator": None})):
            buf = io.BytesIO()
            fig.savefig(buf, format=fmt, dpi=200, metadata=meta)
            path = stem.with_suffix(f".{fmt}")
            with atomic_write(path, "wb") as fh:
                fh.write(buf.getvalue())
            paths.append(path)
    return paths


def write_figures(result: Any, out_dir: str | Path, *, lang: str = "en", source: str | None = None,
                  cluster: int | None = None, max_nodes: int = 1500, title: str | None = None,
                  width: float = WIDTH_IN, max_clusters: int = 10) -> dict[str, Path]:
    """Draw every figure of an analysis into ``out_dir/figures`` (PNG 200 dpi and SVG).

    Parameters
    ----------
    result : coordnet.analyze.Result
    out_dir : path
    lang : {"en", "fr"}
    source : str, optional
        Input file named in the captions.
    cluster : int, optional
        Draw the per-cluster figures of this cluster only (default: every flagged one).
    max_nodes : int
        Network maps with more accounts are thinned (see :func:`network_map`).
    title : str, optional
        Title of the network map.
    width : float
        Figure width in inches (default 6: a newspaper column, 1,200 px at 200 dpi);
        heights scale with it.
    max_clusters : int
        Per-cluster figures are drawn for the first ``max_clusters`` flagged clusters only,
        so the time figures take is bounded whatever the data (about 3 s per cluster);
        ``cluster=N`` (``coordnet plot --cluster N``) draws any other.

    Returns
    -------
    dict
        File name (relative to ``out_dir``) → path.

    Notes
    -----
    Every figure's cost is bounded: the network map keeps at most ``max_nodes`` accounts,
    the per-cluster figures at most 60 (close-up, raster) or 40 (matrix) members, and the
    timeline draws one outline per series whatever the number of time bins.

    Examples
    --------
    >>> import tempfile, coordnet
    >>> res = coordnet.analyze(coordnet.datasets.campaign_actions())
    >>> sorted(write_figures(res, tempfile.mkdtemp()))[:3]
    ['figures/cluster_1.png', 'figures/cluster_1.svg', 'figures/delays.png']
    """
    _t(lang)
    if not width > 0:
        raise ConfigError(f"figure width must be positive, got {width!r}.", hint="e.g. --size 6")
    flagged = _flagged(result)
    if cluster is not None and cluster not in flagged:
        raise ConfigError(f"there is no flagged cluster {cluster}.",
                          hint="flagged clusters: " + (", ".join(map(str, flagged)) or "none")
                          + " (see clusters.csv)")
    out = Path(out_dir) / "figures"
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}

    def put(name: str, fig: Any) -> None:
        w, h = fig.get_size_inches()
        fig.set_size_inches(width, h * width / WIDTH_IN)
        for p in save_figure(fig, out / name):
            files[f"figures/{p.name}"] = p

    put("network_map", network_map(result, lang=lang, source=source, max_nodes=max_nodes, title=title))
    put("timeline", timeline(result, lang=lang, source=source))
    clusters = [cluster] if cluster is not None else flagged[:max_clusters]
    if flagged and result.actions["object_id"].notna().any():
        put("delays", delay_distribution(result, lang=lang, source=source))
    for c in clusters:
        put(f"cluster_{c}", cluster_closeup(result, c, lang=lang, source=source))
        put(f"raster_{c}", lockstep_raster(result, c, lang=lang, source=source))
        if not result.graphs.amplification.empty:
            put(f"matrix_{c}", amplification_matrix(result, c, lang=lang, source=source))
    return files


def figure_pngs(out_dir: str | Path) -> dict[str, bytes]:
    """The PNG figures of an analysis folder, name (without ``.png``) → bytes."""
    return {p.stem: p.read_bytes() for p in sorted((Path(out_dir) / "figures").glob("*.png"))}


def redraw(out_dir: str | Path, *, lang: str | None = None, title: str | None = None,
           cluster: int | None = None, width: float = WIDTH_IN, max_nodes: int = 1500) -> dict[str, Path]:
    """Redraw the figures and ``report.html`` of a finished analysis, without recomputing.

    What ``coordnet plot DIR`` does: the analysis is loaded with
    :func:`coordnet.load_result` (its ``tables/*.parquet`` and ``summary.json``), the
    figures are drawn again into ``DIR/figures`` and ``report.html`` is written again
    with them (and with ``title``). ``report.md`` and the CSV files are left alone.

    Parameters
    ----------
    out_dir : path
        A folder written by ``coordnet analyze``.
    lang : {"en", "fr"}, optional
        Default: the language of the analysis.
    title, cluster, width, max_nodes
        As for :func:`write_figures`.

    Returns
    -------
    dict
        File name (relative to ``out_dir``) → path written.

    Examples
    --------
    >>> import tempfile, coordnet
    >>> run = coordnet.run_analyze(coordnet.datasets.campaign_path(), tempfile.mkdtemp() + "/o",
    ...                            figures=False)
    >>> files = redraw(run.out_dir, lang="fr", cluster=1)
    >>> "figures/raster_1.png" in files, "report.html" in files
    (True, True)
    """
    from .output import atomic_write
    from .pipeline import load_result
    from .report import render_html

    result = load_result(out_dir)
    summary = result.info["summary"]
    lang = lang or summary.get("report", {}).get("lang", "en")
    _t(lang)
    source = summary.get("input", {}).get("input")
    files = write_figures(result, out_dir, lang=lang, source=source, cluster=cluster, title=title,
                          width=width, max_nodes=max_nodes)
    path = Path(out_dir) / "report.html"
    with atomic_write(path, "w", encoding="utf-8") as fh:
        fh.write(render_html(result, summary, lang=lang, figures=figure_pngs(out_dir), title=title))
    files["report.html"] = path
    return dict(sorted(files.items()))
