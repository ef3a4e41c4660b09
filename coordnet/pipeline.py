"""End-to-end runs: one public function per CLI command.

:func:`run_graph` is what ``coordnet graph`` does: read → build graphs → write files.
The stages in between are pure (:func:`coordnet.read_actions`,
:func:`coordnet.build_graphs`); only this module and :mod:`coordnet.output` touch the
output folder.
"""

from __future__ import annotations

import logging
import os
import platform
import time
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from ._version import __version__
from .config import Config
from .errors import InputError
from .graphs import Graphs, build_graphs
from .io import ReadResult, read_actions
from .output import prepare_output_dir, write_csv, write_gexf, write_graphml, write_json
from ._memory import analysis_spills, heavy, release_memory, spill_frame, spilling

__all__ = ["GraphRun", "run_graph", "AnalyzeRun", "run_analyze", "load_result", "TABLES_DIR"]

#: Sub-folder of an analysis holding its tables as Parquet: exact values (no spreadsheet
#: escaping), what :func:`load_result` and ``coordnet plot`` read.
TABLES_DIR = "tables"

#: The columns of the actions table kept in ``tables/actions.parquet``: what the figures
#: draw (the input's own row ``id``, unique text per row, is the costliest and unused).
SAVED_ACTION_COLUMNS = ("source", "target", "timestamp", "type", "object_id", "weight")

log = logging.getLogger("coordnet")
ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class GraphRun:
    """Everything ``coordnet graph`` produced.

    Attributes
    ----------
    read : ReadResult
    graphs : Graphs
    config : Config
    out_dir : pathlib.Path
    files : dict
        Output name → path written.
    summary : dict
        The content of ``summary.json``.
    """

    read: ReadResult
    graphs: Graphs
    config: Config
    out_dir: Path
    files: dict[str, Path]
    summary: dict[str, Any]


def _manifest(command: str, read: ReadResult, config: Config, extra: dict[str, Any]) -> dict[str, Any]:
    s = read.summary()
    return {
        "coordnet_version": __version__,
        "command": command,
        "parameters": config.to_dict(),
        "input": {k: s[k] for k in ("input", "input_sha256", "format", "compression", "mapping",
                                    "ignored_columns")},
        "rows_read": read.rows_read,
        "rows_kept": read.rows_kept,
        "rows_rejected": read.rows_rejected,
        "rows_duplicate": read.rows_duplicate,
        "rejected_by_reason": s["rejected_by_reason"],
        "data": {k: s[k] for k in ("accounts", "types", "first_time", "last_time")},
        "notes": s["notes"],
        **extra,
        "environment": {"python": platform.python_version(), "pandas": pd.__version__},
    }


def _released(fn: Callable[..., Path], *args: Any, **kw: Any) -> Path:
    """``fn(*args, **kw)``, then the memory its buffers held given back (Arrow's allocator
    keeps it per thread otherwise: two large files written at once held 0.1–0.2 GB more)."""
    try:
        return fn(*args, **kw)
    finally:
        release_memory()


class _Writes:
    """File writes run on a small thread pool (pyarrow encodes and compresses without the
    GIL), collected as output name → path. Each file is written atomically on its own, so
    the bytes do not depend on the order; an error or an interrupt cancels the writes not
    yet started and waits for the running ones (whole files or none), then propagates."""

    def __init__(self, workers: int | None = None) -> None:
        from concurrent.futures import ThreadPoolExecutor

        n = workers if workers is not None else min(2, os.cpu_count() or 1)
        self.pool = ThreadPoolExecutor(n, thread_name_prefix="coordnet-write") if n > 1 else None
        self.jobs: dict[str, Any] = {}
        self.files: dict[str, Path] = {}

    def __call__(self, name: str, fn: Callable[..., Path], *args: Any, **kw: Any) -> None:
        self.jobs[name] = self.pool.submit(_released, fn, *args, **kw) if self.pool else fn(*args, **kw)

    def __enter__(self) -> "_Writes":
        return self

    def __exit__(self, kind: Any, *exc: Any) -> None:
        if self.pool is None:
            self.files.update(self.jobs)
            return
        try:
            if kind is None:
                for name, job in self.jobs.items():
                    self.files[name] = job.result()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)


