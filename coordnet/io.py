"""Reading action tables: any retweet / mention / reply edge list into one canonical table.

The canonical *actions* table has one row per action and these columns:

============  ==================================================================
column        meaning
============  ==================================================================
source        the account that acted (retweeter, quoter, replier, mentioner)
target        the account retweeted / quoted / replied to / mentioned (may be NA)
timestamp     when the action happened, ``datetime64[ms, UTC]`` (NaT if absent)
type          ``retweet`` | ``quote`` | ``reply`` | ``mention`` (categorical)
id            the action's own post id (may be NA)
object_id     the post retweeted / quoted / replied to (may be NA)
weight        how many actions the row stands for (pre-aggregated lists; default 1)
============  ==================================================================

``source`` is required, and at least one of ``target`` and ``object_id``.
Columns are matched by **name**, never by position: :data:`ALIASES` lists the names
recognised for each field, and explicit ``columns=`` overrides win.

Reading is vectorised: delimited text is parsed, cleaned and encoded in pyarrow
(:func:`_normalise_arrow`); other inputs are converted with pandas (:func:`_normalise`), under
the same rules. Rows that cannot
be used are never dropped silently: they are counted, kept with a reason in
:attr:`ReadResult.rejected`, and reading stops with an :class:`~coordnet.errors.InputError`
if more than ``max_rejected`` of the rows are bad.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import io as _io
import json
import logging
import os
import re
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import numpy as np
import pandas as pd

from .config import ACTION_TYPES, Config
from .errors import InputError
from .platforms import PLATFORM_FORMATS, from_twarc_csv, parse_platform, sniff_platform
from ._memory import heavy, memory_bytes, release_memory

__all__ = [
    "FIELDS",
    "ALIASES",
    "TYPE_ALIASES",
    "ReadResult",
    "read_actions",
    "from_dataframe",
    "parse_timestamps",
]

log = logging.getLogger("coordnet")

#: Canonical fields of the actions table, in output order.
FIELDS: tuple[str, ...] = ("source", "target", "timestamp", "type", "id", "object_id", "weight")

#: Column names recognised for each field (compared after lower-casing and turning
#: every non-alphanumeric run into ``_``). Earlier names win when several are present.
ALIASES: dict[str, tuple[str, ...]] = {
    "source": (
        "source", "from", "account_id", "account", "user", "user_id", "author_id", "author",
        "actor", "actor_id", "source_user", "source_id", "retweeter", "retweeter_id",
        "screen_name", "user_screen_name", "username", "user_name", "handle", "sender",
        "from_user", "from_id", "mentioner", "replier",
    ),
    "target": (
        "target", "to", "retweeted_user", "retweeted_author_id", "retweeted_author",
        "retweeted_user_id", "retweeted_screen_name", "target_user", "target_id",
        "target_account", "amplified", "amplified_user", "original_author", "original_author_id",
        "to_user", "to_id", "mentioned_user", "mentioned", "replied_to_user",
        "in_reply_to_user_id", "in_reply_to_screen_name", "rt_user",
    ),
    "timestamp": (
        "timestamp", "timestamp_share", "created_at", "time", "date", "datetime", "date_time",
        "ts", "created", "time_stamp", "published_at", "published", "event_time", "post_time",
        "unix_time", "epoch",
    ),
    "type": (
        "type", "interaction", "interaction_type", "action", "action_type", "kind", "event_type",
        "edge_type", "relation", "relationship",
    ),
    "id": (
        "id", "content_id", "action_id", "tweet_id", "post_id", "status_id", "message_id",
        "retweet_id",
    ),
    "object_id": (
        "object_id", "retweeted_tweet_id", "retweeted_status_id", "retweeted_id",
        "retweeted_post_id", "original_tweet_id", "original_post_id", "original_id",
        "referenced_tweet_id", "quoted_status_id", "in_reply_to_status_id", "item_id",
        "object", "shared_id",
    ),
    "weight": ("weight", "count", "n", "n_actions", "times", "frequency", "freq"),
}

#: Values recognised in the ``type`` column (after lower-casing and stripping).
TYPE_ALIASES: dict[str, str] = {
    **{k: "retweet" for k in (
        "retweet", "retweets", "retweeted", "rt", "repost", "reposted", "reblog", "reblogged",
        "boost", "boosted", "share", "shared", "forward", "forwarded", "amplify")},
    **{k: "quote" for k in ("quote", "quoted", "qt", "quote_tweet", "quotes", "quoted_tweet")},
    **{k: "reply" for k in ("reply", "replies", "replied", "replied_to", "re", "comment")},
    **{k: "mention" for k in ("mention", "mentions", "mentioned", "mt", "at")},
}

_GEPHI_DIRECTIONS = {"directed", "undirected", "mutual"}
_FORMATS = ("auto", "csv", "tsv", "jsonl", "json", "parquet", *PLATFORM_FORMATS)
_TWITTER_FORMAT = "%a %b %d %H:%M:%S %z %Y"
# Timestamps outside this range are treated as errors (a unix-seconds column read as
# milliseconds, a date typed by hand …). Social media did not exist before 2000.
TIME_MIN = pd.Timestamp("2000-01-01", tz="UTC")
TIME_MAX = pd.Timestamp("2100-01-01", tz="UTC")

ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ReadResult:
    """What :func:`read_actions` read, and how.

    Attributes
    ----------
    actions : pandas.DataFrame
        The canonical actions table (columns :data:`FIELDS`).
    path : str
        The file read (``"<DataFrame>"`` or ``"<stdin>"`` otherwise).
    sha256 : str or None
        SHA-256 of the file's bytes as stored (``None`` for a DataFrame).
    format : str
        ``csv``, ``tsv``, ``jsonl``, ``json``, ``parquet``, ``dataframe`` or a platform
        format (:data:`coordnet.platforms.PLATFORM_FORMATS`).
    compression : str or None
        ``gzip``, ``zstd``, ``bz2`` or ``None``.
    mapping : dict
        Canonical field → input column it was read from.
    ignored_columns : tuple of str
        Input columns not used.
    rows_read, rows_kept, rows_rejected, rows_duplicate : int
        ``rows_read == rows_kept + rows_rejected + rows_duplicate``. A duplicate repeats an
        earlier row exactly, id included (each action counts once); rows sharing an id
        but differing in content are all kept and counted in a note.
    rejected : pandas.DataFrame
        One row per rejected row: ``row`` (1-based data row, header excluded, or the
        line number for malformed lines), ``reason`` and the raw values.
    notes : tuple of str
        Things the user should know about how the file was read.
    """

    actions: pd.DataFrame
    path: str
    sha256: str | None
    format: str
    compression: str | None
    mapping: dict[str, str]
    ignored_columns: tuple[str, ...]
    rows_read: int
    rows_kept: int
    rows_rejected: int
    rows_duplicate: int
    rejected: pd.DataFrame
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def fields_present(self) -> tuple[str, ...]:
        """Canonical fields that came from the input (the others hold defaults)."""
        return tuple(f for f in FIELDS if f in self.mapping)

    def summary(self) -> dict[str, Any]:
        """A JSON-serialisable description (used in ``summary.json``)."""
        acts = self.actions
        first, last = acts["timestamp"].min(), acts["timestamp"].max()  # NaT skipped; no copy
        src, tgt = acts["source"], acts["target"]
        if (isinstance(src.dtype, pd.CategoricalDtype) and isinstance(tgt.dtype, pd.CategoricalDtype)
                and src.cat.categories.equals(tgt.cat.categories)):
            # shared account codes (encode_actions): count the codes used, no text hashed
            seen = np.zeros(len(src.cat.categories) + 1, dtype=bool)
            seen[src.cat.codes.to_numpy()] = True
            seen[tgt.cat.codes.to_numpy()] = True  # NA is -1: the spare last slot
            accounts = int(seen[:-1].sum())
        else:
            accounts = pd.concat([src, tgt.dropna()]).nunique()
        return {
            "input": self.path,
            "input_sha256": self.sha256,
            "format": self.format,
            "compression": self.compression,
            "mapping": dict(self.mapping),
            "ignored_columns": list(self.ignored_columns),
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "rows_rejected": self.rows_rejected,
            "rows_duplicate": self.rows_duplicate,
            "rejected_by_reason": _reason_counts(self.rejected),
            "accounts": int(accounts),
            "types": {k: int(v) for k, v in acts["type"].value_counts().items() if v},
            "first_time": None if pd.isna(first) else first.isoformat(),
            "last_time": None if pd.isna(last) else last.isoformat(),
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------- helpers


def _norm(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lstrip("\ufeff").lower()).strip("_")


def _reason_counts(rejected: pd.DataFrame) -> dict[str, int]:
    if rejected is None or rejected.empty:
        return {}
    return {str(k): int(v) for k, v in rejected["reason"].value_counts().sort_index().items()}


def detect_columns(
    columns: list[str], overrides: Mapping[str, str | None] | None = None, *, where: str = "input"
) -> dict[str, str]:
    """Map canonical fields to input columns by name.

    Parameters
    ----------
    columns : list of str
        The input's column names.
    overrides : mapping, optional
        Field → column name chosen by the user; these win over auto-detection.
    where : str
        The file name, for error messages.

    Returns
    -------
    dict
        Field → column name, for the fields found.

    Raises
    ------
    InputError
        An override names a column that does not exist, or no column can serve as
        ``source``, or neither ``target`` nor ``object_id`` is found.

    Examples
    --------
    >>> detect_columns(["Source", "Target", "Weight"])
    {'source': 'Source', 'target': 'Target', 'weight': 'Weight'}
    >>> detect_columns(["object_id", "account_id", "content_id", "timestamp_share"])
    {'source': 'account_id', 'timestamp': 'timestamp_share', 'id': 'content_id', 'object_id': 'object_id'}
    """
    overrides = {k: v for k, v in (overrides or {}).items() if v}
    bad_fields = sorted(set(overrides) - set(FIELDS))
    if bad_fields:
        raise InputError(f"unknown field(s) {bad_fields} in the column overrides.",
                         hint=f"fields are: {', '.join(FIELDS)}")
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise InputError(f"{where}: column name(s) {dupes} appear more than once in the header.",
                         hint="rename the duplicated columns so each name is unique")
    mapping: dict[str, str] = {}
    for f, col in overrides.items():
        if col not in columns:
            raise InputError(
                f"{where}: no column named {col!r} (asked for as the {f} column).",
                hint=f"columns found: {', '.join(map(repr, columns))}")
        mapping[f] = col
    used = set(mapping.values())
    by_norm: dict[str, str] = {}
    for c in columns:
        by_norm.setdefault(_norm(c), c)
    for f in FIELDS:
        if f in mapping:
            continue
        for alias in ALIASES[f]:
            c = by_norm.get(alias)
            if c is not None and c not in used:
                mapping[f] = c
                used.add(c)
                break
    if "source" not in mapping:
        raise InputError(
            f"{where}: no column for the acting account (source). "
            f"Columns found: {', '.join(map(repr, columns)) or 'none'}.",
            hint="name it one of " + ", ".join(ALIASES["source"][:8]) +
            " …, or say which column it is with --source-col NAME")
    if "target" not in mapping and "object_id" not in mapping:
        raise InputError(
            f"{where}: no column for the amplified account (target) or the amplified post "
            f"(object_id). Columns found: {', '.join(map(repr, columns))}.",
            hint="name one of them " + ", ".join(ALIASES["target"][:6] + ALIASES["object_id"][:4])
            + " …, or say which with --target-col NAME / --object-col NAME")
    return {f: mapping[f] for f in FIELDS if f in mapping}


def parse_timestamps(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse timestamps in any supported form to UTC, vectorised.

    Accepted: ISO 8601 with or without zone (no zone means UTC), unix seconds,
    milliseconds, microseconds or nanoseconds (told apart by magnitude, per value),
    Twitter's ``Wed Oct 20 21:13:56 +0000 2021``, and datetime columns (naive means UTC).

    Parameters
    ----------
    values : pandas.Series

    Returns
    -------
    (timestamps, reason) : tuple of Series
        ``timestamps`` is ``datetime64[ms, UTC]``; ``reason`` is ``None`` where the value
        parsed and a short explanation where it did not (those timestamps are NaT).

    Examples
    --------
    >>> ts, why = parse_timestamps(pd.Series(["2021-10-20T21:13:56Z", "1634764436",
    ...     "1634764436000", "Wed Oct 20 21:13:56 +0000 2021", "2021-10-20 23:13:56+02:00",
    ...     "yesterday"]))
    >>> ts.dt.strftime("%Y-%m-%d %H:%M:%S").tolist()[:5]
    ['2021-10-20 21:13:56', '2021-10-20 21:13:56', '2021-10-20 21:13:56', '2021-10-20 21:13:56', '2021-10-20 21:13:56']
    >>> why.tolist()[-1]
    "unrecognised timestamp 'yesterday' (use ISO 8601 or unix seconds)"
    """
    n = len(values)
    idx = values.index
    out = pd.Series(pd.NaT, index=idx, dtype="datetime64[ms, UTC]")
    reason = pd.Series(None, index=idx, dtype=object)
    if n == 0:
        return out, reason
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(values):
        v = pd.to_datetime(values)
        v = v.dt.tz_localize("UTC") if v.dt.tz is None else v.dt.tz_convert("UTC")
        out = v.astype("datetime64[ms, UTC]")
        missing = out.isna()
        reason[missing] = "missing timestamp"
    else:
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            num = pd.to_numeric(values, errors="coerce").astype("float64")
            text = None
        else:
            text = values.astype("str").str.strip()
            text = text.where(values.notna(), "")
            num = pd.to_numeric(text.where(text.str.fullmatch(r"[-+]?\d+(\.\d*)?([eE][-+]?\d+)?")),
                                errors="coerce").astype("float64")
        isnum = num.notna().to_numpy()
        if isnum.any():
            x = num.to_numpy()[isnum]
            ax = np.abs(x)
            # per value: < 1e11 seconds (until year 5138), < 1e14 ms, < 1e17 µs, else ns
            scale = np.where(ax < 1e11, 1e3, np.where(ax < 1e14, 1.0, np.where(ax < 1e17, 1e-3, 1e-6)))
            ms = np.round(x * scale)
            ok = np.abs(ms) < 9.2e15  # within datetime64[ms] range safely
            vals = np.full(len(x), np.datetime64("NaT"), dtype="datetime64[ms]")
            vals[ok] = ms[ok].astype("int64").astype("datetime64[ms]")
            out.iloc[np.flatnonzero(isnum)] = pd.to_datetime(vals, utc=True)
        if text is not None:
            rest = (~isnum) & (text != "").to_numpy()
            if rest.any():
                sub = text[rest]
                parsed = pd.to_datetime(sub, format="ISO8601", utc=True, errors="coerce")
                still = parsed.isna()
                if still.any():
                    parsed[still] = pd.to_datetime(sub[still], format=_TWITTER_FORMAT, utc=True,
                                                   errors="coerce")
                out[rest] = parsed.astype("datetime64[ms, UTC]")
                bad = rest & out.isna().to_numpy()
                if bad.any():
                    reason[bad] = [f"unrecognised timestamp {v[:40]!r} (use ISO 8601 or unix seconds)"
                                   for v in text[bad]]
            empty = (~isnum) & (text == "").to_numpy()
            reason[empty] = "missing timestamp"
        else:
            reason[~isnum] = "missing timestamp"
    ok = out.notna()
    oor = ok & ((out < TIME_MIN) | (out >= TIME_MAX))
    if oor.any():
        reason[oor] = _range_reasons(out[oor])
        out[oor] = pd.NaT
    return out, reason


