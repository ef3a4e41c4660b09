"""Scaling benchmark: time each stage of ``coordnet analyze`` and its peak memory.

Run on demand (not part of the test suite)::

    python benchmarks/scale.py                      # 1M, 3M, 10M actions + CNT on 1M
    python benchmarks/scale.py --sizes 1e6 --no-cnt # one size, no CNT comparison
    python benchmarks/scale.py --sizes 3e7,1e8 --engine duckdb --no-cnt --memory-limit 12GB
    python benchmarks/scale.py --sizes 1e8 --no-cnt --cgroup-limit 16e9   # within 16 GB

For each size it writes a synthetic retweet CSV with :func:`coordnet.simulate`
(``benchmarks/gen.py``: a month of data, heavy-tailed activity and popularity, viral posts,
friend circles, hyperactive accounts, 20 planted groups of 30), then, each in a fresh
subprocess so that peak memory (``ru_maxrss`` of the child) is per run:

* ``floor``: pyarrow reading the same CSV (the issue's yardstick), and a second time in
  another fresh process (reported beside it: often much faster on this machine),
* ``coordnet``: :func:`coordnet.run_analyze` without figures (what ``coordnet analyze FILE
  --no-figures`` does), with the wall time of each stage taken from its progress
  callback: read, graphs (amplification graph and account table), co-action (the
  windowed join), detection, outputs; and, against the simulation's ground truth, the
  precision and recall of the flagged accounts (written beside each file by gen.py),
  the highest resident memory sampled (every 50 ms) during each stage, and the highest
  anonymous memory (resident memory less the pages of files mapped in memory: the tables
  that an analysis too large for the memory spills to disk), and where the CPU goes: user
  and system seconds and page faults of the process ("CPU s" in the table: the process
  alone), and the seconds of its worker processes (the Leiden runs). With ``--cgroup-limit`` the
  analysis runs in a memory control group of that size (page cache included), as in a
  container or a Slurm job.

With ``--cnt`` (default) it also runs coordination-network-toolkit 1.5.2 from a throwaway
virtualenv (``/tmp/cnt-venv``, created with pip when missing) on the 1M file: preprocess,
then ``compute co_retweet --time_window 60 --min_edge_weight 1 --n_cpus 2``, and checks
that its directed pairs equal coordnet's (``n_actions_a`` / ``n_actions_b``). coordnet's
co-action step (:func:`coordnet.coaction`, 60 s) is timed in a fresh process too: the
median of three runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import coordnet
from coordnet._memory import analysis_spills
import threading
marks = []
cur = ["read"]
peak = {}  # stage -> highest resident memory (MB) sampled while it ran
anon = [0.0]  # highest anonymous memory (MB): resident memory less mapped files' pages
def rss_mb():
    with open("/proc/self/status") as f:
        got = {k: int(v.split()[0]) / 1024 for k, v in (l.split(":", 1) for l in f)
               if k in ("VmRSS", "RssAnon")}
    anon[0] = max(anon[0], got.get("RssAnon", 0))
    return got["VmRSS"]
def watch():
    while True:
        k, r = cur[0], rss_mb()
        if r > peak.get(k, 0):
            peak[k] = r
        time.sleep(0.05)
threading.Thread(target=watch, daemon=True).start()
def progress(stage, done, total):
    marks.append((stage, done, total, time.perf_counter()))
    cur[0] = stage + ("" if done < total else " (end)")
path, out, engine, mem = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
if mem:
    import os; os.environ["COORDNET_DUCKDB_MEMORY"] = mem
cfg = coordnet.Config(engine=engine)
t1 = time.perf_counter()
run = coordnet.run_analyze(path, out, config=cfg, figures=False, force=True, progress=progress)
t2 = time.perf_counter()
import os, pandas as pd
truth = path.rsplit(".", 1)[0] + "_truth.csv"
pr = (None, None)
if os.path.exists(truth):
    tr = pd.read_csv(truth, dtype=str)
    members = set(tr.loc[tr["role"] == "member", "account"])
    acc = run.result.accounts
    fl = set(acc.loc[acc["flagged"] & (acc["role"].astype(str) == "amplifier"), "account"].astype(str))
    pr = (len(fl & members) / len(fl) if fl else 1.0, len(fl & members) / len(members))
print(json.dumps({"precision": pr[0], "recall": pr[1], "import": t1 - t0, "total": t2 - t1, "marks": [(s, d, n, t - t1) for s, d, n, t in marks],
                  "rows": run.read.rows_kept, "coaction_edges": len(run.result.graphs.coaction.edges),
                  "flagged": run.summary["detection"]["flagged_clusters"], "stage_peak_mb": peak,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "anon_mb": anon[0], "spilled": analysis_spills(run.read.rows_kept),
                  "cpu_s": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
                  "sys_s": resource.getrusage(resource.RUSAGE_SELF).ru_stime,
                  "minflt": resource.getrusage(resource.RUSAGE_SELF).ru_minflt,
                  "children_cpu_s": sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2])}))
"""

