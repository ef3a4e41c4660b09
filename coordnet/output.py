"""Writing results: atomic, deterministic, safe to open in a spreadsheet.

Every file is written to a temporary name in the output folder and renamed into
place, so an interrupted run never leaves a half-written file. CSV cells that begin
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return are prefixed with ``'`` so
spreadsheets show them as text instead of running them as formulas (OWASP "CSV
injection"); numbers are left alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd

from .errors import OutputError

__all__ = [
    "prepare_output_dir",
    "atomic_write",
    "write_csv",
    "write_json",
    "write_gexf",
    "write_graphml",
    "neutralise_cells",
]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def prepare_output_dir(path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Create the output folder, refusing to mix with an earlier run's files.

    Raises
    ------
    OutputError
        The path is a file, the folder is not empty and ``force`` is false, or it
        cannot be created or written.
    """
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is a file, not a folder.",
                          hint="choose another output folder with -o")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise OutputError(f"{out}: the output folder is not empty.",
                          hint="choose a new folder with -o, or pass --force to overwrite its files")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".coordnet-check-"):
            pass
    except OSError as e:
        raise OutputError(f"{out}: cannot write to the output folder ({e.strerror}).",
                          hint="choose a folder you can write to with -o") from None
    return out


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", **kw: Any) -> Iterator[Any]:
    """Open a temporary file beside ``path``; rename it into place on success."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **kw) as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def neutralise_cells(df: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with ``'``.

    Examples
    --------
    >>> neutralise_cells(pd.DataFrame({"account": ["=HYPERLINK(1)", "@bob", "alice"], "n": [-1, 2, 3]}))
             account  n
    0  '=HYPERLINK(1)  -1
    1           '@bob  2
    2           alice  3
    """
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if pd.api.types.is_string_dtype(s) or s.dtype == object:
            txt = s.astype("str")
            risky = s.notna() & txt.str.startswith(_FORMULA_START)
            if risky.any():
                out[c] = s.astype(object).where(~risky, "'" + txt)
    return out


def _format_times(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.DatetimeTZDtype):
            out[c] = out[c].dt.strftime("%Y-%m-%dT%H:%M:%SZ").where(out[c].notna(), "")
    return out


def write_csv(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a table as UTF-8 CSV: atomic, times in ISO 8601 UTC, formula cells neutralised."""
    path = Path(path)
    data = neutralise_cells(_format_times(df))
    with atomic_write(path, "w", encoding="utf-8", newline="") as fh:
        data.to_csv(fh, index=False, lineterminator="\n", float_format="%.10g")
    return path


def _json_default(o: Any) -> Any:
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, (pd.Timestamp,)):
        return o.isoformat()
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def write_json(obj: Any, path: str | os.PathLike[str]) -> Path:
    """Write JSON atomically (sorted keys, indented, UTF-8)."""
    path = Path(path)
    with atomic_write(path, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=2, sort_keys=True, ensure_ascii=False, default=_json_default)
        fh.write("\n")
    return path


def _sanitise_graph(G: Any) -> Any:
    """GraphML/GEXF accept only str/int/float/bool attributes, and GEXF reserves ``type``."""
    H = G.copy()
    for _, d in list(H.nodes(data=True)) + [(None, d) for *_, d in H.edges(data=True)]:
        if "type" in d:
            d["kind"] = d.pop("type")
        for k, v in list(d.items()):
            if v is None or (isinstance(v, float) and np.isnan(v)):
                d[k] = ""
            elif isinstance(v, (np.integer,)):
                d[k] = int(v)
            elif isinstance(v, (np.floating,)):
                d[k] = float(v)
            elif not isinstance(v, (str, int, float, bool)):
                d[k] = str(v)
    return H


def write_graphml(G: Any, path: str | os.PathLike[str]) -> Path:
    """Write a networkx graph as GraphML (atomic)."""
    import networkx as nx

    path = Path(path)
    H = _sanitise_graph(G)
    with atomic_write(path, "wb") as fh:
        nx.write_graphml(H, fh, encoding="utf-8")
    return path


def write_gexf(G: Any, path: str | os.PathLike[str], *, date: str | None = None) -> Path:
    """Write a networkx graph as GEXF 1.2 for Gephi (atomic, deterministic).

    networkx stamps GEXF files with today's date; ``date`` (e.g. the data's last
    day) replaces it so that the same input always gives the same bytes.
    """
    import networkx as nx

    path = Path(path)
    H = _sanitise_graph(G)
    text = "\n".join(nx.generate_gexf(H, encoding="utf-8", version="1.2draft"))
    text = re.sub(r'lastmodifieddate="[^"]*"', f'lastmodifieddate="{date or "2000-01-01"}"', text,
                  count=1)
    with atomic_write(path, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")
    return path