def _range_reasons(ts: pd.Series) -> list[str]:
    return [f"timestamp {t.isoformat()} out of range (2000–2100)" for t in ts]


class _Reasons:
    """Why rows are rejected; the first reason flagged for a row wins."""

    def __init__(self, n: int) -> None:
        self.bad = np.zeros(n, dtype=bool)
        self._idx: list[np.ndarray] = []
        self._why: list[np.ndarray] = []

    def flag(self, mask: Any, why: str | Callable[[np.ndarray], Any]) -> None:
        """Reject the rows of ``mask`` not rejected yet; ``why`` is a reason, or a function
        giving the reasons of the row numbers it is passed (called for those rows only)."""
        m = np.asarray(mask, dtype=bool) & ~self.bad
        if m.any():
            i = np.flatnonzero(m)
            self.bad[i] = True
            self._idx.append(i)
            self._why.append(np.full(len(i), why, dtype=object) if isinstance(why, str)
                             else np.asarray(list(why(i)), dtype=object))

    def reasons(self) -> np.ndarray:
        """The reasons of the rejected rows, in row order."""
        if not self._idx:
            return np.empty(0, dtype=object)
        idx, why = np.concatenate(self._idx), np.concatenate(self._why)
        return why[np.argsort(idx, kind="stable")]


def _clean_str(s: pd.Series) -> pd.Series:
    """Strings stripped of surrounding space; empty → NA."""
    if pd.api.types.is_float_dtype(s):
        # ids read as floats (JSON, Parquet): print integral values without ".0"
        v = s.to_numpy()
        integral = np.isfinite(v) & (np.floor(v) == v)
        txt = s.astype("str")
        txt[integral] = pd.Series(v[integral].astype("int64"), index=s.index[integral]).astype("str")
        s = txt.where(s.notna())
    elif not (pd.api.types.is_string_dtype(s) and not pd.api.types.is_object_dtype(s)):
        s = s.astype("str").where(s.notna())
    s = s.astype("str").str.strip() if len(s) else s.astype("str")
    return s.where(s.notna() & (s != ""))


def _action_types(values: pd.Series, rows: np.ndarray | None, name: str, default_type: str,
                  notes: list[str], why: _Reasons) -> pd.Categorical | None:
    """The ``type`` column as a categorical over :data:`ACTION_TYPES`, or ``None`` when it
    holds Gephi edge directions (noted). ``values[rows]`` are the rows' raw values (``rows``
    None: ``values`` are the rows), so a column can be given by its distinct values."""
    low = values.astype("str").str.strip().str.lower().where(values.notna(), "")
    distinct = set(low.unique()) - {""}
    if distinct and distinct <= _GEPHI_DIRECTIONS:
        notes.append(f"column {name!r} holds Gephi edge directions "
                     f"({', '.join(sorted(distinct))}), not action types: ignored; "
                     f"every row is a {default_type}")
        return None
    t = low.map(TYPE_ALIASES)
    t[low == ""] = default_type
    codes = pd.Categorical(t, categories=list(ACTION_TYPES)).codes
    lows = low.to_numpy()
    if rows is not None:
        codes, lows = codes[rows], lows[rows]
    why.flag(codes < 0, lambda i: (f"{name!r}: unknown action type {v[:30]!r} "
                                   f"(expected {', '.join(ACTION_TYPES)})" for v in lows[i]))
    return pd.Categorical.from_codes(codes, categories=list(ACTION_TYPES))


def _default_types(n: int, default_type: str) -> pd.Categorical:
    return pd.Categorical.from_codes(np.full(n, ACTION_TYPES.index(default_type), dtype=np.int8),
                                     categories=list(ACTION_TYPES))


def _weights(col: pd.Series, name: str, why: _Reasons) -> pd.Series:
    """Positive weights (bad ones rejected and set to 1); integers when all are integral."""
    w = pd.to_numeric(col if pd.api.types.is_numeric_dtype(col) else col.astype("str").str.strip(),
                      errors="coerce").astype("float64")
    bad = w.isna() | ~np.isfinite(w) | (w <= 0)
    why.flag(bad, f"{name!r}: weight must be a positive number")
    w = w.where(~bad, 1.0)
    if np.all(np.floor(w.to_numpy()) == w.to_numpy()):
        w = w.astype("int64")
    return w


def _normalise(raw: pd.DataFrame, mapping: dict[str, str], default_type: str,
               notes: list[str]) -> tuple[pd.DataFrame, _Reasons]:
    """Turn raw input columns into the canonical table; returns (table, reject reasons)."""
    n = len(raw)
    why = _Reasons(n)
    out = pd.DataFrame(index=raw.index)
    out["source"] = _clean_str(raw[mapping["source"]])
    why.flag(out["source"].isna(), f"empty {mapping['source']!r} (source account)")
    out["target"] = _clean_str(raw[mapping["target"]]) if "target" in mapping else pd.Series(
        pd.NA, index=raw.index, dtype="str")
    out["object_id"] = _clean_str(raw[mapping["object_id"]]) if "object_id" in mapping else pd.Series(
        pd.NA, index=raw.index, dtype="str")
    names = " and ".join(repr(mapping[f]) for f in ("target", "object_id") if f in mapping)
    why.flag(out["target"].isna() & out["object_id"].isna(), f"empty {names} (nothing amplified)")

    if "timestamp" in mapping:
        ts, ts_why = parse_timestamps(raw[mapping["timestamp"]])
        reasons = ts_why.to_numpy()
        # format the reasons of the bad rows only (a Python call per bad row)
        why.flag(ts_why.notna(), lambda i: (f"{mapping['timestamp']!r}: {r}" for r in reasons[i]))
        out["timestamp"] = ts
    else:
        out["timestamp"] = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ms, UTC]")

    t = None
    if "type" in mapping:
        t = _action_types(raw[mapping["type"]], None, mapping["type"], default_type, notes, why)
        if t is None:
            del mapping["type"]
    out["type"] = _default_types(n, default_type) if t is None else t

    out["id"] = _clean_str(raw[mapping["id"]]) if "id" in mapping else pd.Series(
        pd.NA, index=raw.index, dtype="str")

    if "weight" in mapping:
        out["weight"] = _weights(raw[mapping["weight"]], mapping["weight"], why)
    else:
        out["weight"] = np.ones(n, dtype="int64")
    return out[list(FIELDS)], why


# ------------------------------------------------------- the Arrow path (delimited text)
# A CSV/TSV is parsed by pyarrow into string columns; these are cleaned, checked and
# dictionary-encoded in Arrow without building pandas string columns. Every rule is the
# one of the pandas path above (tests/test_io.py compares the two on tricky values).

_NAT = np.iinfo(np.int64).min
_TIME_MIN_MS = TIME_MIN.value // 10**6
_TIME_MAX_MS = TIME_MAX.value // 10**6


def _clean_arrow(col: Any) -> Any:
    """Arrow version of :func:`_clean_str` for a string column: stripped, empty → null.

    A chunked column (as pyarrow's CSV reader gives) is cleaned chunk by chunk and stays
    chunked: no copy of the whole column, and each chunk's checks run in the CPU cache."""
    import pyarrow as pa

    if isinstance(col, pa.ChunkedArray):
        if pa.types.is_string(col.type) and col.nbytes > 2**31 - 2**24:
            col = col.cast(pa.large_string())  # 32-bit offsets cannot hold its dictionary
        return pa.chunked_array([_clean_chunk(c) for c in col.chunks], type=col.type)
    return _clean_chunk(col)