JOIN = r"""
import json, os, resource, sys, tempfile, time
from coordnet import engines
path, window, mem = sys.argv[1], int(sys.argv[2]), sys.argv[3]
tmp = tempfile.mkdtemp(prefix="coordnet-join-", dir=os.path.dirname(path))
con = engines.duckdb_connect(mem or None, tmp)
t0 = time.perf_counter()
con.execute(f"CREATE TEMP TABLE acts AS SELECT source AS s, object_id AS o, "
            f"epoch_ms(CAST(timestamp AS TIMESTAMP)) AS t, row_number() OVER () AS rid "
            f"FROM read_csv('{path}', header=true)")
n = con.execute("SELECT count(*) FROM acts").fetchone()[0]
t1 = time.perf_counter()
ed_sql = engines.duckdb_coaction_tables(con, n, window)
n_ev = con.execute("SELECT count(*) FROM ev").fetchone()[0]
n_ed = con.execute(f"SELECT count(*) FROM ({ed_sql})").fetchone()[0]
t2 = time.perf_counter()
con.close()
import shutil; shutil.rmtree(tmp, ignore_errors=True)
print(json.dumps({"read": t1 - t0, "join": t2 - t1, "rows": n, "evidence": n_ev, "edges": n_ed,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

FLOOR = r"""
import json, resource, sys, time
import pyarrow.csv as pacsv
t = time.perf_counter()
tab = pacsv.read_csv(sys.argv[1])
print(json.dumps({"read": time.perf_counter() - t, "rows": tab.num_rows,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _child(code: str, *args: str, cgroup: "Cgroup | None" = None) -> dict:
    r = subprocess.run([PY, "-c", code, *args], capture_output=True, text=True,
                       preexec_fn=cgroup.enter if cgroup else None)
    if r.returncode:
        oom = f" (killed: out of memory in {cgroup})" if cgroup and cgroup.oom_killed() else ""
        raise SystemExit(f"child failed{oom}:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


class Cgroup:
    """A memory control group of ``limit`` bytes under this process's own (cgroup v2
    ``memory.max``, or v1 ``memory.limit_in_bytes``): a child started with
    ``preexec_fn=cg.enter`` runs within it, its page cache included, as in a container or
    a Slurm job with that much memory. Needs write access to the cgroup tree (root in a
    container); :meth:`create` returns None without it."""

    def __init__(self, path: Path, v2: bool) -> None:
        self.path, self.v2 = path, v2

    def __str__(self) -> str:
        return f"cgroup {self.path}"

    @classmethod
    def create(cls, limit: int) -> "Cgroup | None":
        try:
            lines = Path("/proc/self/cgroup").read_text().splitlines()
        except OSError:
            return None
        for line in lines:
            num, ctrl, rel = line.split(":", 2)
            v2 = num == "0" and ctrl == ""
            if not v2 and "memory" not in ctrl.split(","):
                continue
            base = Path("/sys/fs/cgroup" + ("" if v2 else "/memory") + rel.rstrip("/"))
            d = base / f"coordnet-bench-{os.getpid()}"
            try:
                d.mkdir(exist_ok=True)
                (d / ("memory.max" if v2 else "memory.limit_in_bytes")).write_text(str(limit))
                if v2:
                    (d / "memory.swap.max").write_text("0")
            except OSError:
                continue
            return cls(d, v2)
        return None

    def enter(self) -> None:
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def peak_mb(self) -> float | None:
        f = self.path / ("memory.peak" if self.v2 else "memory.max_usage_in_bytes")
        try:
            return int(f.read_text()) / 2**20
        except (OSError, ValueError):
            return None

    def oom_killed(self) -> bool:
        try:
            text = (self.path / ("memory.events" if self.v2 else "memory.oom_control")).read_text()
        except OSError:
            return False
        return any(line.split()[0] == "oom_kill" and int(line.split()[1]) > 0
                   for line in text.splitlines() if line.strip())

    def remove(self) -> None:
        try:
            self.path.rmdir()
        except OSError:
            pass


def stages(marks: list, total: float) -> dict[str, float]:
    """Wall seconds per stage from the progress marks: the time after each mark goes to its
    stage (after the co-action join's completion mark: back to the graphs stage)."""
    group = {"read": "read", "graphs": "graphs", "amplification graph": "graphs",
             "account table": "graphs", "done": "outputs", "write outputs": "outputs"}
    out = {"read": 0.0, "graphs": 0.0, "co-action": 0.0, "detection": 0.0, "outputs": 0.0}
    ends = [m[3] for m in marks[1:]] + [total]
    for (stage, done, n, t), t_next in zip(marks, ends):
        if stage.startswith("co-action"):
            k = "graphs" if done == n else "co-action"
        else:
            k = group.get(stage, "detection")
        out[k] += t_next - t
    out["read"] += marks[0][3] if marks else 0.0  # before the first mark
    return out


def stage_peaks(peak: dict[str, float]) -> dict[str, float]:
    """Highest resident memory (MB) sampled during each stage (grouped as :func:`stages`)."""
    out = {"read": 0.0, "graphs": 0.0, "co-action": 0.0, "detection": 0.0, "outputs": 0.0}
    group = {"read": "read", "graphs": "graphs", "amplification graph": "graphs",
             "account table": "graphs", "done": "outputs", "write outputs": "outputs"}
    for stage, mb in peak.items():
        if stage.startswith("co-action"):
            k = "graphs" if stage.endswith("(end)") else "co-action"
        else:
            k = group.get(stage.removesuffix(" (end)"), "detection")
        out[k] = max(out[k], mb)
    return out


def run_cnt(csv_path: Path, work: Path) -> dict:
    """coordination-network-toolkit 1.5.2 on the same retweets (its own CSV layout)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    venv = Path("/tmp/cnt-venv")
    if not (venv / "bin" / "compute_networks").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q",
                        "coordination-network-toolkit==1.5.2"], check=True)
    tab = pacsv.read_csv(csv_path, convert_options=pacsv.ConvertOptions(
        column_types={"timestamp": pa.timestamp("ms", tz="UTC")}))
    n = tab.num_rows
    empty = pa.array([""] * n)
    cnt_tab = pa.table({
        "message_id": tab["id"], "user_id": tab["source"], "username": tab["source"],
        "repost_id": tab["object_id"], "reply_id": empty, "message": empty,
        # seconds with the milliseconds as decimals (CNT reads float seconds)
        "timestamp": pc.cast(pc.divide(pc.cast(pc.cast(tab["timestamp"], pa.int64()), pa.float64()),
                                       1000.0), pa.string()), "urls": empty})
    cnt_csv = work / "cnt_input.csv"
    pacsv.write_csv(cnt_tab, cnt_csv)
    db = work / "cnt.db"
    exe = str(venv / "bin" / "compute_networks")
    t = time.perf_counter()
    subprocess.run([exe, str(db), "preprocess", str(cnt_csv)], check=True, capture_output=True)
    t_pre = time.perf_counter() - t
    t = time.perf_counter()
    # (1.5.2's --output_file csv crashes: TypeError n_messages; the network is read from
    # its SQLite table co_retweet_network instead)
    subprocess.run([exe, str(db), "compute", "co_retweet", "--time_window", "60",
                    "--min_edge_weight", "1", "--n_cpus", "2"], check=True, capture_output=True)
    t_co = time.perf_counter() - t
    return {"preprocess": t_pre, "compute": t_co, "network": db}


COACT = r"""
import json, sys, time
import coordnet
acts = coordnet.read_actions(sys.argv[1]).actions
times = []
co = None
for _ in range(3):
    co = None  # (the previous run's tables are freed outside the timed call)
    t = time.perf_counter()
    co = coordnet.coaction(acts, window=60, engine=sys.argv[2])
    times.append(time.perf_counter() - t)
co.edges[["account_a", "account_b", "n_actions_a", "n_actions_b"]].to_parquet(sys.argv[3])
print(json.dumps({"times": times}))
"""


def coordnet_coaction(csv_path: Path, engine: str, work: Path) -> tuple[list[float], object]:
    """coordnet's co-action step (60 s) three times in a fresh process, as CNT runs in its
    own processes: the wall times, and the edges."""
    import pandas as pd

    out = work / "coaction_edges.parquet"
    res = _child(COACT, str(csv_path), engine, str(out))
    edges = pd.read_parquet(out)
    out.unlink()
    return res["times"], type("Co", (), {"edges": edges})


def same_pairs_as_cnt(co, cnt_db: Path) -> tuple[bool, int, int]:
    import pandas as pd

    import sqlite3

    with sqlite3.connect(cnt_db) as db:
        cnt = pd.DataFrame(db.execute("SELECT user_1, user_2, weight FROM co_retweet_network "
                                      "WHERE user_1 != user_2").fetchall(),
                           columns=["account", "other", "n"])
    cnt["account"], cnt["other"] = cnt["account"].astype(str), cnt["other"].astype(str)
    cnt["n"] = cnt["n"].astype("int64")
    e = co.edges
    mine = pd.concat([
        pd.DataFrame({"account": e.account_a.astype(str), "other": e.account_b.astype(str),
                      "n": e.n_actions_a}),
        pd.DataFrame({"account": e.account_b.astype(str), "other": e.account_a.astype(str),
                      "n": e.n_actions_b})])
    m = cnt.merge(mine, on=["account", "other"], how="outer", indicator=True)
    ok = bool((m["_merge"] == "both").all() and (m["n_x"] == m["n_y"]).all())
    return ok, len(cnt), len(mine)


def _pct(x: float | None) -> str:
    return f"{x:>5.2f}" if x is not None else f"{'-':>5}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e6,3e6,1e7", help="comma-separated action counts")
    ap.add_argument("--engine", default="duckdb")
    ap.add_argument("--workdir", default=None, help="where the CSVs go (deleted afterwards)")
    ap.add_argument("--keep-inputs", action="store_true",
                    help="keep the generated CSVs in --workdir and reuse those already there "
                         "(same size and seed)")
    ap.add_argument("--no-cnt", dest="cnt", action="store_false")
    ap.add_argument("--memory-limit", default="", help="DuckDB memory limit, e.g. 12GB")
    ap.add_argument("--cgroup-limit", default="",
                    help="run each analysis in a memory control group of this many bytes (e.g. "
                         "16e9: the issue's out-of-core target), its page cache included; "
                         "needs write access to the cgroup tree")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--save", default=None,
                    help="also write the measured figures as JSON (benchmarks/curve.py draws "
                         "docs/img/scaling.png from such files)")
    ap.add_argument("--join-only", action="store_true",
                    help="time only DuckDB reading the CSV and the 60 s co-action join "
                         "(out of core beyond --memory-limit), not the whole analysis")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(HERE))
    import gen

    work = Path(args.workdir or tempfile.mkdtemp(prefix="coordnet-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        for size in [int(float(s)) for s in args.sizes.split(",")]:
            csv_path = work / f"actions_{size}_seed{args.seed}.csv"
            if not (args.keep_inputs and csv_path.exists()):
                t = time.perf_counter()
                gen.write(size, str(csv_path), seed=args.seed)
                print(f"# generated {size:,} actions ({csv_path.stat().st_size / 1e6:.0f} MB) in "
                      f"{time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
            # the first read is the yardstick (as in the issue: 2.1 s at 10M); a second one,
            # in another fresh process, is reported beside it: on this machine it can be
            # several times faster (0.7 s at 10M), with the memory the first one freed
            floor = _child(FLOOR, str(csv_path))
            floor["again"] = _child(FLOOR, str(csv_path))["read"]
            if args.join_only:
                j = _child(JOIN, str(csv_path), "60000", args.memory_limit)
                print(f"{size:>12,} actions: pyarrow read {floor['read']:.1f} s; DuckDB read "
                      f"{j['read']:.1f} s, co-action join {j['join']:.1f} s, peak "
                      f"{j['maxrss_mb']:.0f} MB (limit {args.memory_limit or 'none'}); "
                      f"{j['evidence']:,} evidence rows, {j['edges']:,} edges", flush=True)
                if not args.keep_inputs:
                    csv_path.unlink()
                continue
            cg = Cgroup.create(int(float(args.cgroup_limit))) if args.cgroup_limit else None
            if args.cgroup_limit and cg is None:
                raise SystemExit("--cgroup-limit: cannot create a memory control group here "
                                 "(no write access to /sys/fs/cgroup)")
            try:
                res = _child(CHILD, str(csv_path), str(work / "out"), args.engine,
                             args.memory_limit, cgroup=cg)
                if cg:
                    res["cgroup"] = {"limit": int(float(args.cgroup_limit)), "peak_mb": cg.peak_mb()}
            finally:
                if cg:
                    cg.remove()
            st = stages(res["marks"], res["total"])
            res["floor_again"] = floor["again"]
            rows.append((size, csv_path.stat().st_size / 1e6, floor["read"], st, res))
            print(f"# {size:,}: total {res['total']:.1f} s, peak {res['maxrss_mb']:.0f} MB",
                  file=sys.stderr, flush=True)
            if args.cnt and size == 1_000_000:
                c = run_cnt(csv_path, work)
                t_co, co = coordnet_coaction(csv_path, args.engine, work)
                ok, n_cnt, n_mine = same_pairs_as_cnt(co, c["network"])
                rows[-1][4]["cnt"] = {**c, "coordnet_coaction": sorted(t_co)[1], "runs": t_co, "identical": ok,
                                      "pairs": (n_cnt, n_mine)}
            if not args.keep_inputs:
                csv_path.unlink()
                for f in work.glob("*_truth.csv"):
                    f.unlink()
            shutil.rmtree(work / "out", ignore_errors=True)
    finally:
        if not args.workdir and not args.keep_inputs:
            shutil.rmtree(work, ignore_errors=True)

    if not rows:
        return 0
    if args.save:
        recs = []
        for size, mb, fl, st, res in rows:
            rec = {"actions": res["rows"], "csv_mb": round(mb, 1), "pyarrow_read_s": round(fl, 3),
                   "pyarrow_read_again_s": round(res["floor_again"], 3),
                   "stages_s": {k: round(v, 3) for k, v in st.items()}, "total_s": round(res["total"], 3),
                   "cpu_s": round(res.get("cpu_s", 0), 1), "sys_s": round(res.get("sys_s", 0), 1),
                   "page_faults": res.get("minflt"), "workers_cpu_s": round(res.get("children_cpu_s", 0), 1),
                   "peak_mb": round(res["maxrss_mb"]),
                   "anon_peak_mb": round(res.get("anon_mb", 0)), "spilled": res.get("spilled"),
                   "cgroup": res.get("cgroup"),
                   "stage_peak_mb": {k: round(v) for k, v in stage_peaks(res.get("stage_peak_mb", {})).items()},
                   "coaction_edges": res["coaction_edges"], "precision": res.get("precision"),
                   "recall": res.get("recall"), "engine": args.engine}
            if "cnt" in res:
                c = res["cnt"]
                rec["cnt"] = {"preprocess_s": round(c["preprocess"], 2), "compute_s": round(c["compute"], 2),
                              "coordnet_coaction_s": [round(x, 3) for x in c["runs"]],
                              "identical": c["identical"], "pairs": list(c["pairs"])}
            recs.append(rec)
        Path(args.save).parent.mkdir(parents=True, exist_ok=True)
        Path(args.save).write_text(json.dumps({"machine": "2 cores, 24 GB", "runs": recs}, indent=1) + "\n")
    head = (f"{'actions':>12} {'MB':>6} {'pyarrow':>8} {'read':>7} {'graphs':>7} {'co-act':>7} "
            f"{'detect':>7} {'outputs':>7} {'total':>7} {'x floor':>7} {'CPU s':>7} {'peak MB':>8} "
            f"{'edges':>9} {'P':>5} {'R':>5}")
    print(f"engine: {args.engine}; seconds (wall), 2-core machine")
    print(head)
    for size, mb, fl, st, res in rows:
        print(f"{res['rows']:>12,} {mb:>6.0f} {fl:>8.2f} {st['read']:>7.2f} {st['graphs']:>7.2f} "
              f"{st['co-action']:>7.2f} {st['detection']:>7.2f} {st['outputs']:>7.2f} "
              f"{res['total']:>7.2f} {res['total'] / fl:>7.1f} {res.get('cpu_s', 0):>7.1f} "
              f"{res['maxrss_mb']:>8.0f} "
              f"{res['coaction_edges']:>9,} {_pct(res.get('precision'))} {_pct(res.get('recall'))}")
    for size, mb, fl, st, res in rows:  # where the CPU goes (the "CPU s" column: the process only)
        if "sys_s" in res:
            print(f"{res['rows']:>12,} actions: CPU {res['cpu_s'] - res['sys_s']:.1f} s user + "
                  f"{res['sys_s']:.1f} s system in the process ({res['minflt'] / 1e6:.2f} million page "
                  f"faults), {res['children_cpu_s']:.1f} s in its worker processes (Leiden): "
                  f"{res['cpu_s'] + res['children_cpu_s']:.1f} CPU s in all, "
                  f"{(res['cpu_s'] + res['children_cpu_s']) / res['total']:.2f} cores on average")
    for size, mb, fl, st, res in rows:
        cg = res.get("cgroup")
        print(f"{res['rows']:>12,} actions: peak anonymous memory {res.get('anon_mb', 0):.0f} MB "
              f"(resident, mapped files' pages included: {res['maxrss_mb']:.0f} MB); tables "
              f"spilled to disk: {'yes' if res.get('spilled') else 'no'}"
              + (f"; ran in a memory control group of {cg['limit'] / 1e9:g} GB (its peak, page "
                 f"cache included: {cg['peak_mb']:.0f} MB)" if cg else ""))
    print("pyarrow read again, in another fresh process: " + ", ".join(
        f"{res['floor_again']:.2f} s ({res['rows']:,} actions)" for size, mb, fl, st, res in rows))
    print("\npeak resident memory (MB) sampled during each stage")
    print(f"{'actions':>12} {'read':>7} {'graphs':>7} {'co-act':>7} {'detect':>7} {'outputs':>7}")
    for size, mb, fl, st, res in rows:
        pk = stage_peaks(res.get("stage_peak_mb", {}))
        print(f"{res['rows']:>12,} " + " ".join(f"{pk[k]:>7.0f}" for k in
                                                 ("read", "graphs", "co-action", "detection", "outputs")))
    for size, mb, fl, st, res in rows:
        if "cnt" in res:
            c = res["cnt"]
            print(f"\ncoordination-network-toolkit 1.5.2 on {size:,} retweets (60 s, 2 processes): "
                  f"preprocess {c['preprocess']:.1f} s, compute co_retweet {c['compute']:.1f} s; "
                  f"coordnet co-action {c['coordnet_coaction']:.2f} s (median of 3 runs in a fresh "
                  f"process: {', '.join(f'{x:.2f}' for x in c['runs'])}) "
                  f"({c['compute'] / c['coordnet_coaction']:.0f}x faster than compute, "
                  f"{(c['preprocess'] + c['compute']) / c['coordnet_coaction']:.0f}x than preprocess + "
                  f"compute); identical directed pairs: "
                  f"{c['identical']} ({c['pairs'][0]:,} vs {c['pairs'][1]:,})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
