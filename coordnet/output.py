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
import secrets
from pathlib import Path
from typing import Any, Callable, Iterator

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
    "write_parquet",
    "neutralise_cells",
    "cap_edges",
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
    probe = out / f".coordnet-check-{os.getpid()}"
    try:
        out.mkdir(parents=True, exist_ok=True)
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT, 0o600))
        os.unlink(probe)
    except OSError as e:
        raise OutputError(f"{out}: cannot write to the output folder ({e.strerror}).",
                          hint="choose a folder you can write to with -o") from None
    return out


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", **kw: Any) -> Iterator[Any]:
    """Open a temporary file beside ``path``; rename it into place on success."""
    path = Path(path)
    # The temporary name is known before the file exists, so that an interrupt (Ctrl-C,
    # SIGTERM) arriving at any point, even inside the creation, still removes it.
    tmp: Path | None = None
    try:
        while True:
            tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
            try:  # "x": create, never reuse an existing file; the usual permissions (umask)
                fh = open(tmp, mode.replace("w", "x"), **kw)
                break
            except FileExistsError:
                tmp = None
        with fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        if tmp is not None:
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


def _whole_seconds(col: Any) -> bool:
    """Whether every time of a timestamp column falls on a whole second (then times print
    without milliseconds)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ms = col.cast(pa.timestamp("ms", tz="UTC")).cast(pa.timestamp("ms"))
    return pc.all(pc.equal(pc.millisecond(ms), 0)).as_py() is not False


def _arrow_text(col: Any, whole: bool | None = None) -> Any:
    """An Arrow column as text, vectorised: times ISO 8601 UTC, numbers as shortest repr.

    Times print without milliseconds when they all fall on whole seconds: ``whole`` says
    so for a piece of a longer column (decided over the whole column), else ``col``
    decides."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    typ = col.type
    if pa.types.is_dictionary(typ):
        col = col.cast(typ.value_type)
        typ = col.type
    if pa.types.is_timestamp(typ):
        # casting a naive timestamp to text is ~20x faster than strftime
        ms = col.cast(pa.timestamp("ms", tz="UTC")).cast(pa.timestamp("ms"))
        if whole is None:
            whole = _whole_seconds(col)
        txt = (ms.cast(pa.timestamp("s"), safe=False) if whole else ms).cast(pa.string())
        txt = pc.replace_substring(txt, " ", "T", max_replacements=1)
        return pc.binary_join_element_wise(txt, "Z", "")
    if pa.types.is_boolean(typ):
        return pc.if_else(col, "true", "false")
    return col.cast(pa.string())  # one string type, so kernels can combine columns


def _per_value(col: Any, fn: Any) -> Any:
    """``fn`` applied to a column; a dictionary column (a pandas Categorical) has ``fn``
    applied to its distinct values only, then expanded: same values, far less work."""
    import pyarrow as pa

    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    if pa.types.is_dictionary(col.type):
        return _dictionary_slices(col, fn)(0, len(col))
    return fn(col)


def _table(df: pd.DataFrame) -> Any:
    import pyarrow as pa

    return pa.Table.from_pandas(df, preserve_index=False)


_FORMULA_BYTES = np.frombuffer("".join(_FORMULA_START).encode("ascii"), dtype=np.uint8)