def _clean_chunk(a: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(a) == 0:
        return a
    offs, data = _string_buffers(a)
    used = data[offs[0]: offs[-1]]  # the bytes of this array's values
    # trim only when some value starts or ends with a space, a control or a non-ASCII byte
    # (unicode spaces): the check is cheap, the trim copies the column. First one scan of
    # the bytes (no such byte at all: nothing to trim), then each value's first and last.
    if len(used) and not (used.min() >= 33 and used.max() <= 126):
        # (an empty value shows its neighbour's byte: that only makes the check more cautious)
        first = data[np.minimum(offs[:-1], len(data) - 1)]
        last = data[np.maximum(offs[1:] - 1, 0)]
        odd = np.uint8(94)  # b - 33 wraps below 33: >= 94 means b <= 32 or b >= 127
        if ((first - np.uint8(33)) >= odd).any() or ((last - np.uint8(33)) >= odd).any():
            a = pc.utf8_trim_whitespace(a)
            offs, data = _string_buffers(a)
    empty = offs[1:] == offs[:-1]
    if empty.any():
        a = pc.if_else(pa.array(empty), pa.scalar(None, a.type), a)
    return a


def _chunks(a: Any) -> list[Any]:
    """The arrays of a pyarrow Array or ChunkedArray."""
    return list(a.chunks) if hasattr(a, "chunks") else [a]


def _string_buffers(a: Any) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, bytes) of a pyarrow string or large_string array, as numpy views."""
    import pyarrow as pa

    offs = np.frombuffer(a.buffers()[1], dtype=np.int64 if pa.types.is_large_string(a.type)
                         else np.int32)[a.offset: a.offset + len(a) + 1]
    data = a.buffers()[2]
    return offs, (np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, np.uint8))


def _may_repeat(a: Any) -> bool:
    """False when no two non-null values of the string array ``a`` (an Array or a
    ChunkedArray) are equal: the values are in strictly increasing or decreasing order
    (as text, or by length then text: numeric ids), or their 64-bit hashes all differ
    (hashing and sorting integers is much cheaper than hashing strings).
    True when two hashes are equal: a repeated value, or rarely a collision."""
    if len(a) - a.null_count < 2:
        return False
    # ordered ids (exports often are): a cheap look at the first thousand says whether to check
    if not a.null_count and _strictly_ordered(a[:1000]) and (len(a) <= 1000
                                                             or _strictly_ordered(a)):
        return False
    import pyarrow.compute as pc

    longest = min(pc.max(pc.binary_length(a)).as_py() or 0, 64)  # the same rounds for every chunk
    h = np.concatenate([_hash64(c, longest) for c in _chunks(a)])
    h.sort()
    return bool((h[1:] == h[:-1]).any())


def _strictly_ordered(a: Any) -> bool:
    """Whether the values of a null-free string Array or ChunkedArray are in strictly
    increasing or strictly decreasing order, as text or by (length, text): then no two are
    equal. Chunk by chunk (each chunk's comparisons stay in the CPU cache), with the pairs
    across chunk boundaries compared in Python; stops at the first chunk that rules all
    four orders out."""
    import pyarrow.compute as pc

    # the four orders: (way, by length first); way +1 increasing, -1 decreasing
    alive = {(1, False), (-1, False), (1, True), (-1, True)}
    last: str | None = None
    for c in _chunks(a):
        if not len(c):
            continue
        if last is not None:  # the pair across the boundary
            x, y = last, c[0].as_py()
            lx, ly = len(x.encode()), len(y.encode())
            for way, by_len in list(alive):
                kx, ky = ((lx, x), (ly, y)) if by_len else (x, y)
                if not (kx < ky if way == 1 else kx > ky):
                    alive.discard((way, by_len))
        last = c[-1].as_py()
        if len(c) > 1 and alive:
            head, tail = c.slice(0, len(c) - 1), c.slice(1)
            longer = np.sign(np.diff(pc.binary_length(c).to_numpy(zero_copy_only=False)))
            for way in (1, -1):
                if (way, False) not in alive and (way, True) not in alive:
                    continue
                ok = (pc.less if way == 1 else pc.greater)(head, tail).to_numpy(
                    zero_copy_only=False)
                if not ok.all():
                    alive.discard((way, False))
                if (way, True) in alive and not ((longer == way) | ((longer == 0) & ok)).all():
                    alive.discard((way, True))
        if not alive:
            return False
    return True


def _hash64(a: Any, longest: int) -> np.ndarray:
    """A 64-bit hash of each non-null value of a string array: its length and its first
    ``longest`` bytes (at most 64; the same ``longest`` gives comparable hashes)."""
    offs, data = _string_buffers(a)
    offs = offs.astype(np.int64)
    data = data[offs[0]: offs[-1]]  # the bytes of this array only (a slice's buffer is shared)
    start, lens = offs[:-1] - offs[0], np.diff(offs)
    padded = np.zeros(len(data) + 72, dtype=np.uint8)  # room for 64 bytes past any value
    padded[: len(data)] = data
    # the 8 bytes starting at each position, as one unaligned uint64 each
    words = np.ndarray(shape=(len(data) + 65,), dtype="<u8", buffer=padded, strides=(1,))
    masks = np.array([2**(8 * i) - 1 for i in range(9)], dtype=np.uint64)  # the first i bytes
    mult = np.uint64(0x9E3779B97F4A7C15)
    h = lens.astype(np.uint64)
    for k in range(0, longest, 8):
        left = np.clip(lens - k, 0, 8)
        w = words[start + k]
        w &= masks[left]
        h ^= w
        h *= mult
        h ^= h >> np.uint64(29)
    return h[~_is_null(a)] if a.null_count else h


def _is_null(a: Any) -> np.ndarray:
    return a.is_null().to_numpy(zero_copy_only=False)


def _iso_ms(chunk: Any) -> np.ndarray | None:
    """Unix ms of a chunk of ISO 8601 text (NaT for empty), or None unless every value is
    ISO 8601 that pyarrow parses (all with a zone, or all without one: then UTC)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = _clean_arrow(chunk)
    if text.null_count == len(text):
        return np.full(len(text), _NAT, dtype=np.int64)
    for typ in (pa.timestamp("ms", tz="UTC"), pa.timestamp("ms")):
        try:
            # the first values first: a cast that fails reads every value before it says so
            # (0.3 s per block of unix times, against 0.03 s for the whole block that parses)
            pc.cast(text.slice(0, 64), typ)
            parsed = pc.cast(text, typ)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        return parsed.cast(pa.int64()).fill_null(_NAT).to_numpy(zero_copy_only=False)
    return None


#: Twitter's date as Twitter writes it (``Wed Oct 20 21:13:56 +0000 2021``), field by field.
_TWITTER_RE = (r"^[A-Z][a-z]{2} [A-Z][a-z]{2} (0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d "
               r"[+-]\d{4} \d{4}$")


def _twitter_ms(chunk: Any) -> np.ndarray | None:
    """Unix ms of a chunk of Twitter dates (NaT for empty), or None unless every value is
    one as Twitter writes it (:data:`_TWITTER_RE`) on a day its month has: pyarrow's
    ``strptime`` then gives what :func:`parse_timestamps` gives (its :data:`_TWITTER_FORMAT`),
    at a third of the time (2.96 million rows: 10.5 s to read, then 3.3 s)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = _clean_arrow(chunk)
    if text.null_count == len(text):
        return None
    try:
        if not pc.all(pc.match_substring_regex(text.slice(0, 64), _TWITTER_RE)).as_py() or \
                not pc.all(pc.match_substring_regex(text, _TWITTER_RE)).as_py():
            return None
        ms = pc.strptime(text, format=_TWITTER_FORMAT, unit="ms").cast(pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    ms = ms.fill_null(_NAT).to_numpy(zero_copy_only=False)
    # the day as written, against the day of the local time parsed (pyarrow takes Feb 30
    # for Mar 1; pandas, and this reader, reject it)
    ok = ms != _NAT
    txt = text.filter(pa.array(ok)) if not ok.all() else text
    day = pc.cast(pc.utf8_slice_codeunits(txt, 8, 10), pa.int64()).to_numpy(zero_copy_only=False)
    off = pc.utf8_slice_codeunits(txt, 20, 25)
    sign = np.where(pc.equal(pc.utf8_slice_codeunits(off, 0, 1), "-").to_numpy(zero_copy_only=False), -1, 1)
    hh = pc.cast(pc.utf8_slice_codeunits(off, 1, 3), pa.int64()).to_numpy(zero_copy_only=False)
    mm = pc.cast(pc.utf8_slice_codeunits(off, 3, 5), pa.int64()).to_numpy(zero_copy_only=False)
    local = (ms[ok] + sign * (hh * 3_600_000 + mm * 60_000)).astype("datetime64[ms]")
    local_day = (local.astype("datetime64[D]") - local.astype("datetime64[M]")).astype(np.int64) + 1
    if not np.array_equal(local_day, day):
        return None
    return ms


def _parse_timestamps_arrow(col: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`parse_timestamps` of a pyarrow string column: (unix ms with NaT, rows with a
    reason, their reasons). Chunks that are wholly ISO 8601 are parsed by pyarrow; the
    others by :func:`parse_timestamps` (same results: tests/test_io.py)."""
    ms = np.empty(len(col), dtype=np.int64)
    idx: list[np.ndarray] = []
    why: list[np.ndarray] = []
    start = 0
    for chunk in col.chunks:
        k = len(chunk)
        got = _iso_ms(chunk)
        if got is None:
            got = _twitter_ms(chunk)
        if got is None:
            ts, reason = parse_timestamps(chunk.to_pandas())
            got = ts.array.asi8
            bad = reason.notna().to_numpy()
        else:
            bad, reason = got == _NAT, None  # (every reason: "missing timestamp")
        ms[start:start + k] = got
        if bad.any():
            idx.append(start + np.flatnonzero(bad))
            why.append(reason.to_numpy()[bad] if reason is not None
                       else np.full(int(bad.sum()), "missing timestamp", dtype=object))
        start += k
    oor = (ms != _NAT) & ((ms < _TIME_MIN_MS) | (ms >= _TIME_MAX_MS))
    if oor.any():
        idx.append(np.flatnonzero(oor))
        why.append(np.asarray(_range_reasons(_ms_series(ms[oor])), dtype=object))
        ms[oor] = _NAT
    if not idx:
        return ms, np.empty(0, dtype=np.int64), np.empty(0, dtype=object)
    rows, reasons = np.concatenate(idx), np.concatenate(why)
    order = np.argsort(rows, kind="stable")
    return ms, rows[order], reasons[order]


def _ms_series(ms: np.ndarray) -> pd.Series:
    """``datetime64[ms, UTC]`` Series of unix milliseconds (``_NAT`` → NaT), on ``ms`` itself
    (no copy: the caller hands it over)."""
    # whole numbers with a zoned dtype are UTC epoch values (as pyarrow's to_pandas does it)
    return pd.Series(pd.array(ms, dtype=pd.DatetimeTZDtype("ms", "UTC"), copy=False), copy=False)


def _dict_codes(a: Any) -> tuple[np.ndarray, Any]:
    """Dictionary encoding of a pyarrow string Array or ChunkedArray: (int32 codes, -1 for
    null; values as large_string)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if a.null_count == len(a):
        return np.full(len(a), -1, dtype=np.int32), pa.array([], type=pa.large_string())
    d = _chunks(pc.dictionary_encode(a))  # the chunks of a chunked column share one dictionary
    idx = np.empty(len(a), dtype=np.int32)
    k = 0
    for c in d:
        i = c.indices
        idx[k: k + len(c)] = (i.fill_null(-1) if i.null_count else i).to_numpy(zero_copy_only=False)
        k += len(c)
    return idx, d[0].dictionary.cast(pa.large_string())


def _sort_order(a: Any, stable: bool = True) -> np.ndarray:
    """``pyarrow.compute.array_sort_indices`` of a null-free string array (by bytes; equal
    values in their order, or in any order without ``stable``). Values of at most 8 bytes
    without a NUL byte (account names, post ids) sort as one 64-bit integer each, their
    bytes zero-padded: the same order, several times faster than comparing text."""
    import pyarrow.compute as pc

    offs, data = _string_buffers(a)
    lens = np.diff(offs)
    used = data[offs[0]: offs[-1]] if len(a) else data[:0]
    if len(a) < 2 or a.null_count or lens.max() > 8 or (len(used) and used.min() == 0):
        return pc.array_sort_indices(a).to_numpy()
    padded = np.zeros(len(data) + 8, dtype=np.uint8)
    padded[: len(data)] = data
    # the 8 bytes from each value's start, big-endian, the bytes past its end cleared
    words = np.ndarray(shape=(len(data) + 1,), dtype=">u8", buffer=padded, strides=(1,))
    shift = ((8 - np.maximum(lens, 1)) * 8).astype(np.uint64)  # (an empty value: key 0)
    key = (words[offs[:-1]].astype(np.uint64) >> shift) << shift
    key[lens == 0] = 0
    order = np.argsort(key)
    if stable and (np.diff(key[order]) == 0).any():  # equal values: in their order, as pyarrow's
        order = np.argsort(key, kind="stable")
    return order


def _clean_codes(col: Any, sort: bool = False) -> tuple[Any, ...]:
    """:func:`_dict_codes` of the :func:`_clean_arrow` text of a string column (and, with
    ``sort``, the sort order of its values)."""
    idx, dic = _dict_codes(_clean_arrow(col))
    return (idx, dic, _sort_order(dic)) if sort else (idx, dic)


def _normalise_arrow(table: Any, mapping: dict[str, str], default_type: str,
                     notes: list[str], then: Callable[[], Any] | None = None
                     ) -> tuple[dict[str, Any], _Reasons]:
    """:func:`_normalise` of a pyarrow table of string columns: canonical columns (source,
    target and object_id as (codes, dictionary), id as (pyarrow text, may repeat),
    timestamp as unix ms, ``text``: a function giving a field's clean text again) and
    reject reasons. The columns are worked on in parallel
    (pyarrow and numpy release the GIL); ``then`` (the input's hash, say) is started by the
    first worker that has no column left."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = table.num_rows
    why = _Reasons(n)
    none = pa.nulls(n, pa.string())
    out: dict[str, Any] = {}
    jobs: dict[str, Any] = {}
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="coordnet-read") as pool:
        # longest first (object ids have the most distinct values, and are sorted here)
        for f in ("object_id", "id", "source", "target", "timestamp"):
            if f == "id" and f in mapping:
                jobs[f] = pool.submit(lambda: (lambda a: (a, _may_repeat(a)))(
                    _clean_arrow(table.column(mapping["id"]))))
            elif f == "timestamp" and f in mapping:
                jobs[f] = pool.submit(_parse_timestamps_arrow, table.column(mapping[f]))
            elif f in ("source", "target", "object_id"):
                jobs[f] = pool.submit(_clean_codes, table.column(mapping[f]) if f in mapping
                                      else none, f == "object_id")
        if then is not None:  # run by the first worker left without a column
            pool.submit(then)
        got = {f: job.result() for f, job in jobs.items()}

    # an account or post id over several lines: a stray quote's field swallowed the rows on
    # them (shorter than what the reader takes out, _MAX_QUOTED_BYTES)
    for f in ("source", "target", "object_id"):
        if f in mapping:
            _flag_multiline(*got[f][:2], mapping[f], table.num_columns, why)
    out["source"] = got["source"]
    why.flag(got["source"][0] < 0, f"empty {mapping['source']!r} (source account)")
    out["target"], out["object_id"] = got["target"], got["object_id"]
    names = " and ".join(repr(mapping[f]) for f in ("target", "object_id") if f in mapping)
    why.flag((got["target"][0] < 0) & (got["object_id"][0] < 0),
             f"empty {names} (nothing amplified)")

    if "timestamp" in mapping:
        ms, rows, reasons = got["timestamp"]
        mask = np.zeros(n, dtype=bool)
        mask[rows] = True
        why.flag(mask, lambda i: (f"{mapping['timestamp']!r}: {r}"
                                  for r in reasons[np.searchsorted(rows, i)]))
        out["timestamp"] = ms
    else:
        out["timestamp"] = np.full(n, _NAT, dtype=np.int64)

    t = None
    if "type" in mapping:  # decided on the distinct values
        col = table.column(mapping["type"])
        d = pc.dictionary_encode(col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col)
        values = pd.concat([d.dictionary.to_pandas(), pd.Series([None], dtype="str")],
                           ignore_index=True)
        rows_of = d.indices.fill_null(len(d.dictionary)).to_numpy(zero_copy_only=False)
        t = _action_types(values, rows_of, mapping["type"], default_type, notes, why)
        if t is None:
            del mapping["type"]
    out["type"] = _default_types(n, default_type) if t is None else t

    out["id"] = got["id"] if "id" in mapping else (none, False)
    out["text"] = lambda f: _clean_arrow(table.column(mapping[f])) if f in mapping else none
    if "weight" in mapping:
        out["weight"] = _weights(table.column(mapping["weight"]).to_pandas(), mapping["weight"],
                                 why).to_numpy()
    else:
        out["weight"] = np.ones(n, dtype="int64")
    return out, why


def _flag_multiline(idx: np.ndarray, dic: Any, column: str, n_cols: int, why: _Reasons) -> None:
    """Reject the rows whose value (codes ``idx`` into the values ``dic``) holds whole
    records of the file: lines with as many delimiters (``,`` ``;`` tab ``|``) as the
    ``n_cols`` columns need. A quote opened in it made the rows on those lines one field
    (an account name over two lines is kept; checked on the distinct values)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(dic):
        return
    offs, data = _string_buffers(dic)
    used = data[offs[0]: offs[-1]]
    if not ((used == 10) | (used == 13)).any():  # no line break at all (a byte look: 4 ms
        return  # for a million post ids, against 45 ms for the regular expression)
    breaks = r"\r\n|\r|\n"  # (\r alone: old Mac exports)
    n_lines = pc.count_substring_regex(dic, breaks).to_numpy(zero_copy_only=False)
    cand = np.flatnonzero(n_lines)
    if not len(cand):
        return
    need = max(n_cols - 1, 1)
    merged = np.zeros(len(dic), dtype=bool)
    for i, v in zip(cand, dic.take(pa.array(cand)).to_pylist()):
        merged[i] = any(max(line.count(d) for d in ",;\t|") >= need
                        for line in re.split(breaks, v)[1:])
    if not merged.any():
        return
    rows = np.zeros(len(idx), dtype=bool)
    ok = idx >= 0
    rows[ok] = merged[idx[ok]]
    why.flag(rows, lambda i: (f"{column!r} runs over {int(n_lines[idx[r]]) + 1:,} lines: a quote (\") "
                              "opened in it made the rows on those lines one field (a stray quote); "
                              "remove it, or double it (\"\") inside a quoted field" for r in i))


def _arrow_strings(values: pd.Series) -> Any:
    """pyarrow string array of a string Series (nulls stay null)."""
    import pyarrow as pa

    arr = values.array
    a = pa.array(arr) if not isinstance(arr, pd.Categorical) else pa.array(values.astype("str"))
    if isinstance(a, pa.ChunkedArray):
        a = a.combine_chunks() if a.num_chunks != 1 else a.chunk(0)
    return a


def _text_dtype(values: Any) -> pd.CategoricalDtype:
    """CategoricalDtype over pyarrow strings that are distinct by construction (dictionary
    values): pandas' check that they are (a hash of every value, through Python objects) is
    skipped where pandas allows it."""
    cats = pd.Index(pd.array(values, dtype="str"))
    fast = getattr(pd.CategoricalDtype, "_from_fastpath", None)
    return fast(cats, False) if fast is not None else pd.CategoricalDtype(cats)


def _categorical(idx: np.ndarray, remap: np.ndarray, dtype: pd.CategoricalDtype) -> pd.Categorical:
    """Categorical of ``dtype`` of the codes ``idx`` (-1: missing) into a dictionary whose
    values are category ``remap[i]``."""
    if len(remap) == 0:
        codes = np.full(len(idx), -1, dtype=remap.dtype)
    elif (idx < 0).any():
        codes = np.where(idx >= 0, remap[np.maximum(idx, 0)], -1).astype(remap.dtype)
    else:
        codes = remap[idx]
    return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)


def _union_ranks(a: Any, a_used: np.ndarray | None, b: Any,
                 b_used: np.ndarray | None) -> tuple[Any, np.ndarray, np.ndarray]:
    """The sorted distinct values of two string arrays (only the entries ``*_used``, all
    when None) and, for each entry of each, its rank among them (-1: not used). One sort of
    both, where a hash table of the union and a look-up of each array would take three
    passes of hashing."""
    import pyarrow as pa
    import pyarrow.compute as pc

    both = pa.chunked_array([a, b], type=pa.large_string()).combine_chunks()
    order = _sort_order(both, stable=False)  # equal values end up side by side either way
    if a_used is not None and b_used is not None:  # values no kept row uses are left out
        order = order[np.concatenate([a_used, b_used])[order]]
    ordered = both.take(pa.array(order, type=pa.int64()))
    first = np.ones(len(order), dtype=bool)  # the first of each run of equal values
    if len(order) > 1:
        first[1:] = pc.not_equal(ordered.slice(1), ordered.slice(0, len(order) - 1)).to_numpy(
            zero_copy_only=False)
    n = int(first.sum())
    rank = np.full(len(both), -1, dtype=np.int32 if n < 2**31 - 1 else np.int64)
    rank[order] = np.cumsum(first) - 1
    return ordered.filter(pa.array(first)), rank[:len(a)], rank[len(a):]


def _sorted_categorical(idx: np.ndarray, dic: Any, order: np.ndarray | None,
                        keep: np.ndarray | None) -> pd.Categorical:
    """Categorical over the sorted values of ``dic`` used by the rows ``keep`` of the codes
    ``idx``; ``order`` is the sort order of ``dic`` when known."""
    import pyarrow as pa

    if order is None:
        order = _sort_order(dic)
    if keep is not None:
        idx = idx[keep]
        used = np.bincount(idx[idx >= 0], minlength=len(dic)) > 0
        order = order[used[order]]
    rank = np.full(len(dic), -1, dtype=np.int32 if len(order) < 2**31 - 1 else np.int64)
    rank[order] = np.arange(len(order))
    codes = rank[idx] if len(rank) else np.full(len(idx), -1, dtype=rank.dtype)
    if len(rank) and (idx < 0).any():
        codes[idx < 0] = -1
    cats = dic.take(pa.array(order, type=pa.int64()))
    return pd.Categorical.from_codes(codes, dtype=_text_dtype(cats), validate=False)


def _encode_keys(source: tuple[Any, ...], target: tuple[Any, ...], object_id: tuple[Any, ...],
                 keep: np.ndarray | None = None) -> tuple[pd.Categorical, ...]:
    """Categoricals of three dictionary-encoded columns ((codes, values) of
    :func:`_dict_codes`, for object_id optionally with the values' sort order), rows
    ``keep`` only: ``source`` and ``target`` over the sorted accounts of both,
    ``object_id`` over its sorted ids (beside the accounts, in a second thread: numpy
    and pyarrow release the GIL)."""
    def rows(col: tuple[Any, ...]) -> tuple[np.ndarray, np.ndarray | None]:
        idx, dic = col[:2]
        if keep is None:  # every value is used
            return idx, None
        idx = idx[keep]
        return idx, np.bincount(idx[idx >= 0], minlength=len(dic)) > 0

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="coordnet-read") as pool:
        obj = pool.submit(_sorted_categorical, *object_id[:2],
                          object_id[2] if len(object_id) > 2 else None, keep)
        (si, s_used), (ti, t_used) = rows(source), rows(target)
        accounts, s_rank, t_rank = _union_ranks(source[1], s_used, target[1], t_used)
        dtype = _text_dtype(accounts)  # one dtype for both: source == target compares codes
        return _categorical(si, s_rank, dtype), _categorical(ti, t_rank, dtype), obj.result()


def encode_actions(actions: pd.DataFrame) -> pd.DataFrame:
    """The canonical table with its text keys dictionary-encoded, once for every stage.

    ``source`` and ``target`` become categoricals over one shared, sorted set of account
    names (so ``source == target`` compares codes), ``object_id`` a categorical over its
    sorted ids. Values, order and missing values are unchanged; groupings, joins and
    comparisons downstream work on integer codes instead of hashing text again.

    Examples
    --------
    >>> t = encode_actions(pd.DataFrame({"source": ["b", "a"], "target": ["a", None],
    ...                                  "object_id": ["p", "p"]}))
    >>> list(t["source"].cat.categories), t["target"].cat.codes.tolist()
    (['a', 'b'], [0, -1])
    """
    out = actions.copy(deep=False)
    cols = [actions[c] if actions[c].dtype != object else actions[c].astype("str")  # e.g. all pd.NA,
            for c in ("source", "target", "object_id")]                              # which Arrow cannot type
    out["source"], out["target"], out["object_id"] = _encode_keys(
        *(_dict_codes(_arrow_strings(c)) for c in cols))
    return out


def _sorted_text_categorical(s: pd.Series) -> bool:
    """Whether ``s`` is a categorical over sorted text (its codes follow the names' order)."""
    d = s.dtype
    return (isinstance(d, pd.CategoricalDtype) and pd.api.types.is_string_dtype(d.categories.dtype)
            and d.categories.is_monotonic_increasing)


def ensure_encoded(actions: pd.DataFrame) -> pd.DataFrame:
    """``actions`` itself when its keys are already encoded as :func:`encode_actions` does
    (the tables of the readers), else an encoded copy (a hand-built table with text columns).

    Examples
    --------
    >>> t = encode_actions(pd.DataFrame({"source": ["b"], "target": ["a"], "object_id": ["p"]}))
    >>> ensure_encoded(t) is t
    True
    """
    s, t, o = actions["source"], actions["target"], actions["object_id"]
    if (_sorted_text_categorical(s) and _sorted_text_categorical(t) and _sorted_text_categorical(o)
            and (s.cat.categories is t.cat.categories or s.cat.categories.equals(t.cat.categories))):
        return actions
    return encode_actions(actions)


def time_ms(ts: pd.Series) -> np.ndarray:
    """Times as int64 milliseconds (NaT = int64 min), without a copy for the canonical column."""
    arr = ts.array
    if not isinstance(arr, pd.arrays.DatetimeArray):
        arr = pd.to_datetime(ts, utc=True).array
    if arr.unit != "ms":
        arr = arr.as_unit("ms")
    return np.asarray(arr.asi8)


def _drop_repeats(kept: pd.DataFrame, notes: list[str]) -> tuple[pd.DataFrame, int]:
    """Drop rows that repeat an earlier row exactly (same id and same content): counted once.
    Rows that share an id but differ are all kept (dropping one would lose data)."""
    # only rows whose id occurs more than once can repeat an earlier row exactly
    shared = (kept["id"].notna() & kept["id"].duplicated(keep=False)).to_numpy()
    dup = pd.Series(False, index=kept.index)
    if shared.any():
        dup[shared] = kept.loc[shared].duplicated(keep="first").to_numpy()
    n_dup = int(dup.sum())
    if n_dup:
        notes.append(f"{n_dup} row(s) repeat an earlier row exactly (same id): each action is "
                     "counted once")
        kept = kept.loc[~dup]
    clash = kept["id"].notna() & kept["id"].duplicated(keep=False)
    n_clash = int(kept.loc[clash, "id"].nunique())
    if n_clash:
        notes.append(f"{n_clash} id(s) appear on rows with different content: all those rows "
                     "are kept")
    return kept, n_dup


def _kept_arrow(cols: dict[str, Any], bad: np.ndarray, has_id: bool,
                notes: list[str]) -> tuple[pd.DataFrame, int]:
    """The encoded actions table of the good rows of :func:`_normalise_arrow`'s columns."""
    import pyarrow as pa

    ids, may_repeat = cols["id"]
    n_dup = 0
    if has_id and may_repeat:  # some id may repeat: rows that repeat an earlier one exactly go
        dup, n_dup = _repeats(cols, bad, notes)
        if n_dup:
            bad = bad | dup
    keep = ~bad if bad.any() else None
    if keep is not None:
        ids = ids.filter(pa.array(keep))
    src, tgt, obj = _encode_keys(*(cols[f] for f in ("source", "target", "object_id")),
                                 keep=keep)

    def rows(v: Any) -> Any:
        return v if keep is None else v[keep]

    # the columns are new arrays made for this table: no copy
    return pd.DataFrame({"source": src, "target": tgt,
                         "timestamp": _ms_series(rows(cols["timestamp"])),
                         "type": rows(cols["type"]), "id": ids.to_pandas(), "object_id": obj,
                         "weight": rows(cols["weight"])}, copy=False), n_dup


def _repeats(cols: dict[str, Any], bad: np.ndarray, notes: list[str]) -> tuple[np.ndarray, int]:
    """:func:`_drop_repeats` on the codes of :func:`_normalise_arrow`'s columns: the good
    rows that repeat an earlier good row exactly (same id, same cleaned values: equal codes),
    and their number; the same notes. Only rows whose id occurs more than once are compared."""
    idc, _ = _dict_codes(cols["id"][0])
    ok = ~bad & (idc >= 0)
    n_ids = int(idc.max(initial=-1)) + 1
    shared = ok & (np.bincount(idc[ok], minlength=n_ids)[np.maximum(idc, 0)] > 1)
    dup = np.zeros(len(idc), dtype=bool)
    if shared.any():
        at = np.flatnonzero(shared)
        sub = pd.DataFrame({"id": idc[at], "source": cols["source"][0][at],
                            "target": cols["target"][0][at], "object_id": cols["object_id"][0][at],
                            "timestamp": cols["timestamp"][at], "type": np.asarray(cols["type"])[at],
                            "weight": cols["weight"][at]})
        dup[at] = sub.duplicated(keep="first").to_numpy()
    n_dup = int(dup.sum())
    if n_dup:
        notes.append(f"{n_dup} row(s) repeat an earlier row exactly (same id): each action is "
                     "counted once")
    rest = ok & ~dup
    n_clash = int((np.bincount(idc[rest], minlength=n_ids) > 1).sum())
    if n_clash:
        notes.append(f"{n_clash} id(s) appear on rows with different content: all those rows "
                     "are kept")
    return dup, n_dup


def _finish(raw: Any, mapping: dict[str, str], *, path: str, sha256: _Background | None,
            fmt: str, compression: str | None, malformed: list[dict[str, Any]],
            default_type: str, max_rejected: float, notes: list[str],
            ignored: tuple[str, ...]) -> ReadResult:
    """Normalise ``raw`` (a DataFrame, or a pyarrow table of strings read from CSV/TSV);
    ``sha256`` computes the input's hash (started here, if not yet, once the columns are
    normalised: the rest is mostly on one core). ``raw`` may come in a list, its only
    reference: then a pyarrow table is freed as soon as the rows to reject are copied out
    (at scale, its text is most of the read's peak memory)."""
    if isinstance(raw, list):
        raw = raw.pop()
    rej_cols = list(dict.fromkeys(mapping.values()))
    if isinstance(raw, _CsvParts):  # a large file, normalised part by part
        got = raw.normalise(mapping, default_type, notes, rej_cols)
        if got is None:
            return _finish([raw.whole()], mapping, path=path, sha256=sha256, fmt=fmt,
                           compression=compression, malformed=malformed, default_type=default_type,
                           max_rejected=max_rejected, notes=notes, ignored=ignored)
        cols, why, rejected, n_raw = got
        if n_raw == 0 and malformed:
            raise _none_readable(path, malformed)
        arrow, raw = True, None
        if sha256 is not None:
            sha256.start()
        bad = why.bad
    else:
        arrow = not isinstance(raw, pd.DataFrame)
        if arrow:
            n_raw = raw.num_rows
            cols, why = _normalise_arrow(raw, mapping, default_type, notes,
                                         then=sha256.start if sha256 is not None else None)
        else:
            raw = raw.reset_index(drop=True)
            n_raw = len(raw)
            actions, why = _normalise(raw, mapping, default_type, notes)
        if sha256 is not None:
            sha256.start()
        bad = why.bad
        # platform exports (platforms.py) give each action its line or message number in "row"
        rows = raw["row"].to_numpy()[bad] if fmt in PLATFORM_FORMATS else np.flatnonzero(bad) + 1
        rejected = pd.DataFrame({"row": rows, "reason": why.reasons()})
        for c in rej_cols:
            if not bad.any():
                rejected[c] = []
            elif arrow:
                import pyarrow as pa
                rejected[c] = raw.column(c).filter(pa.array(bad)).to_pandas().astype("str").to_numpy()
            else:
                rejected[c] = raw.loc[bad, c].astype("str").to_numpy()
    if malformed:
        mal = pd.DataFrame(malformed)
        rejected = pd.concat([mal, rejected], ignore_index=True)
    n_dup = 0
    if arrow:
        if not ("id" in mapping and cols["id"][1]):  # the text is not looked at again
            del raw
            cols["text"] = None
            release_memory()
        kept, n_dup = _kept_arrow(cols, bad, "id" in mapping, notes)
        del cols
    else:
        if fmt in PLATFORM_FORMATS:  # hashtags kept for a co-hashtag layer
            actions["hashtags"] = _clean_str(raw["hashtags"])
        kept = actions.loc[~bad]
        if "id" in mapping:
            kept, n_dup = _drop_repeats(kept, notes)
        kept = encode_actions(kept.reset_index(drop=True))
    rows_read = n_raw + len(malformed)
    n_rej = len(rejected)
    if rows_read == 0:
        raise InputError(f"{path}: the file has a header but no data rows.",
                         hint="check that you exported the data, not only the column names")
    if n_rej and n_rej > max_rejected * rows_read:
        counts = _reason_counts(rejected)
        top = "; ".join(f"{v} × {k}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])[:5])
        first = rejected.iloc[0]
        platform = fmt in PLATFORM_FORMATS  # records of an export, numbered by line
        unit, where = ("records", "line") if platform else ("rows", "row")
        cause = ("fix or remove the bad lines" if platform else
                 "fix the file (the column mapping may be wrong: see --source-col, --time-col …)")
        err = InputError(
            f"{path}: {n_rej} of {rows_read} {unit} ({n_rej / rows_read:.0%}) cannot be used, more "
            f"than the {max_rejected:.0%} allowed. Reasons: {top}. First: {where} {first['row']}: "
            f"{first['reason']}.",
            hint=f"{cause}, or pass --max-rejected 1 to analyse the {rows_read - n_rej} good "
                 f"{unit} anyway")
        err.rejected = rejected  # type: ignore[attr-defined]
        raise err
    if kept.empty:
        raise InputError(f"{path}: no usable rows.", hint="check the file's columns and contents")
    if n_rej:
        notes.append(f"{n_rej} row(s) rejected (see rejected.csv)")
    release_memory()
    return ReadResult(
        actions=kept, path=path, sha256=sha256() if sha256 is not None else None, format=fmt,
        compression=compression,
        mapping=dict(mapping), ignored_columns=ignored, rows_read=rows_read,
        rows_kept=len(kept), rows_rejected=n_rej, rows_duplicate=n_dup,
        rejected=rejected.reset_index(drop=True), notes=tuple(notes))


def _none_readable(where: str, malformed: list[dict[str, Any]]) -> InputError:
    """The error of a file none of whose records could be read."""
    first = malformed[0]
    err = InputError(
        f"{where}: none of the {len(malformed)} records could be read (line {first['row']}: "
        f"{first['reason']}).",
        hint="check the format: one JSON object per line for JSON Lines, or a header line and "
             "rows with the same number of fields for CSV (see --format, --delimiter)")
    err.rejected = pd.DataFrame(malformed)  # type: ignore[attr-defined]
    return err


# ------------------------------------------------------------------------ file access


_MAGIC = {b"\x1f\x8b": "gzip", b"\x28\xb5\x2f\xfd": "zstd", b"BZh": "bz2"}


def _sniff_compression(head: bytes) -> str | None:
    for magic, name in _MAGIC.items():
        if head.startswith(magic):
            return name
    return None


def _open_decompressed(path: Path | None, data: bytes | None, compression: str | None) -> Any:
    """A binary stream of the decompressed content."""
    raw: Any = open(path, "rb") if path is not None else _io.BytesIO(data or b"")
    if compression == "gzip":
        return gzip.GzipFile(fileobj=raw)
    if compression == "zstd":
        try:
            import zstandard
        except ImportError:  # pragma: no cover - zstandard is a dependency
            from .errors import MissingDependencyError
            raise MissingDependencyError("reading .zst files needs the zstandard package.",
                                         hint="pip install zstandard") from None
        return zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
    if compression == "bz2":
        import bz2
        return bz2.BZ2File(raw)
    return raw


def _read_all(path: Path | None, data: bytes | None, compression: str | None, where: str) -> bytes:
    try:
        with _open_decompressed(path, data, compression) as fh:
            return fh.read()
    except (EOFError, OSError, gzip.BadGzipFile) as e:
        raise InputError(f"{where}: the {compression or ''} file is truncated or corrupt ({e}).",
                         hint="download or export the file again; check it opens with "
                              f"{'gunzip' if compression == 'gzip' else 'your archive tool'}") from None
    except Exception as e:  # zstandard.ZstdError and friends
        raise InputError(f"{where}: cannot decompress the {compression} file ({e}).",
                         hint="download or export the file again") from None


class _Background:
    """``fn(*args)`` in a thread of its own, started by :meth:`start` (once; or at
    construction with ``start=True``); calling the object waits for the result (or raises
    the exception). A thread per call: safe after ``fork``, unlike a shared pool."""

    def __init__(self, fn: Callable[..., Any], *args: Any, start: bool = True) -> None:
        self._box: dict[str, Any] = {}

        def run() -> None:
            try:
                self._box["value"] = fn(*args)
            except BaseException as e:  # handed to the caller
                self._box["error"] = e

        self._thread = threading.Thread(target=run, name="coordnet-background", daemon=True)
        if start:
            self.start()

    def start(self) -> None:
        if self._thread.ident is None:
            self._thread.start()

    def __call__(self) -> Any:
        self.start()
        self._thread.join()
        if "error" in self._box:
            raise self._box["error"]
        return self._box["value"]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    buf = bytearray(1 << 20)  # one buffer read into again and again: no new pages per read
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as fh:
        while n := fh.readinto(buf):
            h.update(view[:n])
    return h.hexdigest()


def _guess_format(name: str, text_head: bytes) -> str:
    low = name.lower()
    for ext in (".gz", ".zst", ".zstd", ".bz2"):
        if low.endswith(ext):
            low = low[: -len(ext)]
    if low.endswith((".parquet", ".pq")):
        return "parquet"
    if low.endswith((".jsonl", ".ndjson", ".jsonlines")):
        return "jsonl"
    if low.endswith(".tsv") or low.endswith(".tab"):
        return "tsv"
    if text_head.startswith(b"PAR1"):
        return "parquet"
    stripped = text_head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        return "jsonl"
    if stripped.startswith(b"["):
        return "json"
    if low.endswith(".json"):
        return "jsonl"
    return "csv"


def _looks_binary(head: bytes) -> bool:
    if not head:
        return False
    if b"\x00" in head[:4096]:
        return True
    sample = head[:4096]
    ctrl = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return ctrl > 0.1 * len(sample)


def _sniff_delimiter(text: str, where: str) -> str:
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if not lines:
        return ","
    header = lines[0]
    counts = {d: header.count(d) for d in ",\t;|"}
    best = max(counts, key=counts.__getitem__)
    try:
        sniffed = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",\t;|").delimiter
    except csv.Error:
        return best if counts[best] else ","
    # the header line decides when the sniffer picks a character it does not contain (data
    # values such as an account named '"|' can mislead the sniffer; column names rarely do)
    if counts.get(sniffed, 0) == 0 and counts[best]:
        return best
    return sniffed


# ---------------------------------------------------------------------------- readers


#: Bytes of text pyarrow's CSV reader parses at a time (one block, one chunk of each column).
_BLOCK_SIZE = 1 << 24
#: Files of at least this many bytes (uncompressed; a fifth of it compressed) are read
#: part by part (:class:`_CsvParts`): at most :data:`_PART_ROWS` rows of text in memory.
#: ``None``: a tenth of the memory (read at once, a file takes about 2.5 times its size at
#: the peak: a quarter of the memory), 2.4 GB on a 24 GB machine.
_STREAM_BYTES: int | None = None
_PART_ROWS = 4_000_000


def _read_csv(path: Path | None, data: bytes | None, compression: str | None, where: str,
              delimiter: str | None, encoding: str, head_text: str, stream: bool = False,
              ) -> tuple[Any, list[dict[str, Any]], str]:
    """The file as a pyarrow table of text columns (``""`` stands for a missing value), its
    malformed lines and the delimiter. With ``stream`` and a large file, a
    :class:`_CsvParts` that reads it part by part instead."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if delimiter is None:
        delimiter = _sniff_delimiter(head_text, where)
    first = next(iter(head_text.splitlines()), "")
    try:
        header = next(csv.reader([first], delimiter=delimiter))
    except (csv.Error, StopIteration):
        header = []
    header = [h.lstrip("\ufeff") for h in header]
    if not header or all(not h.strip() for h in header):
        raise InputError(f"{where}: the first line is empty; a header line with column names is needed.",
                         hint="put the column names (e.g. source,target,timestamp) on the first line")
    malformed: list[dict[str, Any]] = []

    def on_invalid(row: Any) -> str:
        text = str(row.text)
        why = (f"{row.actual_columns} fields where the header has {row.expected_columns}"
               if text.count('"') % 2 == 0 else
               'a quote (") opens a field that is never closed, so the lines after it became one field'
               f' ({text.count(chr(10)) + 1:,} lines)')
        malformed.append({
            "row": int(row.number) if row.number is not None and row.number >= 0 else -1,
            "reason": f"malformed line: {why}", "raw": text[:500],
            "_first": text.split("\n", 1)[0].rstrip("\r"),
        })
        return "skip"

    orig = (path, data, compression)  # (the line numbers of malformed lines are the file's)
    large = stream and path is not None and _large(path, compression)
    if compression and not large:  # decompressed here, so that its quotes can be checked
        data, path, compression = _read_all(path, data, compression, where), None, None
    # (a header line with an odd number of quotes: a cell over lines, or a stray quote)
    newlines = _may_quote(path, data, compression, encoding) or first.count('"') % 2 == 1
    # stray quotes, found before pyarrow meets them: such a quote's field would swallow the
    # lines after it (or make pyarrow fail on a field longer than a block, and hang at exit)
    cut = _stray_quote_lines(path, data, compression, encoding, delimiter, where) if newlines else []
    if cut and cut[0]["row"] == 1:  # the header itself: no column could be named
        raise InputError(f"{where}: the header line (line 1) has a quote (\") that opens a field "
                         f"never closed: {cut[0]['raw'][:120]!r}.",
                         hint="remove the stray quote from the column names, or close it")
    malformed.extend(cut)
    read_opts = pacsv.ReadOptions(encoding=encoding, block_size=_BLOCK_SIZE)
    parse_opts = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=newlines,
                                    invalid_row_handler=on_invalid)
    convert_opts = pacsv.ConvertOptions(
        column_types={h: pa.string() for h in header}, strings_can_be_null=False,
        quoted_strings_can_be_null=False)

    copy = None
    if cut and large:  # the text without the lines of the stray quotes, in a temporary file
        copy = _without_lines_file(path, cut, where)
    elif cut:  # (in memory)
        data, path = _without_lines(path, data, cut), None

    def source() -> Any:
        if copy is not None:
            return copy
        return (pa.input_stream(str(path), compression=compression) if path is not None
                else pa.input_stream(pa.py_buffer(data or b""), compression=compression))

    if large:
        with _csv_errors(where, encoding, compression):
            reader = pacsv.open_csv(source(), read_options=read_opts, parse_options=parse_opts,
                                    convert_options=convert_opts)
        names = _column_names(reader.schema.names, where, encoding, delimiter)

        def finish() -> None:
            _number_lines(*orig, encoding, malformed)
            malformed.sort(key=lambda m: m["row"])

        def whole() -> Any:  # the file read again at once (the cases parts cannot decide)
            table, again, _ = _read_csv(path, data, compression, where, delimiter, encoding, head_text)
            malformed[:] = again
            return table

        return _CsvParts(reader, names, where, encoding, compression, finish, whole), malformed, delimiter
    with _csv_errors(where, encoding, compression):
        table = pacsv.read_csv(source(), read_options=read_opts, parse_options=parse_opts,
                               convert_options=convert_opts)
    _number_lines(*orig, encoding, malformed)
    malformed.sort(key=lambda m: m["row"])
    return table.rename_columns(_column_names(table.column_names, where, encoding, delimiter)), \
        malformed, delimiter


#: A quoted value longer than this (bytes) is taken to start at a stray quote: no post or
#: name is this long, and pyarrow cannot parse a value longer than a block (16 MiB).
_MAX_QUOTED_BYTES = 1 << 20
#: More lines with a stray quote than this: the file is not quoted as CSV is.
_MAX_STRAY_QUOTES = 10_000


def _stray_quote_lines(path: Path | None, data: bytes | None, compression: str | None,
                       encoding: str, delimiter: str, where: str) -> list[dict[str, Any]]:
    """The lines where a quote opens a field that is never closed, or not before
    :data:`_MAX_QUOTED_BYTES` (:func:`coordnet._kernels.stray_quotes`), as malformed lines
    (with ``_lo``, ``_hi``: their bytes). One compiled pass over the file (mapped, not
    read); compressed input, and encodings in which a quote or the delimiter is not one
    ASCII byte, are not checked."""
    import mmap

    if encoding.lower().replace("-", "").replace("_", "") == "utf8sig":
        encoding = "utf-8"  # (its byte-order mark is no part of a quote or a delimiter)
    delim = delimiter.encode(encoding, errors="replace")
    if compression or len(delim) != 1 or '"\n'.encode(encoding, errors="replace") != b'"\n':
        return []
    from ._kernels import stray_quotes

    with contextlib.ExitStack() as stack:
        try:
            if data is not None:
                buf = np.frombuffer(data, dtype=np.uint8)
            else:
                fh = stack.enter_context(open(path, "rb"))  # type: ignore[arg-type]
                mm = stack.enter_context(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
                buf = np.frombuffer(mm, dtype=np.uint8)
        except (OSError, ValueError):  # e.g. an empty file, or one that cannot be mapped
            return []
        line, lo, hi = (np.zeros(_MAX_STRAY_QUOTES + 1, dtype=np.int64) for _ in range(3))
        k = stray_quotes(buf, delim[0], _MAX_QUOTED_BYTES, line, lo, hi)
        if k > _MAX_STRAY_QUOTES:
            raise InputError(f"{where}: more than {_MAX_STRAY_QUOTES:,} lines open a quoted field that "
                             f"is never closed (the first: line {int(line[0]):,}); the file's quotes "
                             "do not follow CSV's rules.",
                             hint="check the delimiter (--delimiter); a quote inside a quoted field "
                                  "must be doubled (\"\"); or export the file again")
        out = [{"row": int(line[i]), "_lo": int(lo[i]), "_hi": int(hi[i]),
                "reason": 'malformed line: a quote (") opens a field that is never closed, or not '
                          f"within {_MAX_QUOTED_BYTES >> 20} MiB (a stray quote): the line is left "
                          "out, the lines after it are read as usual",
                "raw": bytes(buf[lo[i]:hi[i]]).decode(encoding, errors="replace").rstrip("\r\n")[:500]}
               for i in range(k)]
        del buf
    return out


def _kept_spans(cut: list[dict[str, Any]], n: int) -> list[tuple[int, int]]:
    """The byte ranges of a text of ``n`` bytes around the lines ``cut`` (their ``_lo:_hi``)."""
    spans, at = [], 0
    for c in cut:
        spans.append((at, c["_lo"]))
        at = c["_hi"]
    spans.append((at, n))
    return spans


def _without_lines(path: Path | None, data: bytes | None, cut: list[dict[str, Any]]) -> bytearray:
    """The bytes of the file without the lines ``cut`` (their ``_lo:_hi``): one copy, from
    the mapped file (or ``data``)."""
    import mmap

    with contextlib.ExitStack() as stack:
        if data is None:
            fh = stack.enter_context(open(path, "rb"))  # type: ignore[arg-type]
            src: Any = memoryview(stack.enter_context(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)))
        else:
            src = memoryview(data)
        spans = _kept_spans(cut, len(src))
        out = bytearray(sum(b - a for a, b in spans))
        k = 0
        for a, b in spans:
            out[k:k + b - a] = src[a:b]
            k += b - a
        src.release()
    return out


def _without_lines_file(path: Path, cut: list[dict[str, Any]], where: str) -> Any:
    """:func:`_without_lines` of a large file, as a pyarrow file open on a temporary copy
    (in :func:`coordnet._memory.spill_dir`, unlinked at once: it vanishes when closed)."""
    import mmap
    import tempfile

    import pyarrow as pa

    from ._memory import spill_dir

    try:
        fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="coordnet-", dir=spill_dir())
        try:
            with open(fd, "wb") as out, open(path, "rb") as fh, \
                    mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                for a, b in _kept_spans(cut, len(mm)):
                    out.write(mm[a:b])
            return pa.OSFile(tmp, "rb")
        finally:
            os.unlink(tmp)
    except OSError as e:
        raise InputError(f"{where}: cannot make a copy without the lines of its stray quotes ({e}).",
                         hint="free disk space, or set COORDNET_TMPDIR to a folder with more; or "
                              "remove the stray quotes (see the lines in the message above)") from None


def _large(path: Path, compression: str | None) -> bool:
    """Whether a file is large enough to be read in parts (:data:`_STREAM_BYTES`)."""
    try:
        size = path.stat().st_size
    except OSError:
        return False
    limit = _STREAM_BYTES if _STREAM_BYTES is not None else memory_bytes() // 10
    return size * (5 if compression else 1) >= limit


@contextlib.contextmanager
def _csv_errors(where: str, encoding: str, compression: str | None) -> Iterator[None]:
    """pyarrow's errors while parsing delimited text, as :class:`InputError`."""
    import pyarrow as pa

    try:
        yield
    except pa.ArrowInvalid as e:
        msg = str(e)
        if "UTF8" in msg or "utf8" in msg.lower() or "decode" in msg.lower():
            raise InputError(f"{where}: the file is not valid {encoding} text ({msg.splitlines()[0]}).",
                             hint="re-save it as UTF-8, or name its encoding with --encoding "
                                  "(e.g. --encoding latin-1 or cp1252)") from None
        if "straddl" in msg:  # a quoted value over more than a block: a stray quote
            raise InputError(f"{where}: a quoted value runs on for more than {_BLOCK_SIZE >> 20} MiB: "
                             "a quote (\") that is never closed, most likely (a stray quote).",
                             hint="decompress the file and run again (coordnet then finds such "
                                  "lines and leaves them out), or remove the stray quote") from None
        if "Empty CSV" in msg:
            raise InputError(f"{where}: the file is empty.",
                             hint="export the data again; a header line and data rows are needed") from None
        raise InputError(f"{where}: cannot parse the file as delimited text ({msg.splitlines()[0]}).",
                         hint="check the delimiter (--delimiter) and quoting") from None
    except (OSError, EOFError) as e:
        raise InputError(f"{where}: the {compression or ''} file is truncated or corrupt ({e}).",
                         hint="download or export the file again") from None


def _column_names(raw_names: list[str], where: str, encoding: str, delimiter: str) -> list[str]:
    """The header's column names (without a byte-order mark), checked: undecodable bytes,
    or one column whose name holds another delimiter, are errors."""
    try:
        names = [n.lstrip("\ufeff") for n in raw_names]
    except UnicodeDecodeError as e:  # pyarrow leaves undecodable header bytes to Python
        raise InputError(f"{where}: the header line is not valid {encoding} text ({e.reason}).",
                         hint="re-save the file as UTF-8, or name its encoding with --encoding "
                              "(e.g. --encoding latin-1 or cp1252)") from None
    seps = [d for d in ",;\t| " if d != delimiter and d in names[0]] if len(names) == 1 else []
    if seps:
        cand = {"\t": "tab", " ": "' '"}.get(seps[0], f"'{seps[0]}'")
        raise InputError(
            f"{where}: only one column was found ({names[0][:80]!r}); the delimiter looks wrong.",
            hint=f"name the delimiter with --delimiter {cand} (or ',', ';', 'tab', '|')")
    return names


class _CsvParts:
    """A large delimited file read part by part (:data:`_PART_ROWS` rows at a time), each
    part normalised as a whole file is (:func:`_normalise_arrow`) and only its canonical
    columns kept: the text of 100 million rows is never in memory at once. ``whole()``
    reads the file at once, for the two cases parts cannot decide alone: ids that may
    repeat (the repeats are compared on every column's text) and a type column whose parts
    disagree on holding Gephi edge directions."""

    def __init__(self, reader: Any, names: list[str], where: str, encoding: str,
                 compression: str | None, finish: Callable[[], None], whole: Callable[[], Any]) -> None:
        self._reader, self.column_names = reader, names
        self._where, self._encoding, self._compression = where, encoding, compression
        self._finish, self.whole = finish, whole

    def _parts(self) -> Iterator[Any]:
        import pyarrow as pa

        batches: list[Any] = []
        rows, parts = 0, 0
        with _csv_errors(self._where, self._encoding, self._compression):
            for b in self._reader:
                batches.append(b)
                rows += b.num_rows
                if rows >= _PART_ROWS:
                    yield pa.Table.from_batches(batches, self._reader.schema).rename_columns(self.column_names)
                    batches, rows, parts = [], 0, parts + 1
        if batches or not parts:  # (a file without data rows: one empty part)
            yield pa.Table.from_batches(batches, self._reader.schema).rename_columns(self.column_names)

    def normalise(self, mapping: dict[str, str], default_type: str, notes: list[str],
                  rej_cols: list[str]) -> tuple[dict[str, Any], _Reasons, pd.DataFrame, int] | None:
        """:func:`_normalise_arrow` of the whole file, and its rejected rows (with their
        text) and number of rows; ``None`` when the parts cannot decide (read ``whole()``)."""
        import pyarrow as pa

        got: list[dict[str, Any]] = []
        bads: list[np.ndarray] = []
        rejected: list[pd.DataFrame] = []
        gephi: set[bool] = set()
        part_notes: list[str] = []
        n = 0
        for part in self._parts():
            m, pn = dict(mapping), []
            cols, why = _normalise_arrow(part, m, default_type, pn)
            cols.pop("text")
            got.append(cols)
            gephi.add("type" in mapping and "type" not in m)
            part_notes.extend(x for x in pn if x not in part_notes)
            bad = why.bad
            bads.append(bad)
            if bad.any():
                r = pd.DataFrame({"row": np.flatnonzero(bad) + 1 + n, "reason": why.reasons()})
                for c in rej_cols:
                    r[c] = part.column(c).filter(pa.array(bad)).to_pandas().astype("str").to_numpy()
                rejected.append(r)
            n += part.num_rows
            del part, cols, why
        self._finish()
        if len(gephi) > 1:
            return None
        out = _merge_parts(got, n, "id" in mapping)
        if "id" in mapping and out["id"][1]:
            return None
        if True in gephi:  # (as _action_types decides for a whole column)
            del mapping["type"]
        notes.extend(part_notes)
        why = _Reasons(0)
        why.bad = np.concatenate(bads) if bads else np.zeros(0, dtype=bool)
        if rejected:
            rej = pd.concat(rejected, ignore_index=True)
        else:
            rej = pd.DataFrame({"row": np.zeros(0, dtype=np.int64), "reason": np.empty(0, dtype=object)})
            for c in rej_cols:
                rej[c] = []
        return out, why, rej, n


def _merge_codes(parts: list[tuple[Any, ...]]) -> tuple[np.ndarray, Any]:
    """One (codes, values) dictionary encoding of the rows of several parts, each encoded
    alone (:func:`_dict_codes`): the parts' values are encoded once more, every row's code
    looked up. Values come in order of first use, as one encoding of all rows gives."""
    import pyarrow as pa
    import pyarrow.compute as pc

    offs = np.cumsum([0] + [len(p[1]) for p in parts])
    if not offs[-1]:
        return np.concatenate([p[0] for p in parts]), pa.array([], type=pa.large_string())
    both = pc.dictionary_encode(pa.chunked_array([p[1] for p in parts], type=pa.large_string())
                                .combine_chunks())
    remap = both.indices.to_numpy(zero_copy_only=False).astype(np.int32)
    idx = np.empty(sum(len(p[0]) for p in parts), dtype=np.int32)
    k = 0
    for (i, _, *rest), off in zip(parts, offs[:-1]):
        seg = idx[k: k + len(i)]
        np.copyto(seg, i)
        has = seg >= 0
        seg[has] = remap[seg[has] + off]
        k += len(i)
    return idx, both.dictionary


def _merge_parts(got: list[dict[str, Any]], n: int, has_id: bool) -> dict[str, Any]:
    """The canonical columns of :func:`_normalise_arrow` for all the rows of the parts."""
    import pyarrow as pa

    out: dict[str, Any] = {}
    for f in ("source", "target", "object_id"):
        out[f] = _merge_codes([g.pop(f) for g in got])
    out["object_id"] = (*out["object_id"], _sort_order(out["object_id"][1]))
    out["timestamp"] = np.concatenate([g.pop("timestamp") for g in got])
    out["type"] = pd.Categorical.from_codes(np.concatenate([np.asarray(g.pop("type").codes) for g in got]),
                                            categories=list(ACTION_TYPES))
    w = [g.pop("weight") for g in got]
    out["weight"] = np.concatenate(w if len({x.dtype for x in w}) < 2 else
                                   [x.astype("float64") for x in w])
    if has_id:
        chunks = [c for g in got for c in _chunks(g.pop("id")[0])]
        ids = pa.chunked_array(chunks, type=chunks[0].type if chunks else pa.string())
        if pa.types.is_string(ids.type) and ids.nbytes > 2**31 - 2**24:
            ids = ids.cast(pa.large_string())
        out["id"] = (ids, _may_repeat(ids))
    else:
        out["id"] = (pa.nulls(n, pa.string()), False)
    out["text"] = None
    return out


def _may_quote(path: Path | None, data: bytes | None, compression: str | None,
               encoding: str) -> bool:
    """Whether a quote character may follow the header line, so that a value may hold a line
    break. Without one, pyarrow is told that values hold none (each line is a row either
    way) and parses about a third faster. One byte search of the file (mapped, not read);
    compressed input and encodings that do not write ``"`` and line breaks as in ASCII are
    assumed to have quotes."""
    import mmap

    if compression or '"\n'.encode(encoding, errors="replace") != b'"\n':
        return True
    try:
        with contextlib.ExitStack() as stack:
            if data is not None:
                buf: Any = data
            else:
                fh = stack.enter_context(open(path, "rb"))  # type: ignore[arg-type]
                buf = stack.enter_context(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
            end = buf.find(b"\n")
            return end < 0 or buf.find(b'"', end + 1) >= 0
    except (OSError, ValueError):  # e.g. a file that cannot be mapped
        return True


def _number_lines(path: Path | None, data: bytes | None, compression: str | None,
                  encoding: str, malformed: list[dict[str, Any]]) -> None:
    """Give malformed CSV lines their line number (pyarrow does not know it when fields may
    hold newlines): one pass over the file, only when there are malformed lines."""
    todo = [m for m in malformed if m["row"] < 0]
    if todo:
        k = 0
        with _open_decompressed(path, data, compression) as fh:
            text = _io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline="")
            for lineno, line in enumerate(text, start=1):
                if line.rstrip("\r\n").lstrip("\ufeff") == todo[k]["_first"]:
                    todo[k]["row"] = lineno
                    k += 1
                    if k == len(todo):
                        break
    for m in malformed:
        for k in ("_first", "_lo", "_hi"):
            m.pop(k, None)


def _read_jsonl(path: Path | None, data: bytes | None, compression: str | None,
                where: str, encoding: str) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    import pyarrow as pa
    import pyarrow.json as pajson

    blob = _read_all(path, data, compression, where)
    # pyarrow's reader only when every line is an object: pyarrow 26 crashes (segfault) on a
    # block that starts with a JSON null; the careful path rejects such lines one by one
    if encoding.lower().replace("-", "") in ("utf8", "utf8sig") and \
            not re.search(rb"(?m)^[ \t]*[^{ \t\r\n]", blob):
        def fast(b: bytes) -> pd.DataFrame:
            table = pajson.read_json(pa.BufferReader(b))
            flat = [c for c in table.column_names
                    if not (pa.types.is_struct(table.schema.field(c).type)
                            or pa.types.is_list(table.schema.field(c).type))]
            return table.select(flat).to_pandas()

        try:
            return fast(blob), []
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError):
            pass  # bad lines, or mixed types
        # bad lines: found block by block (pyarrow; a failing block line by line), and the
        # rest read at once as above; mixed types: the careful path below
        cleaned, bad = _jsonl_bad_lines(blob, encoding)
        if bad:
            try:
                return fast(cleaned), bad
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError):
                pass
    # careful path: one line at a time, so that a bad line is rejected, not fatal
    try:
        text = blob.decode(encoding)
    except UnicodeDecodeError as e:
        raise InputError(f"{where}: the file is not valid {encoding} text ({e.reason} at byte {e.start}).",
                         hint="re-save it as UTF-8, or name its encoding with --encoding") from None
    records: list[dict[str, Any]] = []
    malformed: list[dict[str, Any]] = []
    for lineno, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not line.strip():
            continue
        obj, problem = _json_line(line, lineno)
        if problem:
            malformed.append(problem)
            continue
        records.append({k: (None if isinstance(v, (dict, list)) else v) for k, v in obj.items()})
    df = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    for c in df.columns:
        if df[c].dtype == object:  # mixed types: compare as text
            df[c] = df[c].map(lambda v: None if v is None else str(v)).astype("str")
    return df, malformed


def _json_line(line: str, lineno: int) -> tuple[Any, dict[str, Any] | None]:
    """One line of JSON Lines: (its object, None), or (None, the malformed line: number,
    reason, text) when it is not valid JSON or not an object."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        return None, {"row": lineno, "reason": f"invalid JSON ({e.msg})", "raw": line[:500]}
    if not isinstance(obj, dict):
        return None, {"row": lineno, "reason": "line is not a JSON object", "raw": line[:500]}
    return obj, None


#: Lines of JSON Lines that pyarrow checks at a time when a file has bad lines.
_JSONL_BLOCK_LINES = 1 << 13


def _jsonl_bad_lines(blob: bytes, encoding: str) -> tuple[bytes, list[dict[str, Any]]]:
    """The lines of JSON Lines text that are not JSON objects (as malformed lines: number,
    reason, text) and the text without them. pyarrow reads it :data:`_JSONL_BLOCK_LINES`
    lines at a time; only the lines of a block it cannot read are decoded one by one (in
    Python), so that one bad line among millions costs one block of Python work."""
    import pyarrow as pa
    import pyarrow.json as pajson

    nl = np.flatnonzero(np.frombuffer(blob, dtype=np.uint8) == 10)
    starts = np.r_[0, nl + 1]
    ends = np.r_[nl + 1, len(blob)]
    bad: list[dict[str, Any]] = []
    bad_lines: list[int] = []
    for b0 in range(0, len(starts), _JSONL_BLOCK_LINES):
        b1 = min(b0 + _JSONL_BLOCK_LINES, len(starts))
        try:
            pajson.read_json(pa.BufferReader(blob[starts[b0]:ends[b1 - 1]]))
            continue
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError):
            pass
        for i in range(b0, b1):
            line = blob[starts[i]:ends[i]].decode(encoding, errors="replace").rstrip("\r\n")
            if not line.strip():
                continue
            problem = _json_line(line, i + 1)[1]
            if problem:
                bad.append(problem)
                bad_lines.append(i)
    keep, at = [], 0
    for i in bad_lines:
        keep.append(blob[at:starts[i]])
        at = int(ends[i])
    keep.append(blob[at:])
    return b"".join(keep), bad


def _read_json_array(blob: bytes, where: str, encoding: str) -> pd.DataFrame:
    try:
        obj = json.loads(blob.decode(encoding).lstrip("\ufeff"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"{where}: not valid JSON ({e}).",
                         hint="a JSON file must hold a list of objects; JSON Lines (one object per "
                              "line) is also accepted") from None
    if isinstance(obj, dict):
        for key in ("data", "records", "rows", "edges", "actions"):
            if isinstance(obj.get(key), list):
                obj = obj[key]
                break
    if not isinstance(obj, list) or not all(isinstance(r, dict) for r in obj):
        raise InputError(f"{where}: the JSON is not a list of objects (one per action).",
                         hint="export one object per action, as a list or as JSON Lines")
    df = pd.json_normalize(obj, max_level=0) if obj else pd.DataFrame()
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].map(lambda v: None if v is None or isinstance(v, (dict, list)) else str(v)
                              ).astype("str")
    return df


def _read_parquet(path: Path | None, data: bytes | None, where: str) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        src: Any = str(path) if path is not None else pa.py_buffer(data or b"")
        table = pq.read_table(src)
    except (pa.ArrowInvalid, OSError) as e:
        raise InputError(f"{where}: cannot read the Parquet file ({e}).",
                         hint="the file may be truncated; export it again") from None
    return table.to_pandas()


@heavy
def read_actions(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    format: str = "auto",
    columns: Mapping[str, str | None] | None = None,
    delimiter: str | None = None,
    encoding: str = "utf-8",
    default_type: str = "retweet",
    max_rejected: float | None = None,
    config: Config | None = None,
) -> ReadResult:
    """Read an edge list of actions into the canonical table.

    Parameters
    ----------
    source : path, ``"-"`` or pandas.DataFrame
        A CSV, TSV, JSON Lines, JSON or Parquet file (optionally gzip-, zstd- or
        bzip2-compressed, detected from its bytes), ``"-"`` for standard input, or a
        DataFrame already in memory.
    format : str
        ``auto``, ``csv``, ``tsv``, ``jsonl``, ``json``, ``parquet``, ``twitter-v1``,
        ``twitter-v2``, ``twarc-csv``, ``bluesky``, ``mastodon`` or ``telegram``.
        ``auto`` decides from the file name and content. The platform exports (Twitter/X
        API v1.1 and v2 / twarc2 JSON, twarc-csv, Bluesky, Mastodon, Telegram Desktop) are
        recognised from their content; each post yields its actions and a ``hashtags``
        column is added (:mod:`coordnet.platforms`).
    columns : mapping, optional
        Field → input column, for columns whose names are not recognised, e.g.
        ``{"source": "retweeter", "timestamp": "when"}``.
    delimiter : str, optional
        For delimited text; sniffed from the content when omitted.
    encoding : str
        Text encoding (default UTF-8; a UTF-8 byte-order mark is accepted).
    default_type : str
        Action type of rows without a ``type`` column or value.
    max_rejected : float, optional
        Largest fraction of bad rows accepted (default: ``Config.max_rejected``).
    config : Config, optional
        Source of the defaults.

    Returns
    -------
    ReadResult
        The canonical table and everything about how it was read.

    Raises
    ------
    InputError
        The file is missing, empty, unreadable, lacks the required columns, or has
        too many bad rows. The message names the file, column or row and the fix.

    Examples
    --------
    >>> import coordnet
    >>> res = coordnet.read_actions(coordnet.datasets.toy_path())
    >>> res.mapping
    {'source': 'retweeter', 'target': 'retweeted_user', 'timestamp': 'created_at', 'type': 'type', 'id': 'tweet_id', 'object_id': 'retweeted_tweet_id'}
    >>> res.rows_kept, res.rows_rejected
    (36, 0)
    >>> list(res.actions.columns)
    ['source', 'target', 'timestamp', 'type', 'id', 'object_id', 'weight']
    """
    config = config or Config()
    max_rej = config.max_rejected if max_rejected is None else Config(max_rejected=max_rejected).max_rejected
    default_type = TYPE_ALIASES.get(str(default_type).strip().lower(), "")
    if not default_type:
        from .errors import ConfigError
        raise ConfigError(f"default_type must be one of {', '.join(ACTION_TYPES)}.")
    fmt = str(format).lower()
    if fmt not in _FORMATS:
        from .errors import ConfigError
        raise ConfigError(f"unknown format {format!r}.", hint=f"choose among {', '.join(_FORMATS)}")
    if delimiter is not None:
        delimiter = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}.get(
            delimiter.lower(), delimiter)
        if len(delimiter) != 1:
            from .errors import ConfigError
            raise ConfigError(f"the delimiter must be one character, got {delimiter!r}.",
                              hint="use ',', ';', '|' or 'tab'")
    try:
        "".encode(encoding)
    except LookupError:
        from .errors import ConfigError
        raise ConfigError(f"unknown text encoding {encoding!r}.",
                          hint="use for example utf-8, latin-1 or cp1252") from None
    notes: list[str] = []

    if isinstance(source, pd.DataFrame):
        return from_dataframe(source, columns=columns, default_type=default_type,
                              max_rejected=max_rej)

    data: bytes | None = None
    path: Path | None = None
    if str(source) == "-":
        where = "<stdin>"
        data = sys.stdin.buffer.read()
        hashing = _Background(lambda: hashlib.sha256(data).hexdigest(), start=False)
        head = data[:1 << 16]
    else:
        path = Path(source)
        where = str(path)
        if not path.exists():
            raise InputError(f"{where}: no such file.", hint="check the path and the spelling")
        if path.is_dir():
            raise InputError(f"{where}: is a folder, not a file.",
                             hint="give the path of the data file inside it")
        try:
            with open(path, "rb") as fh:
                head = fh.read(1 << 16)
        except PermissionError:
            raise InputError(f"{where}: permission denied.",
                             hint="check that you can read the file") from None
        except OSError as e:
            raise InputError(f"{where}: cannot read the file ({e.strerror}).") from None
        # hashed in a thread while the file is parsed (hashlib releases the GIL): started
        # below, when the format is known
        hashing = _Background(_sha256, path, start=False)
    if not head:
        raise InputError(f"{where}: the file is empty.",
                         hint="export the data again; a header line and data rows are needed")
    compression = _sniff_compression(head)
    if compression:
        try:
            with _open_decompressed(path, data, compression) as fh:
                text_head = fh.read(1 << 16)
        except Exception as e:
            raise InputError(f"{where}: the {compression} file is truncated or corrupt ({e}).",
                             hint="download or export the file again") from None
        if not text_head:  # e.g. a zstd frame cut before its first block
            raise InputError(f"{where}: the {compression} file is truncated or corrupt (it holds "
                             "no complete data).", hint="download or export the file again")
    else:
        text_head = head
    if fmt == "auto":
        fmt = sniff_platform(text_head) or _guess_format(where, text_head)
    if fmt not in ("csv", "tsv"):
        # parsed in Python (one core): hashed beside it. Delimited text is parsed on every
        # core, and hashed when one is free (_finish).
        hashing.start()
    if fmt != "parquet":
        if not text_head.strip(b"\xef\xbb\xbf \t\r\n"):
            raise InputError(f"{where}: the file is empty.",
                             hint="export the data again; a header line and data rows are needed")
        if _looks_binary(text_head):
            raise InputError(f"{where}: this is not a text table (it looks like binary data).",
                             hint="coordnet reads CSV, TSV, JSON Lines and Parquet, optionally "
                                  "gzip- or zstd-compressed; export your data in one of them")
    ignored: tuple[str, ...] = ()
    malformed: list[dict[str, Any]] = []
    if fmt in ("csv", "tsv", "twarc-csv"):
        try:
            head_text = text_head.decode(encoding, errors="strict")
        except UnicodeDecodeError as e:
            if e.start > len(text_head) - 4 and len(text_head) == 1 << 16:  # we cut a character
                head_text = text_head[: e.start].decode(encoding)
            else:
                raise InputError(
                    f"{where}: the file is not valid {encoding} text (byte {e.start}: {e.reason}).",
                    hint="re-save it as UTF-8, or name its encoding with --encoding "
                         "(e.g. --encoding latin-1 or cp1252)") from None
        head_text = head_text.lstrip("\ufeff")
        delim = "\t" if fmt == "tsv" and delimiter is None else delimiter
        raw, malformed, used_delim = _read_csv(path, data, compression, where, delim, encoding,
                                               head_text, stream=fmt != "twarc-csv")
        if fmt == "twarc-csv":  # platform export (coordnet/platforms.py)
            raw = from_twarc_csv(raw.to_pandas())
            notes.extend(raw.attrs.pop("notes", []))
        else:
            fmt = "tsv" if used_delim == "\t" else "csv"
    elif fmt in PLATFORM_FORMATS:  # Twitter, Bluesky, Mastodon, Telegram (coordnet/platforms.py)
        raw, malformed, pnotes = parse_platform(fmt, _read_all(path, data, compression, where),
                                                where, encoding)
        notes.extend(pnotes)
    elif fmt == "jsonl":
        raw, malformed = _read_jsonl(path, data, compression, where, encoding)
    elif fmt == "json":
        raw = _read_json_array(_read_all(path, data, compression, where), where, encoding)
    else:
        raw = _read_parquet(path, data if not compression else _read_all(path, data, compression, where),
                            where)
    if not isinstance(raw, _CsvParts) and len(raw) == 0 and malformed:
        raise _none_readable(where, malformed)
    if fmt in PLATFORM_FORMATS:
        if len(raw) == 0 and not malformed:
            raise InputError(f"{where}: no retweets, quotes, replies or mentions found in this "
                             f"{fmt} export ({'; '.join(notes[1:]) or 'no posts'}).",
                             hint="check that the export holds the posts (not only profiles or "
                                  "likes), or choose the format with --format")
        mapping = {f: f for f in FIELDS if f in raw.columns}
        return _finish(raw, mapping, path=where, sha256=hashing, fmt=fmt, compression=compression,
                       malformed=malformed, default_type=default_type, max_rejected=max_rej,
                       notes=notes, ignored=())
    if not isinstance(raw, _CsvParts) and raw.shape[1] == 0 and not malformed:
        raise InputError(f"{where}: no columns found.",
                         hint="the file needs named columns (a header line, or keys in each JSON object)")
    names = [str(c) for c in (raw.columns if isinstance(raw, pd.DataFrame) else raw.column_names)]
    mapping = detect_columns(names, columns, where=where)
    ignored = tuple(c for c in names if c not in mapping.values())
    log.info("read %s (%s): %s rows; mapping %s", where, fmt,
             "streamed" if isinstance(raw, _CsvParts) else len(raw), mapping)
    box = [raw]  # _finish's only reference: it frees the text once used
    del raw
    return _finish(box, mapping, path=where, sha256=hashing, fmt=fmt, compression=compression,
                   malformed=malformed, default_type=default_type, max_rejected=max_rej,
                   notes=notes, ignored=ignored)


def from_dataframe(
    df: pd.DataFrame,
    *,
    columns: Mapping[str, str | None] | None = None,
    default_type: str = "retweet",
    max_rejected: float | None = None,
) -> ReadResult:
    """Normalise a DataFrame already in memory, exactly as :func:`read_actions` does a file.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per action, columns named as in :data:`ALIASES` (or mapped with ``columns``).
    columns : mapping, optional
        Field → column name overrides.
    default_type : str
        Action type of rows without one.
    max_rejected : float, optional
        Largest fraction of bad rows accepted (default ``Config.max_rejected``).

    Returns
    -------
    ReadResult
        With ``path="<DataFrame>"`` and no SHA-256.

    Raises
    ------
    InputError
        Missing columns, or too many bad rows.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"from": ["a", "b"], "to": ["c", "c"], "time": [1634764436, 1634764440]})
    >>> res = from_dataframe(df)
    >>> res.actions[["source", "target"]].values.tolist()
    [['a', 'c'], ['b', 'c']]
    >>> str(res.actions["timestamp"].iloc[1])
    '2021-10-20 21:14:00+00:00'
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(df).__name__}.")
    max_rej = Config().max_rejected if max_rejected is None else Config(max_rejected=max_rejected).max_rejected
    if df.columns.duplicated().any():
        raise InputError("the DataFrame has duplicated column names.",
                         hint="rename the duplicated columns")
    raw = df.copy()
    raw.columns = [str(c) for c in raw.columns]
    mapping = detect_columns(list(raw.columns), columns, where="DataFrame")
    ignored = tuple(c for c in raw.columns if c not in mapping.values())
    return _finish(raw, mapping, path="<DataFrame>", sha256=None, fmt="dataframe", compression=None,
                   malformed=[], default_type=TYPE_ALIASES.get(default_type, "retweet"),
                   max_rejected=max_rej, notes=[], ignored=ignored)
