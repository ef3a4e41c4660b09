"""Platform exports → actions: Twitter/X (API v1.1, API v2 / twarc2, twarc-csv), Bluesky,
Mastodon and Telegram Desktop.

Each post yields its actions: a ``retweet`` / ``quote`` / ``reply`` edge to the author of
the post it amplifies (with that post as ``object_id``), and one ``mention`` edge per
account it mentions. The post's hashtags are kept in a ``hashtags`` column (lower case,
space-separated, without ``#``) on every action of the post. The mapping of each
format, field by field, is documented in ``docs/input-formats.md``.

Rules shared by every format:

* a repost (retweet, Bluesky repost, Mastodon reblog, Telegram forward) yields only the
  repost edge: the mentions inside the reposted text are its original author's;
* a mention of the account already linked by the post's reply or quote edge is not
  counted twice;
* the repost / quote / reply action has the post's own id; the mention of account ``x``
  has the id ``<post id>@x``, so every action has its own id and a post collected twice
  is counted once (``rows_duplicate``);
* posts that amplify nothing (original posts without mentions), and records that are
  not posts (likes, deletions, profile updates, service messages), yield no action and
  are counted in a note;
* a line that is not valid JSON, or not an object, is rejected with its line number.

The readers call :func:`json.loads` on each line and walk the nested objects in
Python (correctness on nested, heterogeneous records first); twarc-csv is converted
with vectorised pandas operations.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd

from .errors import InputError

__all__ = ["PLATFORM_FORMATS", "sniff_platform", "parse_platform", "from_twarc_csv",
           "platform_notes"]

#: The platform formats, as named by ``read_actions(format=...)`` and ``--format``.
PLATFORM_FORMATS: tuple[str, ...] = (
    "twitter-v1", "twitter-v2", "twarc-csv", "bluesky", "mastodon", "telegram")

_COLUMNS = ("row", "source", "target", "timestamp", "type", "id", "object_id", "hashtags")
_TELEGRAM_CHAT_TYPES = ("personal_chat", "bot_chat", "private_group", "private_supergroup",
                        "public_supergroup", "private_channel", "public_channel",
                        "saved_messages")

Row = tuple  # (row, source, target, timestamp, type, id, object_id, hashtags)


# ----------------------------------------------------------------------------- sniffing


def _classify(obj: Any) -> str | None:
    """The platform of one decoded JSON record, or None."""
    if isinstance(obj, list):
        return next((c for c in (_classify(o) for o in obj[:5]) if c), None)
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("statuses"), list):  # v1.1 search/tweets, Mastodon search results
        return _classify(obj["statuses"])
    keys = obj.keys()
    if isinstance(obj.get("messages"), list) or isinstance(obj.get("chats"), dict):
        return "telegram"
    if "data" in keys and ("includes" in keys or "meta" in keys or "__twarc" in keys):
        return "twitter-v2"
    if "author_id" in keys and ("text" in keys or "referenced_tweets" in keys
                                or "edit_history_tweet_ids" in keys):
        return "twitter-v2"
    user = obj.get("user")
    if "retweeted_status" in keys or (isinstance(user, dict) and "screen_name" in user
                                      and ("id_str" in keys or "full_text" in keys
                                           or "text" in keys)):
        return "twitter-v1"
    did = obj.get("did") or obj.get("repo")
    if (isinstance(did, str) and did.startswith("did:")) or str(obj.get("uri", "")).startswith("at://"):
        return "bluesky"
    acct = obj.get("account")
    if isinstance(acct, dict) and "acct" in acct and (
            "reblog" in keys or "in_reply_to_account_id" in keys or "mentions" in keys):
        return "mastodon"
    return None


def sniff_platform(head: bytes) -> str | None:
    """Recognise a platform export from the first bytes of its (decompressed) content.

    Parameters
    ----------
    head : bytes
        The start of the file (up to 64 KiB is plenty).

    Returns
    -------
    str or None
        One of :data:`PLATFORM_FORMATS`, or None for a plain edge list.

    Examples
    --------
    >>> sniff_platform(b'{"did": "did:plc:abc", "time_us": 1, "kind": "commit"}\\n')
    'bluesky'
    >>> sniff_platform(b"id,conversation_id,referenced_tweets.replied_to.id,"
    ...                b"referenced_tweets.retweeted.id,author_id\\n")
    'twarc-csv'
    >>> sniff_platform(b"source,target\\na,b\\n") is None
    True
    """
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text:
        return None
    if text[0] not in "[{":
        first = text.split("\n", 1)[0]
        if "referenced_tweets.retweeted.id" in first and "author_id" in first:
            return "twarc-csv"
        return None
    # a whole document (Telegram result.json, a JSON array) or the first line of JSON Lines
    for candidate in (text, text.split("\n", 1)[0]):
        try:
            return _classify(json.loads(candidate))
        except ValueError:
            continue
    # a document longer than the head: look at its shape
    if re.search(r'"messages"\s*:\s*\[', text) and re.search(
            r'"type"\s*:\s*"(' + "|".join(_TELEGRAM_CHAT_TYPES) + ')"', text):
        return "telegram"
    if text[0] == "[":
        m = re.search(r"\{.*?\n\s{0,4}\}", text, flags=re.S)  # the first element, if indented
        if m:
            try:
                return _classify(json.loads(m.group(0)))
            except ValueError:
                pass
    return None


# ----------------------------------------------------------------------------- helpers


def _g(obj: Any, *path: str) -> Any:
    """Nested get that tolerates missing keys and non-dict values."""
    for k in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(k)
    return obj


def _s(v: Any) -> str | None:
    """A scalar as text (None, "", dicts and lists become None)."""
    if v is None or isinstance(v, (dict, list, bool)):
        return None
    t = str(v).strip()
    return t or None


def _tags(values: Any, key: str | None) -> str | None:
    if not isinstance(values, list):
        return None
    out = []
    for v in values:
        t = _s(_g(v, key) if key else v)
        if t:
            t = t.lstrip("#").lower()
            if t and t not in out:
                out.append(t)
    return " ".join(out) or None


def _post_actions(row: int, src: str | None, ts: Any, pid: str | None, tags: str | None,
                  primary: list[tuple[str, str | None, str | None]],
                  mentions: list[str | None]) -> list[Row]:
    """The actions of one post: its repost/quote/reply edges, then one per new mention."""
    out: list[Row] = [(row, src, tgt, ts, typ, pid, obj, tags) for typ, tgt, obj in primary]
    if primary and primary[0][0] == "retweet":
        return out  # a repost carries its original author's mentions
    seen = {tgt for _, tgt, _ in primary if tgt}
    for m in mentions:
        if m and m not in seen:
            seen.add(m)
            out.append((row, src, m, ts, "mention", f"{pid}@{m}" if pid else None, None, tags))
    return out


def _records(blob: bytes, where: str, encoding: str,
             malformed: list[dict[str, Any]]) -> Iterator[tuple[int, Any]]:
    """(line number, decoded record) of JSON Lines, or of the elements of a JSON array."""
    try:
        text = blob.decode(encoding)
    except UnicodeDecodeError as e:
        raise InputError(f"{where}: the file is not valid {encoding} text ({e.reason} at byte "
                         f"{e.start}).", hint="re-save it as UTF-8, or name its encoding with "
                                              "--encoding") from None
    text = text.lstrip("\ufeff")
    if text.lstrip().startswith("["):
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None  # maybe JSON Lines whose lines are arrays: read line by line
        if isinstance(doc, list):
            for i, obj in enumerate(doc, start=1):
                yield i, obj
            return
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as e:
            malformed.append({"row": lineno, "reason": f"invalid JSON ({getattr(e, 'msg', e)})",
                              "raw": line[:500]})
            continue
        if isinstance(obj, dict) and isinstance(obj.get("statuses"), list):
            obj = obj["statuses"]  # a search response (Twitter v1.1, Mastodon): its statuses
        if isinstance(obj, list):  # a line holding a page (list) of records
            for o in obj:
                yield lineno, o
        else:
            yield lineno, obj


def _not_object(row: int, obj: Any, malformed: list[dict[str, Any]]) -> bool:
    if isinstance(obj, dict):
        return False
    malformed.append({"row": row, "reason": "record is not a JSON object",
                      "raw": json.dumps(obj)[:500]})
    return True


# --------------------------------------------------------------------------- Twitter v1.1


def _v1_entities(s: dict[str, Any]) -> Any:
    return _g(s, "extended_tweet", "entities") or s.get("entities")


def _v1_author(s: Any) -> str | None:
    return _s(_g(s, "user", "screen_name")) or _s(_g(s, "user", "id_str")) or _s(_g(s, "user", "id"))


def _v1_id(s: Any) -> str | None:
    return _s(_g(s, "id_str")) or _s(_g(s, "id"))


def _twitter_v1(records: Iterator[tuple[int, Any]], malformed: list[dict[str, Any]],
                stats: dict[str, int]) -> list[Row]:
    rows: list[Row] = []
    for row, s in records:
        if _not_object(row, s, malformed):
            continue
        if "delete" in s or "limit" in s or "scrub_geo" in s:  # streaming API notices
            stats["not_posts"] += 1
            continue
        stats["posts"] += 1
        src, pid, ts = _v1_author(s), _v1_id(s), _s(s.get("created_at")) or _s(s.get("timestamp_ms"))
        rs = s.get("retweeted_status")
        primary: list[tuple[str, str | None, str | None]] = []
        if isinstance(rs, dict):
            tags = _tags(_g(_v1_entities(rs), "hashtags"), "text")
            primary.append(("retweet", _v1_author(rs), _v1_id(rs)))
            mentions: list[str | None] = []
        else:
            ent = _v1_entities(s)
            tags = _tags(_g(ent, "hashtags"), "text")
            qs = s.get("quoted_status")
            qid = _v1_id(qs) or _s(s.get("quoted_status_id_str")) or _s(s.get("quoted_status_id"))
            if qid:
                primary.append(("quote", _v1_author(qs), qid))
            rid = _s(s.get("in_reply_to_status_id_str")) or _s(s.get("in_reply_to_status_id"))
            rto = _s(s.get("in_reply_to_screen_name")) or _s(s.get("in_reply_to_user_id_str")) \
                or _s(s.get("in_reply_to_user_id"))
            if rid or rto:
                primary.append(("reply", rto, rid))
            um = _g(ent, "user_mentions")
            mentions = [_s(_g(m, "screen_name")) or _s(_g(m, "id_str"))
                        for m in (um if isinstance(um, list) else [])]
        acts = _post_actions(row, src, ts, pid, tags, primary, mentions)
        stats["silent"] += not acts
        rows.extend(acts)
    return rows


# ------------------------------------------------------------------------ Twitter API v2


def _twitter_v2(records: Iterator[tuple[int, Any]], malformed: list[dict[str, Any]],
                stats: dict[str, int]) -> list[Row]:
    rows: list[Row] = []
    for row, rec in records:
        if _not_object(row, rec, malformed):
            continue
        if "data" in rec and ("includes" in rec or "meta" in rec or "__twarc" in rec):
            data = rec.get("data")
            tweets = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
            users = {_s(u.get("id")): _s(u.get("username")) for u in
                     (_g(rec, "includes", "users") or []) if isinstance(u, dict)}
            refs = {_s(t.get("id")): t for t in (_g(rec, "includes", "tweets") or [])
                    if isinstance(t, dict)}
        else:
            tweets, users, refs = [rec], {}, {}
        for t in tweets:
            if not isinstance(t, dict):
                malformed.append({"row": row, "reason": "tweet is not a JSON object",
                                  "raw": json.dumps(t)[:500]})
                continue
            rows.extend(_v2_tweet(row, t, users, refs, stats))
    return rows


def _v2_user(users: dict[Any, Any], uid: Any, expanded: Any = None) -> str | None:
    return _s(_g(expanded, "username")) or users.get(_s(uid)) or _s(uid)


def _v2_tweet(row: int, t: dict[str, Any], users: dict[Any, Any], refs: dict[Any, Any],
              stats: dict[str, int]) -> list[Row]:
    stats["posts"] += 1
    src = _v2_user(users, t.get("author_id"), t.get("author"))
    pid, ts = _s(t.get("id")), _s(t.get("created_at"))
    kinds = {"retweeted": "retweet", "quoted": "quote", "replied_to": "reply"}
    primary: list[tuple[str, str | None, str | None]] = []
    tags = _tags(_g(t, "entities", "hashtags"), "tag")
    rts = t.get("referenced_tweets")
    for r in (rts if isinstance(rts, list) else []):
        typ = kinds.get(_s(_g(r, "type")) or "")
        rid = _s(_g(r, "id"))
        if typ is None or rid is None:
            continue
        full = refs.get(rid) or r  # flattened twarc2 output expands the referenced tweet in place
        tgt = _v2_user(users, _g(full, "author_id"), _g(full, "author"))
        if typ == "reply" and tgt is None:
            tgt = _v2_user(users, t.get("in_reply_to_user_id"), t.get("in_reply_to_user"))
        if typ == "retweet":
            tags = _tags(_g(full, "entities", "hashtags"), "tag") or tags
        primary.append((typ, tgt, rid))
    primary.sort(key=lambda p: p[0] != "retweet")  # a retweet first: it carries no mentions
    if not primary and _s(t.get("in_reply_to_user_id")):  # a reply whose tweet is unknown
        primary.append(("reply", _v2_user(users, t.get("in_reply_to_user_id"),
                                          t.get("in_reply_to_user")), None))
    ms = _g(t, "entities", "mentions")
    mentions = [_s(_g(m, "username")) or _s(_g(m, "id")) for m in (ms if isinstance(ms, list) else [])]
    acts = _post_actions(row, src, ts, pid, tags, primary, mentions)
    stats["silent"] += not acts
    return acts


# ---------------------------------------------------------------------------- twarc-csv


def _json_list_column(s: pd.Series) -> pd.Series:
    """A column of JSON-encoded lists (``["@a", "@b"]``) → lists, tolerating bad cells."""
    def one(v: Any) -> list[Any]:
        if not isinstance(v, str) or not v.strip():
            return []
        try:
            x = json.loads(v)
        except ValueError:
            return [p for p in re.split(r"[\s,;]+", v) if p]
        return x if isinstance(x, list) else []
    return s.map(one)


def from_twarc_csv(raw: pd.DataFrame) -> pd.DataFrame:
    """Convert a table written by ``twarc2 csv`` (twarc-csv) into platform action rows.

    Vectorised: one pass per action type, mentions exploded.

    Parameters
    ----------
    raw : pandas.DataFrame
        The CSV as read (every column text), with twarc-csv's column names
        (``id``, ``author.username``, ``referenced_tweets.retweeted.id``,
        ``retweeted_username``, ``entities.mentions`` …).

    Returns
    -------
    pandas.DataFrame
        Columns ``row``, ``source``, ``target``, ``timestamp``, ``type``, ``id``,
        ``object_id``, ``hashtags`` (see :func:`coordnet.read_actions`).

    Examples
    --------
    >>> raw = pd.DataFrame({"id": ["2"], "author_id": ["11"], "author.username": ["ann"],
    ...     "referenced_tweets.retweeted.id": ["1"], "retweeted_username": ["bob"],
    ...     "created_at": ["2021-10-20T21:13:56.000Z"], "entities.mentions": ['["@bob"]'],
    ...     "entities.hashtags": ['["#Vote"]']})
    >>> from_twarc_csv(raw)[["source", "target", "type", "object_id", "hashtags"]].values.tolist()
    [['ann', 'bob', 'retweet', '1', 'vote']]
    """
    n = len(raw)

    def col(*names: str) -> pd.Series:
        out = pd.Series([None] * n, index=raw.index, dtype=object)
        for name in names:
            if name in raw.columns:
                v = raw[name].astype(object).where(raw[name].notna(), None)
                v = v.map(lambda x: _s(x))
                out = out.where(out.notna(), v)
        return out

    base = pd.DataFrame({
        "row": np.arange(1, n + 1),
        "source": col("author.username", "author_id").to_numpy(),
        "timestamp": col("created_at").to_numpy(),
        "id": col("id").to_numpy(),
    })
    tags = _json_list_column(col("entities.hashtags")).map(lambda v: _tags(v, None))
    base["hashtags"] = tags.to_numpy()
    parts = []
    specs = [("retweet", "referenced_tweets.retweeted.id", ("retweeted_username", "retweeted_user_id")),
             ("quote", "referenced_tweets.quoted.id", ("quoted_username", "quoted_user_id")),
             ("reply", "referenced_tweets.replied_to.id", ("in_reply_to_username",
                                                           "in_reply_to_user_id"))]
    is_rt = col(specs[0][1]).notna().to_numpy()
    linked: list[pd.Series] = []
    for typ, obj_col, tgt_cols in specs:
        obj = col(obj_col).to_numpy()
        tgt = col(*tgt_cols).to_numpy()
        has = pd.notna(obj) | (pd.notna(tgt) if typ == "reply" else False)
        if typ != "retweet":
            has = has & ~is_rt
        p = base.loc[has].copy()
        p["target"], p["type"], p["object_id"] = tgt[has], typ, obj[has]
        parts.append(p)
        linked.append(pd.Series(np.where(has, tgt, None), index=base.index))
    ms = _json_list_column(col("entities.mentions"))
    m = base.assign(target=ms.to_numpy()).loc[~is_rt].explode("target")
    m = m.loc[m["target"].notna()]
    m["target"] = m["target"].astype(str).str.lstrip("@").str.strip()
    m = m.loc[m["target"] != ""]
    # not a second edge to the account already replied to / quoted, and each account once
    taken = pd.concat([pd.DataFrame({"row": base["row"], "target": s}) for s in linked[1:]])
    taken = set(zip(taken["row"], taken["target"]))
    keep = [(r, t) not in taken for r, t in zip(m["row"], m["target"])]
    m = m.loc[keep].drop_duplicates(["row", "target"])
    m["type"], m["object_id"] = "mention", None
    m["id"] = np.where(m["id"].notna(), m["id"].astype(str) + "@" + m["target"], None)
    parts.append(m)
    out = pd.concat(parts, ignore_index=True)
    order = {"retweet": 0, "quote": 1, "reply": 2, "mention": 3}
    out = out.assign(_o=out["type"].map(order)).sort_values(["row", "_o"], kind="stable")
    out = out[list(_COLUMNS)].reset_index(drop=True)
    out.attrs["notes"] = platform_notes("twarc-csv", {"posts": n, "silent": n - out["row"].nunique()})
    return out


# -------------------------------------------------------------------------------- Bluesky


_AT_URI = re.compile(r"^at://([^/]+)/([^/]+)/([^/?#]+)")


def _at_author(uri: Any) -> str | None:
    m = _AT_URI.match(uri) if isinstance(uri, str) else None
    return m.group(1) if m else None


def _bluesky(records: Iterator[tuple[int, Any]], malformed: list[dict[str, Any]],
             stats: dict[str, int]) -> list[Row]:
    rows: list[Row] = []
    for row, e in records:
        if _not_object(row, e, malformed):
            continue
        commit = e.get("commit") if isinstance(e.get("commit"), dict) else {}
        rec = commit.get("record") or e.get("record") or e.get("value")
        uri = _s(e.get("uri"))
        m = _AT_URI.match(uri) if uri else None
        did = _s(e.get("did")) or _s(e.get("repo")) or _s(_g(e, "author", "did")) \
            or (m.group(1) if m else None)
        coll = _s(commit.get("collection")) or _s(e.get("collection")) or (m.group(2) if m else None) \
            or _s(_g(rec, "$type"))
        rkey = _s(commit.get("rkey")) or _s(e.get("rkey")) or (m.group(3) if m else None)
        op = _s(commit.get("operation")) or _s(e.get("operation")) or _s(e.get("action")) or "create"
        if (e.get("kind") not in (None, "commit") or op != "create" or not isinstance(rec, dict)
                or coll not in ("app.bsky.feed.post", "app.bsky.feed.repost")):
            stats["not_posts"] += 1
            continue
        stats["posts"] += 1
        pid = uri or (f"at://{did}/{coll}/{rkey}" if did and rkey else None)
        # Jetstream's time_us is when the relay saw the record; createdAt is set by the client
        ts = _s(e.get("time_us")) or _s(rec.get("createdAt")) or _s(e.get("indexedAt"))
        primary: list[tuple[str, str | None, str | None]] = []
        mentions: list[str | None] = []
        tags_found: list[Any] = list(rec.get("tags") or []) if isinstance(rec.get("tags"), list) else []
        if coll == "app.bsky.feed.repost":
            subj = _s(_g(rec, "subject", "uri"))
            primary.append(("retweet", _at_author(subj), subj))
        else:
            embed = rec.get("embed") if isinstance(rec.get("embed"), dict) else {}
            etype = _s(embed.get("$type")) or ""
            quoted = _s(_g(embed, "record", "uri")) if etype.startswith("app.bsky.embed.record#") \
                or etype == "app.bsky.embed.record" else None
            if etype.startswith("app.bsky.embed.recordWithMedia"):
                quoted = _s(_g(embed, "record", "record", "uri"))
            if quoted and "/app.bsky.feed.post/" in quoted:  # not a quoted feed or list
                primary.append(("quote", _at_author(quoted), quoted))
            parent = _s(_g(rec, "reply", "parent", "uri"))
            if parent:
                primary.append(("reply", _at_author(parent), parent))
            facets = rec.get("facets")
            for f in (facets if isinstance(facets, list) else []):
                feats = _g(f, "features")
                for ft in (feats if isinstance(feats, list) else []):
                    kind = _s(_g(ft, "$type")) or ""
                    if kind.endswith("#mention"):
                        mentions.append(_s(_g(ft, "did")))
                    elif kind.endswith("#tag"):
                        tags_found.append(_g(ft, "tag"))
        acts = _post_actions(row, did, ts, pid, _tags(tags_found, None), primary, mentions)
        stats["silent"] += not acts
        rows.extend(acts)
    return rows


# ------------------------------------------------------------------------------- Mastodon


def _mastodon(records: Iterator[tuple[int, Any]], malformed: list[dict[str, Any]],
              stats: dict[str, int]) -> list[Row]:
    rows: list[Row] = []
    acct_of: dict[str, str] = {}
    pending: list[int] = []  # indices of reply rows whose target is still an account id

    def remember(a: Any) -> str | None:
        acct, aid = _s(_g(a, "acct")), _s(_g(a, "id"))
        if acct and aid:
            acct_of.setdefault(aid, acct)
        return acct or aid

    for row, s in records:
        if _not_object(row, s, malformed):
            continue
        if "account" not in s:
            stats["not_posts"] += 1
            continue
        stats["posts"] += 1
        src, pid, ts = remember(s.get("account")), _s(s.get("id")), _s(s.get("created_at"))
        ms = s.get("mentions") if isinstance(s.get("mentions"), list) else []
        mentions = [remember(m) for m in ms]
        primary: list[tuple[str, str | None, str | None]] = []
        rb = s.get("reblog")
        if isinstance(rb, dict):
            tags = _tags(rb.get("tags"), "name")
            primary.append(("retweet", remember(rb.get("account")), _s(rb.get("id"))))
            for m in (rb.get("mentions") if isinstance(rb.get("mentions"), list) else []):
                remember(m)
        else:
            tags = _tags(s.get("tags"), "name")
            qs = _g(s, "quote", "quoted_status")  # Mastodon 4.5 quote posts
            if isinstance(qs, dict):
                primary.append(("quote", remember(qs.get("account")), _s(qs.get("id"))))
            rid, raid = _s(s.get("in_reply_to_id")), _s(s.get("in_reply_to_account_id"))
            if rid or raid:
                primary.append(("reply", raid, rid))
        # the reply target is an account id: its acct may only be known from a later status
        start = len(rows)
        unresolved = None
        for i, (k, t, o) in enumerate(primary):
            if k == "reply" and t is not None:
                if t in acct_of:
                    primary[i] = (k, acct_of[t], o)
                else:
                    unresolved = t
        acts = _post_actions(row, src, ts, pid, tags, primary, mentions)
        stats["silent"] += not acts
        rows.extend(acts)
        if unresolved is not None:
            pending.extend(i for i in range(start, len(rows))
                           if rows[i][4] == "reply" and rows[i][2] == unresolved)
    for i in pending:
        r = rows[i]
        if r[2] in acct_of:
            rows[i] = r[:2] + (acct_of[r[2]],) + r[3:]
    return rows


# ------------------------------------------------------------------------------- Telegram


def _tg_text_entities(m: dict[str, Any]) -> list[dict[str, Any]]:
    ents = m.get("text_entities")
    if isinstance(ents, list):
        return [e for e in ents if isinstance(e, dict)]
    txt = m.get("text")  # older exports: text is a list of strings and entity objects
    return [e for e in txt if isinstance(e, dict)] if isinstance(txt, list) else []


def _telegram(blob: bytes, where: str, encoding: str, malformed: list[dict[str, Any]],
              stats: dict[str, int]) -> list[Row]:
    try:
        doc = json.loads(blob.decode(encoding).lstrip("\ufeff"))
    except (UnicodeDecodeError, ValueError) as e:
        raise InputError(f"{where}: not valid JSON ({e}).",
                         hint="export the channel again from Telegram Desktop (Export chat "
                              "history → format: Machine-readable JSON) and give result.json") from None
    chats = _g(doc, "chats", "list") if isinstance(_g(doc, "chats"), dict) else [doc]
    if not isinstance(chats, list) or not any(isinstance(_g(c, "messages"), list) for c in chats):
        raise InputError(f"{where}: no \"messages\" list found: this is not a Telegram Desktop "
                         "export.", hint="give the result.json written by Telegram Desktop's "
                                         "Export chat history (JSON format)")
    rows: list[Row] = []
    k = 0
    for chat in chats:
        msgs = _g(chat, "messages")
        if not isinstance(msgs, list):
            continue
        chat_id = _s(_g(chat, "id")) or _s(_g(chat, "name")) or "chat"
        chat_name = _s(_g(chat, "name"))
        authors: dict[str, str | None] = {}
        for m in msgs:
            k += 1
            if not isinstance(m, dict):
                malformed.append({"row": k, "reason": "message is not a JSON object",
                                  "raw": json.dumps(m)[:500]})
                continue
            src = _s(m.get("from")) or _s(m.get("from_id")) or (
                chat_name if _s(_g(chat, "type")) in ("public_channel", "private_channel") else None)
            mid = _s(m.get("id"))
            if mid:
                authors[mid] = src
            if _s(m.get("type")) not in (None, "message"):
                stats["not_posts"] += 1  # service messages (joins, pins …)
                continue
            stats["posts"] += 1
            ts = _s(m.get("date_unixtime")) or _s(m.get("date"))
            if not _s(m.get("date_unixtime")) and _s(m.get("date")):
                stats["local_dates"] += 1
            pid = f"{chat_id}/{mid}" if mid else None
            ents = _tg_text_entities(m)
            tags = _tags([e.get("text") for e in ents if e.get("type") == "hashtag"], None)
            primary: list[tuple[str, str | None, str | None]] = []
            fwd = _s(m.get("forwarded_from")) or _s(m.get("forwarded_from_id"))
            if fwd:
                primary.append(("retweet", fwd, None))
            reply = _s(m.get("reply_to_message_id"))
            if reply and not fwd:
                primary.append(("reply", authors.get(reply), f"{chat_id}/{reply}"))
            mentions = [(_s(e.get("text")) or "").lstrip("@") or None
                        for e in ents if e.get("type") == "mention"]
            acts = _post_actions(k, src, ts, pid, tags, primary, mentions)
            stats["silent"] += not acts
            rows.extend(acts)
    return rows


# --------------------------------------------------------------------------------- entry


_JSON_READERS: dict[str, Callable[..., list[Row]]] = {
    "twitter-v1": _twitter_v1, "twitter-v2": _twitter_v2, "bluesky": _bluesky,
    "mastodon": _mastodon,
}

_WHAT = {"twitter-v1": "tweets", "twitter-v2": "tweets", "twarc-csv": "tweets",
         "bluesky": "posts and reposts", "mastodon": "statuses", "telegram": "messages"}


def parse_platform(fmt: str, blob: bytes, where: str, encoding: str = "utf-8",
                   ) -> tuple[pd.DataFrame, list[dict[str, Any]], list[str]]:
    """Turn a JSON platform export into action rows.

    Parameters
    ----------
    fmt : str
        One of :data:`PLATFORM_FORMATS` except ``twarc-csv`` (see :func:`from_twarc_csv`).
    blob : bytes
        The decompressed file content.
    where : str
        The file name, for messages.
    encoding : str

    Returns
    -------
    (rows, malformed, notes)
        ``rows`` has the columns ``row`` (line or message number), ``source``, ``target``,
        ``timestamp``, ``type``, ``id``, ``object_id``, ``hashtags`` (all text);
        ``malformed`` lists the records that could not be decoded (with their line
        number and reason); ``notes`` say what was skipped and why.

    Examples
    --------
    >>> line = (b'{"id_str": "2", "created_at": "Wed Oct 20 21:13:56 +0000 2021", '
    ...         b'"user": {"screen_name": "ann"}, "retweeted_status": {"id_str": "1", '
    ...         b'"user": {"screen_name": "bob"}, "entities": {"hashtags": [{"text": "Vote"}]}}}')
    >>> rows, bad, notes = parse_platform("twitter-v1", line + b"\\n{oops\\n", "x.jsonl")
    >>> rows[["source", "target", "type", "id", "object_id", "hashtags"]].values.tolist()
    [['ann', 'bob', 'retweet', '2', '1', 'vote']]
    >>> bad[0]["row"], bad[0]["reason"][:12]
    (2, 'invalid JSON')
    """
    malformed: list[dict[str, Any]] = []
    stats = {"posts": 0, "silent": 0, "not_posts": 0, "local_dates": 0}
    if fmt == "telegram":
        rows = _telegram(blob, where, encoding, malformed, stats)
    elif fmt in _JSON_READERS:
        rows = _JSON_READERS[fmt](_records(blob, where, encoding, malformed), malformed, stats)
    else:
        raise ValueError(f"not a JSON platform format: {fmt!r}")
    df = pd.DataFrame.from_records(rows, columns=list(_COLUMNS)) if rows else \
        pd.DataFrame({c: pd.Series(dtype=object) for c in _COLUMNS})
    for c in _COLUMNS[1:]:
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    notes = platform_notes(fmt, stats)
    return df, malformed, notes


def platform_notes(fmt: str, stats: dict[str, int]) -> list[str]:
    """Plain-language notes on what a platform reader skipped."""
    what = _WHAT[fmt]
    notes = [f"read as a {fmt} export: {stats.get('posts', 0):,} {what}"]
    if stats.get("silent"):
        notes.append(f"{stats['silent']:,} {what} amplify nothing (no repost, quote, reply or "
                     "mention): not actions")
    if stats.get("not_posts"):
        notes.append(f"{stats['not_posts']:,} records are not posts (likes, deletions, profile "
                     "or service events …): skipped")
    if stats.get("local_dates"):
        notes.append(f"{stats['local_dates']:,} messages have no date_unixtime: their 'date' is "
                     "the exporting computer's local time, read as UTC")
    return notes