class _SummarisedRead:
    """A :class:`ReadResult` whose ``summary()`` (a pass over every action) is computed once,
    for the manifest and the report."""

    def __init__(self, read: ReadResult) -> None:
        self._read, self._summary = read, read.summary()

    def summary(self) -> dict[str, Any]:
        return self._summary

    def __getattr__(self, name: str) -> Any:
        return getattr(self._read, name)


def _last_day(read: ReadResult) -> str | None:
    last = read.actions["timestamp"].max()
    return last.strftime("%Y-%m-%d") if pd.notna(last) else None


def _arrow_text(s: pd.Series) -> Any:
    import pyarrow as pa

    a = pa.array(s, from_pandas=True)
    if isinstance(a, pa.ChunkedArray):
        a = a.combine_chunks()
    if pa.types.is_dictionary(a.type):
        a = a.dictionary_decode()
    return a.cast(pa.large_string())


def _isin(s: pd.Series, columns: list[pd.Series]) -> Any:
    """Which values of ``s`` occur in any of ``columns`` (text or categorical), by Arrow:
    pandas' ``isin`` on Arrow strings builds a Python list of the values."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = pc.unique(pa.chunked_array([_arrow_text(c) for c in columns], type=pa.large_string()))
    return pc.fill_null(pc.is_in(_arrow_text(s), value_set=values), False).to_numpy(zero_copy_only=False)


#: What a Gephi file of ``coordnet analyze`` keeps when its graph has more edges than
#: ``gephi_max_edges`` (summary.json, the GEXF description, the log).
def _accounts_in(accounts: pd.Series, a: pd.Series, b: pd.Series, more: pd.Series) -> Any:
    """Which of ``accounts`` occur in ``a``, ``b`` or ``more``: by the codes of ``a`` and
    ``b`` when they are categoricals over exactly ``accounts`` (the account table and the
    amplification graph), else by :func:`_isin`."""
    cats = a.cat.categories if isinstance(a.dtype, pd.CategoricalDtype) else None
    if (cats is not None and isinstance(b.dtype, pd.CategoricalDtype)
            and b.cat.categories.equals(cats) and len(cats) == len(accounts)
            and cats.equals(pd.Index(accounts.astype(cats.dtype)))):
        used = np.zeros(len(cats) + 1, dtype=bool)  # code -1 (missing) marks the spare last slot
        used[a.cat.codes.to_numpy()] = True
        used[b.cat.codes.to_numpy()] = True
        used[cats.get_indexer(pd.Index(more))] = True  # (-1 for a name not among them)
        return used[:-1]
    return _isin(accounts, [a, b, more])


GEPHI_RULE = ("the edges of the flagged clusters' members first, then the edges touching any "
              "other account of a candidate cluster (members and targets), then the other edges; "
              "the group that reaches gephi_max_edges gives its heaviest edges (ties by source, "
              "then target name) and the groups after it none: never more than gephi_max_edges")
#: The same for ``coordnet graph`` (no clusters).
GEPHI_RULE_GRAPH = ("the heaviest edges (ties by source, then target name), never more than "
                    "gephi_max_edges")
#: The groups of :data:`GEPHI_RULE`, as named in ``summary.json["gephi"][stem]["groups"]``.
GEPHI_GROUPS = ("flagged_members", "candidate_clusters", "other")


def _gephi_priority(accounts: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The account groups of :data:`GEPHI_RULE` from an account table (``accounts.csv``):
    the flagged clusters' members, then every other account of a candidate cluster."""
    in_cluster = accounts["cluster"].notna().to_numpy()
    member = (accounts["flagged"].fillna(False).astype(bool).to_numpy()
              & (accounts["role"].astype(object) == "amplifier").to_numpy())
    return accounts["account"][member & in_cluster], accounts["account"][in_cluster & ~member]