def _neutralise_arrow(col: Any) -> Any:
    """:func:`neutralise_cells` of a pyarrow string array: the cells starting with a
    character of ``_FORMULA_START`` prefixed with ``'``, found from each value's first
    byte (no text scanned); the array itself when there are none."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .io import _string_buffers

    offs, data = _string_buffers(col)
    if not len(data):
        return col
    first = data[np.minimum(offs[:-1], len(data) - 1)]  # an empty value: its neighbour's byte
    risky = np.isin(first, _FORMULA_BYTES) & (offs[1:] > offs[:-1])
    if col.null_count:
        risky &= col.is_valid().to_numpy(zero_copy_only=False)
    if not risky.any():
        return col
    quote, empty = pa.scalar("'", col.type), pa.scalar("", col.type)
    return pc.if_else(pa.array(risky), pc.binary_join_element_wise(quote, col, empty), col)


#: Rows of a CSV file converted to text at a time: the text of a slice, not of the whole
#: table, is held (writing the 3.25M synchrony pairs of 10M actions on its own: a peak of
#: +333 MB as one piece, +281 MB in slices; within an analysis, the write stage's peak fell
#: from 3.69–3.83 GiB to 3.59–3.64 GiB, two files being written at a time).
_CSV_ROWS = 1 << 19


def write_csv(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a table as UTF-8 CSV: atomic, times in ISO 8601 UTC, formula cells neutralised.

    Text cells are quoted; missing values are empty cells. Written by pyarrow's CSV
    writer (one thread per file: ``coordnet analyze`` writes two files at a time), a slice
    of rows at a time.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = Path(path)
    table = _table(df)
    n = table.num_rows

    def text(col: Any, whole: bool | None = None) -> Any:
        typ = col.type
        if pa.types.is_timestamp(typ) or pa.types.is_boolean(typ) or pa.types.is_large_string(typ):
            col = _arrow_text(col, whole)
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            col = _neutralise_arrow(col)
        return col

    # per column, what turns a slice of rows into text: a categorical's categories become
    # text once (each escaped once), then are taken per slice; times print without
    # milliseconds when every time of the whole column is on a whole second
    pieces: list[Callable[[int, int], Any]] = []
    for name in table.column_names:
        col = table.column(name).combine_chunks()
        if pa.types.is_dictionary(col.type):
            pieces.append(_dictionary_slices(col, lambda d: text(_arrow_text(d))))
        else:
            whole = _whole_seconds(col) if pa.types.is_timestamp(col.type) else None
            pieces.append(lambda lo, m, col=col, whole=whole: text(col.slice(lo, m), whole))
    options = pacsv.WriteOptions(quoting_style="needed", batch_size=1 << 16)
    with atomic_write(path, "wb") as fh:
        # rows converted and written 65,536 at a time (pyarrow's default, 1,024, costs ~10% more)
        writer = None
        for lo in range(0, max(n, 1), _CSV_ROWS):
            part = pa.table([f(lo, _CSV_ROWS) for f in pieces], names=table.column_names)
            if writer is None:
                writer = pacsv.CSVWriter(fh, part.schema, write_options=options)
            writer.write_table(part)
        if writer is not None:
            writer.close()
    return path


def _dictionary_slices(col: Any, fn: Any) -> Callable[[int, int], Any]:
    """For a dictionary column: ``fn`` of its distinct values, once, then a function of
    ``(start, length)`` giving the values of that slice of rows."""
    import pyarrow.compute as pc

    values = fn(col.dictionary)
    return lambda lo, m: pc.take(values, col.indices.slice(lo, m))


def write_parquet(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a table as Parquet (zstd), atomically; values exact, nothing neutralised.

    The same table gives the same bytes (no time stamp in the file). Categorical
    columns (the account and object columns of coordnet's tables) are written with
    their dictionary as it is, once (one row group), and read back as categoricals;
    whole numbers and times delta-encoded, the rest plain; no column statistics (these
    tables are read whole): about twice as fast as pyarrow's defaults, and smaller.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    table = _table(df.reset_index(drop=True))
    dicts = [f.name for f in table.schema if pa.types.is_dictionary(f.type)]
    # whole numbers and times: delta encoding (counts are mostly equal, times close), which
    # every Parquet reader knows, compresses better and faster than plain
    delta = {f.name: "DELTA_BINARY_PACKED" for f in table.schema
             if pa.types.is_integer(f.type) or pa.types.is_timestamp(f.type)}
    with atomic_write(path, "wb") as fh:
        # one row group (up to 64 Mi rows): each row group repeats the whole dictionary of a
        # categorical column (millions of post ids), so pyarrow's 1 Mi-row groups cost 6x
        pq.write_table(table, fh, compression="zstd", use_dictionary=dicts or False,
                       column_encoding=delta or None, dictionary_pagesize_limit=1 << 30,
                       write_statistics=False, row_group_size=min(max(table.num_rows, 1), 1 << 26))
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


#: Rows of a Gephi file turned into text at a time: the text of 20,000 edges is about 8 MB.
#: Larger pieces cost more memory and page faults for the same work (pyarrow's allocator
#: gives big blocks back to the system and gets them anew, zeroed): for the 10M benchmark's
#: files, 500,000 rows took +420 MB; 100,000, +220 MB and 6,000-7,000 page faults (0.16-0.44 s
#: of system time); 20,000, 2,200-3,200 faults (0.10-0.23 s). The bytes do not depend on it.
_XML_CHUNK = 20_000

_XML_UNSAFE = r'[&<>"\x00-\x08\x0b\x0c\x0e-\x1f]'


def _plain_type(typ: Any) -> bool:
    """Whether an Arrow type prints as text without XML markup characters (and non-empty)."""
    import pyarrow as pa

    typ = typ.value_type if pa.types.is_dictionary(typ) else typ
    return bool(pa.types.is_integer(typ) or pa.types.is_floating(typ)
                or pa.types.is_timestamp(typ) or pa.types.is_boolean(typ))


def _xml_text(col: Any, whole: bool | None = None) -> Any:
    """Arrow column → XML-escaped text without nulls ("" for missing); ``whole`` as for
    :func:`_arrow_text`."""
    import pyarrow.compute as pc

    return pc.fill_null(_per_value(col, lambda c: _xml_escape(c, whole)), "")


def _xml_escape(col: Any, whole: bool | None = None) -> Any:
    import pyarrow.compute as pc

    t = _arrow_text(col, whole)
    # numbers, times and booleans print without markup characters, and text is escaped only
    # when one scan finds something to escape (ids usually are clean): same bytes, fewer passes
    if not _plain_type(col.type) and pc.any(pc.match_substring_regex(t, _XML_UNSAFE)).as_py():
        for a, b in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
            t = pc.replace_substring(t, a, b)
        t = pc.replace_substring_regex(t, r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "")
    return t


def _gexf_type(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s):
        return "boolean"
    if pd.api.types.is_integer_dtype(s):
        return "long"
    if pd.api.types.is_float_dtype(s):
        return "double"
    return "string"


class _XmlTable:
    """A table's columns as XML-escaped text, by row range, for the streaming writers.

    The table is converted to Arrow once; a dictionary column (a pandas Categorical) has
    its distinct values escaped once, each row range then only looks them up. Whether a
    time column prints milliseconds is decided over the whole column, so the bytes do not
    depend on the row ranges.
    """

    def __init__(self, df: pd.DataFrame) -> None:
        import pyarrow as pa

        table = _table(df.reset_index(drop=True))
        self.num_rows = table.num_rows
        self.cols: dict[str, Any] = {}
        self._last: dict[tuple[str, int, int, str | None], Any] = {}  # the current range's texts
        self.plain: dict[str, bool] = {}
        self.nulls: dict[str, int] = {}
        self.whole: dict[str, bool | None] = {}
        for name in table.column_names:
            col = table.column(name).combine_chunks()
            self.plain[name], self.nulls[name] = _plain_type(col.type), col.null_count
            self.whole[name] = _whole_seconds(col) if pa.types.is_timestamp(col.type) else None
            if pa.types.is_dictionary(col.type):
                col = pa.DictionaryArray.from_arrays(col.indices, _xml_escape(col.dictionary))
            self.cols[name] = col

    def text(self, name: str, start: int, stop: int, cast: str | None = None) -> Any:
        import pyarrow as pa
        import pyarrow.compute as pc

        key = (name, start, stop, cast)
        if key in self._last:  # e.g. the time columns: the edge's spell and its attributes
            return self._last[key]
        if self._last and next(iter(self._last))[1:3] != (start, stop):
            self._last.clear()
        col = self.cols[name].slice(start, stop - start)
        if pa.types.is_dictionary(col.type):
            t = pc.fill_null(pc.take(col.dictionary, col.indices), "")
        else:
            t = _xml_text(col.cast(cast) if cast else col, self.whole[name])
        self._last[key] = t
        return t


def _attvalues(xt: _XmlTable, cols: list[str], start: int, stop: int, kind: str = "gexf",
               prefix: str = "") -> list[Any]:
    """Per row, the XML of its attribute values (GEXF attvalues or GraphML data elements),
    as pieces (text and arrays) to join into the row's line."""
    import pyarrow.compute as pc

    pieces: list[Any] = []
    always = False  # some value prints for every row: no test for an empty <attvalues>
    for i, c in enumerate(cols):
        v = xt.text(c, start, stop)
        pre, post = ((f'<attvalue for="{i}" value="', '"/>') if kind == "gexf"
                     else (f'<data key="{prefix}{i}">', "</data>"))
        # a number, time or boolean prints as "" only when missing: no test needed without nulls
        if xt.plain[c] and xt.nulls[c] == 0:
            pieces += [pre, v, post]
            always = True
        else:
            pieces.append(pc.if_else(pc.equal(v, ""), "", pc.binary_join_element_wise(pre, v, post, "")))
    if not pieces or kind != "gexf":
        return pieces
    if always:
        return ["<attvalues>", *pieces, "</attvalues>"]
    body = pc.binary_join_element_wise(*pieces, "")
    return [pc.if_else(pc.equal(body, ""), "", pc.binary_join_element_wise("<attvalues>", body,
                                                                          "</attvalues>", ""))]


