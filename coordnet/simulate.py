"""Synthetic retweet data with planted coordinated groups and their ground truth.

:func:`simulate` draws an *organic* background with the features that make real data hard
(heavy-tailed activity and popularity, homophilous communities, lognormal human delays,
viral posts retweeted by a thousand accounts within the hour, small friend circles that
retweet each other a lot, hyperactive individuals) and plants coordinated groups whose
behaviour is set by explicit knobs (:class:`GroupSpec`). Everything is vectorised numpy
from one seed: the same parameters give the same rows.

The organic traps are the cases coordnet must *not* flag; the planted groups are the cases
it must find. ``benchmarks/detection.py`` measures both.

References
----------
Pacheco, D., et al. (2021). Uncovering coordinated networks on social media. *ICWSM* 15
(synthetic coordinated groups planted in real backgrounds).
Keller, F. B., Schoch, D., Stier, S., & Yang, J. (2020). Political astroturfing on Twitter.
*Political Communication*, 37(2) (co-retweeting within seconds as the campaign signature).
Schoch, D., et al. (2022). Coordination patterns reveal online political astroturfing across
the world. *Scientific Reports*, 12, 4572.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError

__all__ = ["GroupSpec", "SimParams", "Simulation", "simulate", "write_simulation"]


@dataclass(frozen=True)
class GroupSpec:
    """One planted coordinated group.

    Parameters
    ----------
    size : int
        Number of member accounts (amplifiers).
    n_posts : int
        Number of coordinated posts (each one a burst of retweets).
    participation : float
        Probability that a member (or, with rotation, a member of the shift on duty)
        joins a given burst.
    targets : {"own", "outside"}
        ``own``: the posts are written by members, who retweet each other; ``outside``:
        the posts are written by ``n_outside`` accounts outside the group (the group's
        targets, not members).
    n_outside : int
        Number of outside target accounts (``targets="outside"``).
    jitter : float
        Mean delay (seconds, exponential) between a post and each member's retweet of it.
    camouflage : float
        Normal-looking retweets of popular organic posts at human pace, as a multiple of the
        group's coordinated volume (0 = none, 3 = three times as many).
    rotation : int
        Number of shifts the members are split into; each burst is done by one shift
        (1 = everyone every time).
    start_h : float
        Start of the campaign in hours after the start of the data.
    duration_h : float
        Length of the campaign in hours (bursts are spread uniformly over it).
    pickup : float
        Mean number of organic accounts that also retweet each coordinated post, at human
        pace (a storm draws real participants).
    """

    size: int = 30
    n_posts: int = 40
    participation: float = 0.8
    targets: str = "own"
    n_outside: int = 1
    jitter: float = 30.0
    camouflage: float = 0.0
    rotation: int = 1
    start_h: float = 18.0
    duration_h: float = 2.0
    pickup: float = 3.0

    def __post_init__(self) -> None:
        if self.targets not in ("own", "outside"):
            raise ConfigError(f"targets must be 'own' or 'outside', got {self.targets!r}.")
        for name, lo in (("size", 2), ("n_posts", 1), ("n_outside", 1), ("rotation", 1)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
                raise ConfigError(f"{name} must be a whole number ≥ {lo}, got {v!r}.")
        if not 0 < self.participation <= 1:
            raise ConfigError(f"participation must be in (0, 1], got {self.participation!r}.")
        for name in ("jitter", "camouflage", "start_h", "duration_h", "pickup"):
            if not float(getattr(self, name)) >= 0:
                raise ConfigError(f"{name} must be ≥ 0, got {getattr(self, name)!r}.")
        if self.size // self.rotation < 2:
            raise ConfigError("each shift needs at least 2 members: lower rotation or raise size.")


@dataclass(frozen=True)
class SimParams:
    """Parameters of the organic background and the planted groups.

    Parameters
    ----------
    n_accounts : int
        Organic accounts.
    n_posts : int
        Organic posts (authors drawn by popularity).
    n_actions : int
        Organic retweets of those posts (before viral posts, friend circles, hyperactive
        accounts).
    hours : float
        Length of the data.
    n_communities : int
        Like-minded communities.
    homophily : float
        Share of an account's retweets that go to posts of its own community.
    activity_shape, popularity_shape : float
        Pareto shapes of activity and popularity (smaller = heavier tail).
    delay_median_s, delay_sigma : float
        Lognormal delay between a post and its organic retweets.
    n_viral : int
        Viral posts.
    viral_size : int
        Accounts retweeting each viral post (capped at ``n_accounts``).
    viral_median_s : float
        Median delay of viral retweets (most within the hour).
    n_circles, circle_size, circle_posts : int
        Friend circles: ``circle_size`` friends each write ``circle_posts`` posts that the
        others retweet with probability 0.8, at human pace.
    n_hyperactive, hyperactive_actions : int
        Hyperactive individuals and their number of retweets each.
    hyperactive_delay_s : float
        Median delay of the hyperactive accounts (each one's own median varies around it,
        lognormal σ 0.5); the default is human pace, a small value makes them fast.
    groups : tuple of GroupSpec
        Planted coordinated groups (empty for a null run).
    start : str
        Time of the start of the data (UTC).
    seed : int
    """

    n_accounts: int = 3000
    n_posts: int = 3000
    n_actions: int = 20000
    hours: float = 24.0
    n_communities: int = 8
    homophily: float = 0.8
    activity_shape: float = 1.2
    popularity_shape: float = 1.1
    delay_median_s: float = 1800.0
    delay_sigma: float = 1.3
    n_viral: int = 3
    viral_size: int = 1000
    viral_median_s: float = 600.0
    n_circles: int = 20
    circle_size: int = 5
    circle_posts: int = 12
    n_hyperactive: int = 10
    hyperactive_actions: int = 400
    hyperactive_delay_s: float = 1800.0
    groups: tuple[GroupSpec, ...] = field(default_factory=lambda: (GroupSpec(),))
    start: str = "2024-03-08T00:00:00Z"
    seed: int = 0

    def replace(self, **changes: Any) -> "SimParams":
        """A copy with some fields changed."""
        import dataclasses

        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class Simulation:
    """The output of :func:`simulate`.

    Attributes
    ----------
    actions : pandas.DataFrame
        ``id, source, target, object_id, timestamp`` (UTC), sorted by time: one row per
        retweet, readable by :func:`coordnet.from_dataframe`.
    truth : pandas.DataFrame
        ``account, group, role``: every planted account, ``group`` numbered from 1, ``role``
        ``member`` (an amplifier) or ``target`` (an outside account the group boosts).
        Organic accounts are not listed.
    params : SimParams
    """

    actions: pd.DataFrame
    truth: pd.DataFrame
    params: SimParams


def _lognormal(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return rng.lognormal(np.log(max(median, 1e-3)), sigma, n)


def _pick_weighted(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    c = np.cumsum(weights)
    return np.minimum(np.searchsorted(c, rng.random(n) * c[-1], side="right"), len(weights) - 1)


def simulate(params: SimParams | None = None, **changes: Any) -> Simulation:
    """Draw a synthetic retweet data set with planted coordinated groups.

    Parameters
    ----------
    params : SimParams, optional
        Every knob (default :class:`SimParams`: 3,000 organic accounts, ~30,000 retweets
        over a day, one planted group of 30 retweeting each other's 40 posts within
        seconds during two hours).
    **changes
        Override fields of ``params`` (``seed=3``, ``groups=()`` …).

    Returns
    -------
    Simulation
        ``actions`` (the data) and ``truth`` (the planted accounts).

    Examples
    --------
    >>> import coordnet
    >>> sim = coordnet.simulate(n_accounts=300, n_posts=200, n_actions=1500, n_viral=1,
    ...                         viral_size=100, n_circles=2, n_hyperactive=2,
    ...                         groups=(coordnet.GroupSpec(size=8, n_posts=15),), seed=1)
    >>> sim.truth.groupby("role").size().to_dict()
    {'member': 8}
    >>> list(sim.actions.columns)
    ['id', 'source', 'target', 'object_id', 'timestamp']
    >>> coordnet.simulate(sim.params).actions.equals(sim.actions)  # deterministic
    True

    References
    ----------
    Pacheco, D., et al. (2021). Uncovering coordinated networks on social media. *ICWSM* 15.
    """
    p = (params or SimParams())
    if changes:
        names = {f.name for f in fields(SimParams)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise ConfigError(f"unknown simulation parameter(s): {', '.join(unknown)}.",
                              hint=f"valid: {', '.join(sorted(names))}")
        p = p.replace(**changes)
    for name in ("n_accounts", "n_posts", "n_communities"):
        if int(getattr(p, name)) < 1:
            raise ConfigError(f"{name} must be ≥ 1, got {getattr(p, name)!r}.")
    if not 0 <= p.homophily <= 1:
        raise ConfigError(f"homophily must be in [0, 1], got {p.homophily!r}.")
    rng = np.random.default_rng(p.seed)
    span = p.hours * 3600.0
    n = int(p.n_accounts)
    width = max(5, len(str(n + sum(g.size + g.n_outside for g in p.groups))))
    # organic accounts: a random permutation of names so that ids carry no information
    activity = rng.pareto(p.activity_shape, n) + 1.0
    popularity = rng.pareto(p.popularity_shape, n) + 1.0
    community = rng.integers(0, p.n_communities, n)

    # posts: authors by popularity, times uniform, a per-post appeal factor
    authors = _pick_weighted(rng, popularity, p.n_posts)
    post_time = rng.uniform(0, span, p.n_posts)
    appeal = popularity[authors] * rng.lognormal(0, 1.0, p.n_posts)
    order = np.argsort(community[authors], kind="stable")
    cum = np.cumsum(appeal[order])
    bounds = np.searchsorted(community[authors][order], np.arange(p.n_communities + 1))
    lo_c = np.concatenate([[0.0], cum])[bounds[:-1]]
    hi_c = np.concatenate([[0.0], cum])[bounds[1:]]

    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []  # src, tgt, obj, t

    def organic(src: np.ndarray, delay_median: np.ndarray | float, sigma: float, own: bool) -> None:
        """Retweets of organic posts by ``src`` (homophilous when ``own``)."""
        m = len(src)
        if m == 0:
            return
        c = np.where(rng.random(m) < p.homophily, community[src], rng.integers(0, p.n_communities, m))
        if not own:
            c = rng.integers(0, p.n_communities, m)
        empty = hi_c[c] <= lo_c[c]
        u = lo_c[c] + rng.random(m) * (hi_c[c] - lo_c[c])
        u[empty] = rng.random(empty.sum()) * cum[-1]
        post = order[np.minimum(np.searchsorted(cum, u, side="right"), len(order) - 1)]
        t = post_time[post] + _lognormal(rng, 1.0, sigma, m) * delay_median
        parts.append((src, authors[post], post, t))

    # 1. organic background: sources by activity
    organic(_pick_weighted(rng, activity, p.n_actions), p.delay_median_s, p.delay_sigma, True)
    # 2. hyperactive individuals (human pace, each with its own typical delay)
    hyper = rng.choice(n, min(p.n_hyperactive, n), replace=False)
    if len(hyper):
        src = np.repeat(hyper, p.hyperactive_actions)
        own_median = np.repeat(_lognormal(rng, p.hyperactive_delay_s, 0.5, len(hyper)),
                               p.hyperactive_actions)
        organic(src, own_median, p.delay_sigma, True)
    # 3. viral posts: many accounts within the hour
    n_post_ids = p.n_posts
    obj_author = list(authors)
    obj_time = list(post_time)
    for v in range(p.n_viral):
        k = min(p.viral_size, n - 1)
        author = int(_pick_weighted(rng, popularity, 1)[0])
        t0 = rng.uniform(0, span * 0.9)
        src = rng.choice(n, k + 1, replace=False)
        src = src[src != author][:k]
        obj = np.full(len(src), n_post_ids)
        obj_author.append(author)
        obj_time.append(t0)
        n_post_ids += 1
        parts.append((src, np.full(len(src), author), obj, t0 + _lognormal(rng, p.viral_median_s, 1.0, len(src))))
    # 4. friend circles: friends retweet each other's posts often, at human pace
    for c in range(p.n_circles):
        friends = rng.choice(n, min(p.circle_size, n), replace=False)
        nposts = p.circle_posts * len(friends)
        auth = np.repeat(friends, p.circle_posts)
        t0 = rng.uniform(0, span, nposts)
        base = n_post_ids
        obj = np.arange(base, base + nposts)
        obj_author.extend(auth.tolist())
        obj_time.extend(t0.tolist())
        n_post_ids += nposts
        src = np.tile(friends, nposts)
        oo = np.repeat(obj, len(friends))
        keep = (src != np.repeat(auth, len(friends))) & (rng.random(len(src)) < 0.8)
        src, oo = src[keep], oo[keep]
        # the circle's own posts: their authors and times are auth / t0 (not a copy of the
        # whole growing list per circle, which made many circles quadratic)
        parts.append((src, auth[oo - base], oo,
                      t0[oo - base] + _lognormal(rng, p.delay_median_s / 3, p.delay_sigma, len(src))))

    # 5. planted groups: new accounts (indices ≥ n)
    truth_idx: list[int] = []
    truth_group: list[int] = []
    truth_role: list[str] = []
    next_acc = n
    for gi, g in enumerate(p.groups, start=1):
        mem = np.arange(next_acc, next_acc + g.size)
        next_acc += g.size
        truth_idx.extend(mem.tolist())
        truth_group.extend([gi] * g.size)
        truth_role.extend(["member"] * g.size)
        if g.targets == "outside":
            tg = np.arange(next_acc, next_acc + g.n_outside)
            next_acc += g.n_outside
            truth_idx.extend(tg.tolist())
            truth_group.extend([gi] * g.n_outside)
            truth_role.extend(["target"] * g.n_outside)
        shift = np.arange(g.size) % g.rotation
        burst_t = g.start_h * 3600 + np.sort(rng.uniform(0, g.duration_h * 3600, g.n_posts))
        burst_shift = np.arange(g.n_posts) % g.rotation
        if g.targets == "own":
            # author: a member of the shift on duty, in turn
            on = [mem[shift == s] for s in range(g.rotation)]
            auth = np.array([on[s][(b // g.rotation) % len(on[s])] for b, s in enumerate(burst_shift)])
        else:
            auth = tg[np.arange(g.n_posts) % len(tg)]
        obj = np.arange(n_post_ids, n_post_ids + g.n_posts)
        n_post_ids += g.n_posts
        obj_author.extend(auth.tolist())
        obj_time.extend(burst_t.tolist())
        src = np.tile(mem, g.n_posts)
        oo = np.repeat(np.arange(g.n_posts), g.size)
        keep = ((np.tile(shift, g.n_posts) == burst_shift[oo]) & (src != auth[oo])
                & (rng.random(len(src)) < g.participation))
        src, oo = src[keep], oo[keep]
        parts.append((src, auth[oo], obj[oo], burst_t[oo] + 1.0 + rng.exponential(max(g.jitter, 1e-3), len(src))))
        # organic pick-up of the coordinated posts
        k = rng.poisson(g.pickup, g.n_posts)
        if k.sum():
            oo = np.repeat(np.arange(g.n_posts), k)
            src = rng.integers(0, n, len(oo))
            parts.append((src, auth[oo], obj[oo], burst_t[oo] + _lognormal(rng, p.delay_median_s, p.delay_sigma, len(oo))))
        # camouflage: popular organic posts, human pace, global (not homophilous)
        n_cam = int(round(g.camouflage * len(keep.nonzero()[0])))
        if n_cam:
            cam_src = mem[rng.integers(0, g.size, n_cam)]
            post = _pick_weighted(rng, appeal, n_cam)
            parts.append((cam_src, authors[post], post,
                          post_time[post] + _lognormal(rng, p.delay_median_s, p.delay_sigma, n_cam)))

    src = np.concatenate([x[0] for x in parts]).astype(np.int64)
    tgt = np.concatenate([x[1] for x in parts]).astype(np.int64)
    obj = np.concatenate([x[2] for x in parts]).astype(np.int64)
    t = np.concatenate([x[3] for x in parts])
    keep = (src != tgt) & (t < span + 7 * 86400)
    src, tgt, obj, t = src[keep], tgt[keep], obj[keep], t[keep]
    # one retweet per account and post: a random one of the draws (keeping the earliest
    # would make heavy accounts artificially fast on the popular posts they drew repeatedly)
    o = np.lexsort((rng.random(len(src)), obj, src))
    src, tgt, obj, t = src[o], tgt[o], obj[o], t[o]
    first = np.ones(len(src), dtype=bool)
    first[1:] = (src[1:] != src[:-1]) | (obj[1:] != obj[:-1])
    src, tgt, obj, t = src[first], tgt[first], obj[first], t[first]
    ms = np.round(t * 1000).astype(np.int64)
    o = np.lexsort((obj, src, ms))
    src, tgt, obj, ms = src[o], tgt[o], obj[o], ms[o]
    # names: a seeded permutation so that planted accounts are not recognisable by number
    perm = rng.permutation(next_acc)
    names = np.array([f"u{i:0{width}d}" for i in perm], dtype=object)
    t0 = pd.Timestamp(p.start)
    if t0.tzinfo is None:
        t0 = t0.tz_localize("UTC")
    actions = pd.DataFrame({
        "id": [f"rt{i:07d}" for i in range(len(src))],
        "source": names[src], "target": names[tgt],
        "object_id": np.char.add("p", obj.astype(str)).astype(object),
        "timestamp": t0 + pd.to_timedelta(ms, unit="ms"),
    })
    truth = pd.DataFrame({"account": names[np.asarray(truth_idx, dtype=np.int64)],
                          "group": np.asarray(truth_group, dtype=np.int64),
                          "role": np.asarray(truth_role, dtype=object)})
    return Simulation(actions, truth.sort_values(["group", "role", "account"]).reset_index(drop=True), p)


def truth_path(path: str | Path) -> Path:
    """Where the ground truth of a simulated data file goes: ``<stem>_truth.csv`` beside it."""
    path = Path(path)
    stem = path.name.split(".")[0]
    return path.with_name(f"{stem}_truth.csv")


def write_simulation(sim: Simulation, path: str | Path, *, force: bool = False) -> tuple[Path, Path]:
    """Write a :class:`Simulation`: the actions CSV and its ground truth beside it.

    Parameters
    ----------
    sim : Simulation
        From :func:`simulate`.
    path : str or Path
        The actions file (CSV; ``.gz`` compresses it). The truth goes to
        ``<stem>_truth.csv`` in the same folder (``account, group, role``).
    force : bool
        Overwrite existing files.

    Returns
    -------
    (Path, Path)
        The actions file and the truth file.

    Raises
    ------
    OutputError
        A file exists (without ``force``) or the folder cannot be written.

    Examples
    --------
    >>> import tempfile, coordnet
    >>> sim = coordnet.simulate(n_accounts=200, n_posts=100, n_actions=500, n_viral=0,
    ...                         n_circles=0, n_hyperactive=0,
    ...                         groups=(coordnet.GroupSpec(size=5, n_posts=5),))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     data, truth = write_simulation(sim, Path(d) / "sim.csv")
    ...     truth.name, len(pd.read_csv(truth))
    ('sim_truth.csv', 5)
    """
    from .errors import OutputError
    from .output import atomic_write, write_csv

    path = Path(path)
    tpath = truth_path(path)
    for f in (path, tpath):
        if f.exists() and not force:
            raise OutputError(f"{f} already exists.", hint="choose another file name or use --force")
    if not path.parent.is_dir():
        raise OutputError(f"folder {path.parent} does not exist.", hint="create it first")
    a = sim.actions.copy()
    a["timestamp"] = a["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str[:-3] + "Z"
    try:
        if path.name.endswith(".gz"):
            import gzip

            with atomic_write(path, "wb") as fh:
                with gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
                    gz.write(a.to_csv(index=False, lineterminator="\n").encode())
        else:
            with atomic_write(path, "w", newline="") as fh:
                a.to_csv(fh, index=False, lineterminator="\n")
        write_csv(sim.truth, tpath)
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror or e}.",
                          hint="check the folder exists and is writable") from None
    return path, tpath