def _write_gephi(out: Path, nodes: pd.DataFrame, graphs: Graphs, config: Config, date: str | None,
                 write: Callable[..., None], *, both: bool, priority: tuple[Any, ...] = (),
                 full: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Write graph.gexf/.graphml (the amplification graph, or the co-action network when the
    data has no target accounts) and, with ``both``, coaction.gexf/.graphml as well.

    A graph of more than ``config.gephi_max_edges`` edges is cut down to that many
    (:func:`coordnet.output.cap_edges`: the edges touching the accounts of
    ``priority[0]`` first, then of ``priority[1]``, then the heaviest others: the rule
    :data:`GEPHI_RULE`, or :data:`GEPHI_RULE_GRAPH` without ``priority``), its nodes to
    those of the edges written and the ``priority`` accounts; ``full`` names the file
    holding every edge of each graph, for the log. The files are written by
    ``write(name, writer, *args, **kw)``. Returns, per file stem, which graph it holds and
    what was written."""
    from .output import _cap

    co = graphs.coaction
    kinds = {
        "amplification": (graphs.amplification, "source", "target", True, "weight",
                          "coordnet amplification graph: source amplified target; weight = "
                          "number of actions"),
    }
    if co is not None:
        kinds["coaction"] = (co.edges, "account_a", "account_b", False, "n_objects",
                             f"coordnet co-action network: accounts acting on the same object "
                             f"within {config.window:g} s; weight = distinct objects")
    primary = "amplification" if not graphs.amplification.empty or co is None else "coaction"
    jobs = [(primary, "graph")]
    if both and primary == "amplification" and co is not None and not co.edges.empty:
        jobs.append(("coaction", "coaction"))
    rule, group_names = (GEPHI_RULE, GEPHI_GROUPS) if priority else (GEPHI_RULE_GRAPH, ("all",))
    keep = pd.concat([pd.Series(list(p), dtype=object) for p in priority]) if priority else \
        pd.Series([], dtype=object)
    info: dict[str, Any] = {}
    for kind, stem in jobs:
        e, u, v, directed, w, desc = kinds[kind]
        n_edges, n_nodes = len(e), len(nodes)
        e, total, written = _cap(e, config.gephi_max_edges, source=u, target=v, weight=w,
                                 priority=priority)
        groups = {g: {"edges": t, "edges_written": k}
                  for g, t, k in zip(group_names, total, written)}
        first_cut = bool(priority) and written[0] < total[0]
        nd = nodes
        if len(e) < n_edges:
            nd = nodes[_accounts_in(nodes["account"], e[u], e[v], keep)]
            desc += (f" (the {len(e):,} edges of {n_edges:,} kept by coordnet's Gephi limit: "
                     f"{rule}" + (f"; the flagged clusters' members alone have {total[0]:,} "
                                  f"edges: the heaviest {written[0]:,} of them" if first_cut
                                  else "") + ")")
            log.warning("%s.gexf/%s.graphml: the %s graph has %s edges, more than the Gephi limit "
                        "(--gephi-max-edges %s; 0 = no limit): wrote %s edges (%s) and their %s "
                        "accounts; every edge is in %s.",
                        stem, stem, kind, f"{n_edges:,}", f"{config.gephi_max_edges:,}",
                        f"{len(e):,}", rule, f"{len(nd):,}",
                        (full or {}).get(kind, f"{kind} table"))
            if first_cut:
                log.warning("%s.gexf/%s.graphml: the flagged clusters' members alone have %s "
                            "edges, more than the Gephi limit: only the heaviest %s of them are "
                            "written (raise --gephi-max-edges, or 0 = no limit, for all).",
                            stem, stem, f"{total[0]:,}", f"{written[0]:,}")
        write(f"{stem}.gexf", write_gexf, nd, e, out / f"{stem}.gexf", source=u, target=v,
              directed=directed, weight=w, date=date, description=desc, start="first_time",
              end="last_time")
        write(f"{stem}.graphml", write_graphml, nd, e, out / f"{stem}.graphml", source=u, target=v,
              directed=directed)
        info[stem] = {"graph": kind, "edges_written": len(e), "edges_total": n_edges,
                      "nodes_written": len(nd), "nodes_total": n_nodes,
                      "capped": len(e) < n_edges, "max_edges": config.gephi_max_edges,
                      "rule": rule, "groups": groups, "all_edges_in": (full or {}).get(kind)}
    return info


def _read_or_report(input: str | os.PathLike[str] | pd.DataFrame, out: Path, created: bool,
                    **kw: Any) -> ReadResult:
    """Read; on failure write rejected.csv if there are bad rows, else remove the output folder
    this run created (a failed run leaves no empty folder behind)."""
    try:
        return read_actions(input, **kw)
    except InputError as e:
        rej = getattr(e, "rejected", None)
        if rej is not None and len(rej):
            write_csv(rej, out / "rejected.csv")
            e.hint = (e.hint or "") + f" (every bad row and its reason: {out / 'rejected.csv'})"
        elif created:
            try:
                out.rmdir()
            except OSError:  # not empty after all: leave it
                pass
        raise


@heavy
def run_graph(
    input: str | os.PathLike[str] | pd.DataFrame,
    out_dir: str | os.PathLike[str],
    *,
    config: Config | None = None,
    columns: Mapping[str, str | None] | None = None,
    format: str = "auto",
    delimiter: str | None = None,
    encoding: str = "utf-8",
    force: bool = False,
    progress: ProgressCallback | None = None,
) -> GraphRun:
    """Read an edge list, build the account graphs and write them to ``out_dir``.

    Writes ``amplification.csv``, ``coaction.csv``, ``evidence.csv``,
    ``accounts.csv``, ``graph.graphml`` and ``graph.gexf`` (the amplification graph,
    or the co-action network when the data has no target accounts), ``coaction.gexf``
    and ``coaction.graphml`` when both exist, ``rejected.csv`` when rows were rejected,
    and ``summary.json`` (the run manifest).

    Parameters
    ----------
    input : path, ``"-"`` or DataFrame
        See :func:`coordnet.read_actions`.
    out_dir : path
        Output folder; created if needed; must be empty unless ``force``.
    config : Config, optional
    columns, format, delimiter, encoding
        Passed to :func:`coordnet.read_actions`.
    force : bool
        Overwrite the files of an earlier run in ``out_dir``.
    progress : callable, optional
        ``progress(stage, done, total)``.

    Returns
    -------
    GraphRun

    Examples
    --------
    >>> import tempfile, coordnet
    >>> run = coordnet.run_graph(coordnet.datasets.toy_path(), tempfile.mkdtemp() + "/out")
    >>> sorted(run.files)[:4]
    ['accounts.csv', 'amplification.csv', 'coaction.csv', 'coaction.gexf']
    >>> run.summary["rows_kept"], run.summary["graphs"]["coaction_edges"]
    (36, 12)
    """
    t0 = time.perf_counter()
    config = config or Config()
    created = not Path(out_dir).exists()
    out = prepare_output_dir(out_dir, force=force)
    if progress:
        progress("read", 0, 1)
    read = _read_or_report(input, out, created, format=format, columns=columns,
                           delimiter=delimiter, encoding=encoding, config=config)
    if progress:
        progress("read", 1, 1)
    t_read = time.perf_counter()
    graphs = build_graphs(read.actions, config, progress=progress)
    t_graphs = time.perf_counter()
    files: dict[str, Path] = {}

    def put(name: str, path: Path) -> None:
        files[name] = path

    co = graphs.coaction
    if progress:
        progress("write Gephi files", 0, 1)
    with _Writes() as w:
        gephi = _write_gephi(out, graphs.accounts, graphs, config, _last_day(read), w, both=True,
                             full={"amplification": "amplification.csv", "coaction": "coaction.csv"})
        w("accounts.csv", write_csv, graphs.accounts, out / "accounts.csv")
        w("amplification.csv", write_csv, graphs.amplification, out / "amplification.csv")
        if co is not None:
            w("coaction.csv", write_csv, co.edges, out / "coaction.csv")
            w("evidence.csv", write_csv, co.evidence, out / "evidence.csv")
        if read.rows_rejected:
            w("rejected.csv", write_csv, read.rejected, out / "rejected.csv")
    files.update(w.files)
    if progress:
        progress("write Gephi files", 1, 1)
    t_write = time.perf_counter()
    graph_info = {
        "graph_file": gephi["graph"]["graph"],
        "accounts": len(graphs.accounts),
        "amplification_edges": len(graphs.amplification),
        "self_loops": graphs.self_loops,
        "coaction_edges": 0 if co is None else len(co.edges),
        "coaction_evidence_rows": 0 if co is None else len(co.evidence),
        "coaction_key": None if co is None else co.key,
        "coaction_actions": 0 if co is None else co.n_actions,
        "notes": list(graphs.notes),
    }
    summary = _manifest("graph", read, config, {
        "graphs": graph_info,
        "gephi": gephi,
        "outputs": sorted([*files, "summary.json"]),
        "runtime_s": {"read": round(t_read - t0, 3), "graphs": round(t_graphs - t_read, 3),
                      "write": round(t_write - t_graphs, 3)},
    })
    put("summary.json", write_json(summary, out / "summary.json"))
    return GraphRun(read, graphs, config, out, dict(sorted(files.items())), summary)


@dataclass(frozen=True)
class AnalyzeRun:
    """Everything ``coordnet analyze`` produced (:func:`run_analyze`).

    Attributes
    ----------
    read : ReadResult
    result : coordnet.analyze.Result
    out_dir : pathlib.Path
    files : dict
        Output name → path written.
    summary : dict
        The content of ``summary.json``.
    """

    read: ReadResult
    result: Any
    out_dir: Path
    files: dict[str, Path]
    summary: dict[str, Any]


@heavy
def run_analyze(
    input: str | os.PathLike[str] | pd.DataFrame,
    out_dir: str | os.PathLike[str],
    *,
    config: Config | None = None,
    columns: Mapping[str, str | None] | None = None,
    format: str = "auto",
    delimiter: str | None = None,
    encoding: str = "utf-8",
    force: bool = False,
    all_evidence: bool = False,
    lang: str = "en",
    figures: bool = True,
    progress: ProgressCallback | None = None,
) -> AnalyzeRun:
    """Read an edge list, detect coordinated clusters and write the results to ``out_dir``.

    Writes ``clusters.csv``, ``accounts.csv``, ``evidence.csv`` (flagged clusters only,
    unless ``all_evidence``), ``pairs.csv`` (the synchrony tests), ``report.md``,
    ``report.html`` (self-contained: figures embedded), ``summary.json``, ``rejected.csv``
    when rows were rejected, the Gephi files ``graph.gexf`` (dynamic: edges carry their
    time spells) / ``graph.graphml``, the figures under ``figures/`` and the tables as
    Parquet under ``tables/`` (what :func:`load_result` and ``coordnet plot`` read).

    Parameters
    ----------
    input, out_dir, config, columns, format, delimiter, encoding, force
        As for :func:`run_graph`.
    all_evidence : bool
        Write the co-action evidence of every linked pair, not only of flagged clusters.
    lang : {"en", "fr"}
        Language of ``report.md``, ``report.html`` and the figures.
    figures : bool
        Draw the figures into ``out_dir/figures`` (PNG and SVG; :mod:`coordnet.plot`).
    progress : callable, optional

    Returns
    -------
    AnalyzeRun

    Examples
    --------
    >>> import tempfile, coordnet
    >>> run = coordnet.run_analyze(coordnet.datasets.campaign_path(), tempfile.mkdtemp() + "/out")
    >>> run.summary["detection"]["flagged_clusters"]
    1
    """
    from .analyze import analyze
    from .report import render_html, render_markdown

    t0 = time.perf_counter()
    config = config or Config()
    created = not Path(out_dir).exists()
    out = prepare_output_dir(out_dir, force=force)
    if progress:
        progress("read", 0, 1)
    read = _read_or_report(input, out, created, format=format, columns=columns,
                           delimiter=delimiter, encoding=encoding, config=config)
    t_read = time.perf_counter()
    # too large for the memory: the actions table and the largest tables made from it
    # live on disk, paged in as they are read (coordnet/_memory.py)
    with spilling(analysis_spills(len(read.actions))):
        read = dataclasses.replace(read, actions=spill_frame(read.actions, "the actions table"))
        result = analyze(read.actions, config, progress=progress)
        t_detect = time.perf_counter()
        if progress:
            progress("write outputs", 0, 1)
        files, gephi = _write_analysis(read, result, out, config, all_evidence=all_evidence)
    t_write = time.perf_counter()
    if figures:
        from .plot import write_figures

        if progress:
            progress("figures", 0, 1)
        files.update(write_figures(result, out, lang=lang, source=read.path))
    t_fig = time.perf_counter()
    sread = _SummarisedRead(read)
    summary = _manifest("analyze", sread, config, {
        "detection": {**{k: v for k, v in result.info.items()}},
        "gephi": gephi,
        "runtime_s": {"read": round(t_read - t0, 3), "detect": round(t_detect - t_read, 3),
                      "write": round(t_write - t_detect, 3), "figures": round(t_fig - t_write, 3)},
    })
    t_rep = time.perf_counter()
    files["report.md"] = _write_text(render_markdown(result, sread, lang=lang, gephi=gephi),
                                     out / "report.md")
    summary["report"] = {"lang": lang}
    pngs = {Path(k).stem: v.read_bytes() for k, v in files.items() if k.endswith(".png")}
    files["report.html"] = _write_text(render_html(result, summary, lang=lang, figures=pngs),
                                       out / "report.html")
    summary["runtime_s"]["report"] = round(time.perf_counter() - t_rep, 3)
    summary["outputs"] = sorted([*files, "summary.json"])
    files["summary.json"] = write_json(summary, out / "summary.json")
    return AnalyzeRun(read, result, out, dict(sorted(files.items())), summary)


def _write_analysis(read: ReadResult, result: Any, out: Path, config: Config, *,
                    all_evidence: bool) -> tuple[dict[str, Path], dict[str, Any]]:
    """The tables and Gephi files of :func:`run_analyze`: (output name → path, what the
    Gephi files hold)."""
    co = result.graphs.coaction
    ev = co.evidence if (all_evidence and co is not None) else result.evidence
    with _Writes() as w:
        # the longest writes first: the big tables, which need no preparation, keep both
        # workers busy while the Gephi files' edges and nodes are chosen here
        w("pairs.csv", write_csv, result.pairs, out / "pairs.csv")
        _write_tables(result, out, w)
        gephi = _write_gephi(out, _gephi_nodes(result), result.graphs, config, _last_day(read), w,
                             both=False, priority=_gephi_priority(result.accounts),
                             full={k: f"{TABLES_DIR}/{k}.parquet" for k in ("amplification", "coaction")})
        w("clusters.csv", write_csv, result.clusters, out / "clusters.csv")
        w("accounts.csv", write_csv, result.accounts, out / "accounts.csv")
        w("evidence.csv", write_csv, ev, out / "evidence.csv")
        if read.rows_rejected:
            w("rejected.csv", write_csv, read.rejected, out / "rejected.csv")
    return dict(w.files), gephi


def _write_tables(result: Any, out: Path, write: Callable[..., None]) -> None:
    """The tables the figures and report.html need, as Parquet under ``tables/``."""
    from .output import write_parquet

    d = out / TABLES_DIR
    d.mkdir(exist_ok=True)
    acts = result.actions[[c for c in SAVED_ACTION_COLUMNS if c in result.actions.columns]]
    tables = {"actions": acts, "amplification": result.graphs.amplification,
              "clusters": result.clusters, "accounts": result.accounts,
              "account_activity": result.graphs.accounts}
    co = result.graphs.coaction
    if result.graphs.amplification.empty and co is not None:
        tables["coaction"] = co.edges  # the network map draws it when there are no targets
    for k, v in tables.items():
        write(f"{TABLES_DIR}/{k}.parquet", write_parquet, v, d / f"{k}.parquet")


def load_result(path: str | os.PathLike[str]) -> Any:
    """Load a finished ``coordnet analyze`` folder back into a :class:`coordnet.analyze.Result`.

    Nothing is recomputed: the tables come from ``tables/*.parquet`` and the parameters
    and counts from ``summary.json``. The result has what the figures and reports need;
    ``pairs`` and ``amplification_tests`` are empty and the co-action evidence is not
    loaded (it is in ``evidence.csv``); ``actions`` has the columns the figures use
    (:data:`SAVED_ACTION_COLUMNS`: not the input's row ``id``).

    Parameters
    ----------
    path : path
        The output folder of :func:`run_analyze` / ``coordnet analyze``.

    Returns
    -------
    coordnet.analyze.Result
        With ``info["summary"]`` holding the folder's ``summary.json``.

    Raises
    ------
    OutputError
        The folder is not a finished analysis (or one made by a coordnet too old to
        save its tables).

    Examples
    --------
    >>> import tempfile, coordnet
    >>> run = coordnet.run_analyze(coordnet.datasets.campaign_path(), tempfile.mkdtemp() + "/out",
    ...                            figures=False)
    >>> res = coordnet.load_result(run.out_dir)
    >>> res.flagged["size"].tolist(), len(res.actions)
    ([8], 1706)
    """
    import json

    from .analyze import Result
    from .errors import OutputError
    from .graphs import CoAction

    d = Path(path)
    need = [d / "summary.json"] + [d / TABLES_DIR / f"{k}.parquet" for k in
                                   ("actions", "clusters", "accounts", "account_activity",
                                    "amplification")]
    missing = [str(p.relative_to(d)) for p in need if not p.is_file()]
    if missing:
        raise OutputError(f"{d}: not a finished coordnet analysis folder (missing "
                          f"{', '.join(missing)}).",
                          hint="give the folder written by `coordnet analyze`; an analysis made "
                               "by an older coordnet must be run again")
    try:
        summary = json.loads((d / "summary.json").read_text(encoding="utf-8"))
        t = {p.stem: pd.read_parquet(p) for p in sorted((d / TABLES_DIR).glob("*.parquet"))}
        config = Config.from_dict(summary["parameters"])
    except (OSError, ValueError, KeyError) as e:
        raise OutputError(f"{d}: cannot read the analysis ({e}).",
                          hint="run `coordnet analyze` again into a new folder") from None
    co = None
    if "coaction" in t:
        co = CoAction(t["coaction"], pd.DataFrame(), config.window, "object_id",
                      tuple(config.action_types), 0)
    graphs = Graphs(t["account_activity"], t["amplification"], co, 0)
    info = {**summary.get("detection", {}), "summary": summary}
    return Result(t["clusters"], t["accounts"], pd.DataFrame(), pd.DataFrame(), pd.DataFrame(),
                  graphs, config, t["actions"], info)


def _gephi_nodes(result: Any) -> pd.DataFrame:
    """Node table of the Gephi files: the account table plus ``cluster``, ``tier``, ``role``,
    ``flagged`` and ``activity`` (actions made + actions received), text attributes empty
    for accounts outside any cluster."""
    acc, roles = result.graphs.accounts, result.accounts[["account", "cluster", "role", "flagged"]]
    if acc["account"].equals(roles["account"]):  # the same accounts in the same order: no join
        nodes = acc.assign(**{c: roles[c].array for c in ("cluster", "role", "flagged")})
    else:
        nodes = acc.merge(roles, on="account", how="left")
    tiers = dict(zip(result.clusters["cluster"].astype("int64"), result.clusters["tier"].astype(str)))
    tier = nodes["cluster"].astype(object).map(tiers)
    nodes["tier"] = tier.where(tier.notna(), "").astype(str)
    nodes["cluster"] = nodes["cluster"].astype("Int64").astype("str").replace("<NA>", "")
    nodes["role"] = nodes["role"].fillna("").replace({"nan": "", "<NA>": ""})
    nodes["flagged"] = nodes["flagged"].fillna(False).astype(bool)
    nodes["activity"] = (nodes["n_actions"] + nodes["n_amplified"]).astype("int64")
    return nodes[["account", "cluster", "tier", "role", "flagged", "activity", "n_actions",
                  "n_amplified", "first_time", "last_time"]]


def _write_text(text: str, path: Path) -> Path:
    from .output import atomic_write

    with atomic_write(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path