def _name_codes(a: pd.Series, b: pd.Series) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Integer codes of two account columns, ordered as the names sort, and the names.

    The categorical columns of coordnet's tables share one sorted account set: their
    codes are used as they are; other columns are factorized together (sorted).
    """
    if isinstance(a.dtype, pd.CategoricalDtype) and isinstance(b.dtype, pd.CategoricalDtype) \
            and a.cat.categories.equals(b.cat.categories) and a.cat.categories.is_monotonic_increasing:
        return a.cat.codes.to_numpy(), b.cat.codes.to_numpy(), a.cat.categories
    codes, names = pd.factorize(pd.concat([a.astype(object), b.astype(object)], ignore_index=True),
                                sort=True)
    return codes[:len(a)], codes[len(a):], pd.Index(names)


def _kth_largest(w: np.ndarray, k: int) -> Any:
    """The ``k``-th largest value of ``w`` (1-based); by counting for small whole numbers."""
    if w.dtype.kind in "iu" and w.min() >= 0 and w.max() <= 4 * len(w):
        above = np.cumsum(np.bincount(w)[::-1])  # how many values are >= each, from the top
        return w.dtype.type(len(above) - 1 - int(np.searchsorted(above, k)))
    return np.partition(w, len(w) - k)[len(w) - k]


def _heaviest(rows: np.ndarray, w: np.ndarray, key: Any, room: int) -> np.ndarray:
    """The ``room`` rows of ``rows`` (weights ``w``) of largest weight, equal weights in
    order of ``key(rows)`` (int64, the source and target names' order)."""
    if room >= len(rows):
        return rows
    if room <= 0:
        return rows[:0]
    cut = _kth_largest(w, room)
    heavier = w > cut
    tied = rows[w == cut]
    need = room - int(heavier.sum())
    if need < len(tied):  # the `need` first by (source, target) names
        tied = tied[np.argpartition(key(tied), need - 1)[:need]] if need else tied[:0]
    return np.concatenate([rows[heavier], tied])


def _cap(edges: pd.DataFrame, max_edges: int, *, source: str, target: str, weight: str,
         priority: Any = ()) -> tuple[pd.DataFrame, list[int], list[int]]:
    """:func:`cap_edges`, and per group of ``priority`` then the rest: how many edges the
    group has and how many were kept."""
    n, k = len(edges), len(priority)
    if (not max_edges or n <= max_edges) and not k:
        return edges, [n], [n]
    src, tgt, names = _name_codes(edges[source], edges[target])
    # each edge's group: the first of `priority` holding one of its ends, else k (the rest)
    lut = np.full(len(names), k, dtype=np.int8)
    for i in reversed(range(k)):
        accounts = pd.Index(list(priority[i]))
        if len(accounts):
            lut[names.isin(accounts)] = i
    group = np.minimum(lut[src], lut[tgt]) if len(names) else np.full(n, k, dtype=np.int8)
    total = np.bincount(group, minlength=k + 1).tolist()
    if not max_edges or n <= max_edges:
        return edges, total, total
    chosen = np.zeros(n, dtype=bool)
    w_all = edges[weight].to_numpy()
    width = max(len(names), 1)
    room = max_edges
    for i in range(k + 1):
        rows = np.flatnonzero(group == i)
        kept = _heaviest(rows, w_all[rows], lambda r: src[r].astype(np.int64) * width + tgt[r], room)
        chosen[kept] = True
        room -= len(kept)
    written = np.bincount(group[chosen], minlength=k + 1).tolist()
    return edges[chosen], total, written


def cap_edges(
    edges: pd.DataFrame,
    max_edges: int,
    *,
    source: str,
    target: str,
    weight: str,
    priority: Any = (),
) -> pd.DataFrame:
    """The edges a Gephi file of at most ``max_edges`` edges keeps.

    Edges are taken by group: first the edges touching an account of ``priority[0]``
    (the flagged clusters' members), then those touching one of ``priority[1]``, and so
    on, then every other edge. Groups are taken whole while they fit; the group that
    reaches ``max_edges`` gives its heaviest edges (largest ``weight``; equal weights by
    ``source`` then ``target`` name), and later groups give none. Never more than
    ``max_edges`` edges; they keep their order in ``edges``. ``max_edges`` 0, or a table
    within it, keeps everything.

    Parameters
    ----------
    edges : pandas.DataFrame
    max_edges : int
        0 = no limit.
    source, target, weight : str
        Column names.
    priority : sequence of iterables of str
        Groups of accounts, most important first; an edge belongs to the first group
        holding one of its two accounts.

    Returns
    -------
    pandas.DataFrame
        The rows kept (``edges`` itself when nothing is left out).

    Examples
    --------
    >>> e = pd.DataFrame({"source": ["a", "b", "c", "d", "e"], "target": ["x", "x", "y", "y", "k"],
    ...                   "weight": [1, 5, 2, 2, 1]})
    >>> cap_edges(e, 3, source="source", target="target", weight="weight", priority=[{"k"}])
      source target  weight
    1      b      x       5
    2      c      y       2
    4      e      k       1
    """
    return _cap(edges, max_edges, source=source, target=target, weight=weight,
                priority=priority)[0]


def _write_joined(fh: Any, arr: Any) -> None:
    """Write the concatenation of a null-free Arrow string array, without Python objects."""
    import pyarrow as pa

    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    if arr.type not in (pa.string(), pa.large_string()):
        arr = arr.cast(pa.large_string())
    if len(arr) == 0:
        return
    width = np.int64 if arr.type == pa.large_string() else np.int32
    offsets = np.frombuffer(arr.buffers()[1], dtype=width)[arr.offset: arr.offset + len(arr) + 1]
    data = arr.buffers()[2]
    fh.write(memoryview(data)[int(offsets[0]): int(offsets[-1])])


def write_gexf(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    source: str,
    target: str,
    directed: bool,
    weight: str | None = None,
    date: str | None = None,
    description: str = "",
    start: str | None = None,
    end: str | None = None,
) -> Path:
    """Write a graph given as tables to GEXF 1.3 for Gephi (atomic, deterministic, vectorised).

    Parameters
    ----------
    nodes : pandas.DataFrame
        One row per node; column ``account`` is the node id and label, every other
        column a node attribute.
    edges : pandas.DataFrame
        One row per edge, ``source`` / ``target`` columns naming nodes; every other
        column an edge attribute.
    weight : str, optional
        Edge column used as the GEXF edge weight (Gephi's default for layouts).
    date : str, optional
        ``lastmodifieddate`` in the header (use the data's last day, so the same
        input gives the same bytes).
    start, end : str, optional
        Edge columns of times (e.g. ``first_time`` / ``last_time``): the edge's time
        spell. When given and not all missing, the graph is *dynamic*
        (``mode="dynamic" timeformat="datetime"``), so Gephi's timeline shows the edges
        appear; an edge without times exists throughout.

    Notes
    -----
    networkx's GEXF writer builds the whole XML tree in memory (gigabytes for a million
    edges); this writer streams vectorised strings in chunks. ``type`` is never used as
    an attribute name: GEXF reserves it. networkx's GEXF *reader* does not know the
    ``datetime`` time format of a dynamic file: read ``graph.graphml`` with networkx, or
    parse the GEXF as XML.

    Examples
    --------
    >>> import tempfile, xml.etree.ElementTree as ET
    >>> e = pd.DataFrame({"source": ["a"], "target": ["b"], "weight": [2],
    ...                   "first_time": pd.to_datetime(["2024-03-08 20:12"], utc=True),
    ...                   "last_time": pd.to_datetime(["2024-03-08 20:14"], utc=True)})
    >>> n = pd.DataFrame({"account": ["a", "b"], "cluster": ["1", ""]})
    >>> path = write_gexf(n, e, tempfile.mkdtemp() + "/g.gexf", source="source", target="target",
    ...                   directed=True, weight="weight", start="first_time", end="last_time")
    >>> edge = next(ET.parse(path).iter("{http://gexf.net/1.3}edge"))
    >>> edge.get("start"), edge.get("end"), edge.get("weight")
    ('2024-03-08T20:12:00Z', '2024-03-08T20:14:00Z', '2')
    """
    from ._version import __version__

    path = Path(path)
    ncols = [c for c in nodes.columns if c != "account"]
    # the GEXF edge weight is an XML attribute; an attribute column also named "weight" clashes
    ecols = [c for c in edges.columns if c not in (source, target) and c != "weight"]
    spells = [(k, c) for k, c in (("start", start), ("end", end))
              if c is not None and c in edges.columns and edges[c].notna().any()]
    mode = 'mode="dynamic" timeformat="datetime"' if spells else 'mode="static"'
    import pyarrow.compute as pc

    def decl(cls: str, df: pd.DataFrame, cols: list[str]) -> str:
        if not cols:
            return ""
        lines = "".join(f'      <attribute id="{i}" title="{"kind" if c == "type" else c}" '
                        f'type="{_gexf_type(df[c])}"/>\n' for i, c in enumerate(cols))
        return f'    <attributes class="{cls}" mode="static">\n{lines}    </attributes>\n'

    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gexf xmlns="http://gexf.net/1.3" version="1.3">\n'
        f'  <meta lastmodifieddate="{date or "2000-01-01"}">\n'
        f"    <creator>coordnet {__version__}</creator>\n"
        f"    <description>{_xml_text(__import__('pyarrow').array([description]))[0].as_py()}</description>\n"
        "  </meta>\n"
        f'  <graph defaultedgetype="{"directed" if directed else "undirected"}" {mode}>\n'
        + decl("node", nodes, ncols) + decl("edge", edges, ecols))

    chunk = _XML_CHUNK
    with atomic_write(path, "wb") as fh:
        fh.write(head.encode("utf-8"))
        fh.write(b"    <nodes>\n")
        xn = _XmlTable(nodes)
        for k in range(0, xn.num_rows, chunk):
            stop = min(k + chunk, xn.num_rows)
            ids = xn.text("account", k, stop)
            parts = ['      <node id="', ids, '" label="', ids, '">', *_attvalues(xn, ncols, k, stop)]
            _write_joined(fh, pc.binary_join_element_wise(*parts, "</node>\n", ""))
        fh.write(b"    </nodes>\n    <edges>\n")
        xe = _XmlTable(edges)
        for k in range(0, xe.num_rows, chunk):
            stop = min(k + chunk, xe.num_rows)
            eid = _arrow_text(__import__("pyarrow").array(np.arange(k, stop)))
            parts = ['      <edge id="', eid, '" source="', xe.text(source, k, stop),
                     '" target="', xe.text(target, k, stop), '"']
            if weight is not None:
                parts += [' weight="', xe.text(weight, k, stop, cast="double"), '"']
            for key, col in spells:
                t = xe.text(col, k, stop)
                el = pc.binary_join_element_wise(f' {key}="', t, '"', "")
                # a time prints as "" only when missing: no test needed without nulls
                parts.append(el if xe.plain[col] and xe.nulls[col] == 0
                             else pc.if_else(pc.equal(t, ""), "", el))
            parts += [">", *_attvalues(xe, ecols, k, stop)]
            _write_joined(fh, pc.binary_join_element_wise(*parts, "</edge>\n", ""))
        fh.write(b"    </edges>\n  </graph>\n</gexf>\n")
    return path


def write_graphml(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    source: str,
    target: str,
    directed: bool,
) -> Path:
    """Write a graph given as tables to GraphML (atomic, deterministic, vectorised).

    Same tables as :func:`write_gexf`; nodes get a ``label`` (the account) for Gephi/yEd.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    path = Path(path)
    ncols = [c for c in nodes.columns if c != "account"]
    ecols = [c for c in edges.columns if c not in (source, target)]
    gtype = {"long": "long", "double": "double", "string": "string", "boolean": "boolean"}

    def keys(cls: str, pre: str, df: pd.DataFrame, cols: list[str]) -> str:
        return "".join(f'  <key id="{pre}{i}" for="{cls}" attr.name="{"kind" if c == "type" else c}" '
                       f'attr.type="{gtype[_gexf_type(df[c])]}"/>\n' for i, c in enumerate(cols))

    head = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
            'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
            '  <key id="label" for="node" attr.name="label" attr.type="string"/>\n'
            + keys("node", "v", nodes, ncols) + keys("edge", "e", edges, ecols)
            + f'  <graph id="G" edgedefault="{"directed" if directed else "undirected"}">\n')
    chunk = _XML_CHUNK
    with atomic_write(path, "wb") as fh:
        fh.write(head.encode("utf-8"))
        xn = _XmlTable(nodes)
        for k in range(0, xn.num_rows, chunk):
            stop = min(k + chunk, xn.num_rows)
            ids = xn.text("account", k, stop)
            parts = ['    <node id="', ids, '"><data key="label">', ids, "</data>",
                     *_attvalues(xn, ncols, k, stop, "graphml", "v")]
            _write_joined(fh, pc.binary_join_element_wise(*parts, "</node>\n", ""))
        xe = _XmlTable(edges)
        for k in range(0, xe.num_rows, chunk):
            stop = min(k + chunk, xe.num_rows)
            parts = ['    <edge source="', xe.text(source, k, stop), '" target="',
                     xe.text(target, k, stop), '">', *_attvalues(xe, ecols, k, stop, "graphml", "e")]
            _write_joined(fh, pc.binary_join_element_wise(*parts, "</edge>\n", ""))
        fh.write(b"  </graph>\n</graphml>\n")
    return path
