"""How long ``coordnet.read_actions`` takes on the shapes real exports come in.

One simulated collection (:mod:`gen`, about ``--rows`` retweets) is written in several
shapes, each read in a fresh process (the best of ``--repeat`` runs), with the rows kept,
rejected and repeated:

* ``iso``: ISO 8601 times (the reference; what ``scale.py`` reads);
* ``unix``: unix seconds with milliseconds (``1709856159.679``);
* ``twitter``: Twitter's dates (``Fri Mar 08 00:02:39 +0000 2024``);
* ``repeats``: every tenth row written twice (overlapping collections joined);
* ``stray-quotes``: ten lines whose account opens a quote that is never closed, spread
  through the file (each is rejected; before, the first swallowed the rest of the file);
* ``jsonl`` and ``jsonl-bad``: JSON Lines, without and with one line that is not JSON.

``python benchmarks/read_shapes.py --rows 3e6 --workdir DIR`` prints a table; the files are
kept in ``DIR`` (made once, reused).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).parent))
import gen  # noqa: E402

READ = r"""
import json, sys, time
import coordnet
t = time.perf_counter()
r = coordnet.read_actions(sys.argv[1], max_rejected=1)
print(json.dumps({"s": time.perf_counter() - t, "kept": r.rows_kept, "rejected": r.rows_rejected,
                  "repeated": r.rows_duplicate}))
"""


def shapes(n: int, work: Path) -> dict[str, Path]:
    """Write (once) the collection in every shape; their paths."""
    work.mkdir(parents=True, exist_ok=True)
    files = {k: work / f"shape_{n}_{k}" for k in
             ("iso.csv", "unix.csv", "twitter.csv", "repeats.csv", "stray-quotes.csv",
              "jsonl.jsonl", "jsonl-bad.jsonl")}
    if all(p.exists() for p in files.values()):
        return {k.split(".")[0]: p for k, p in files.items()}
    tab, _ = gen.generate(n)
    opts = pacsv.WriteOptions(quoting_style="none")
    pacsv.write_csv(tab, files["iso.csv"], opts)
    ts = pc.cast(tab["timestamp"], pa.timestamp("ms", tz="UTC"))
    ms = pc.cast(ts, pa.int64()).to_numpy()
    unix = pa.array([f"{m // 1000}.{m % 1000:03d}" for m in ms.tolist()])
    pacsv.write_csv(tab.set_column(4, "timestamp", unix), files["unix.csv"], opts)
    tw = pc.strftime(ts.cast(pa.timestamp("s", tz="UTC"), safe=False),  # (whole seconds)
                     format="%a %b %d %H:%M:%S +0000 %Y")
    pacsv.write_csv(tab.set_column(4, "timestamp", tw), files["twitter.csv"], opts)
    rows = np.sort(np.r_[np.arange(tab.num_rows), np.arange(0, tab.num_rows, 10)])
    pacsv.write_csv(tab.take(pa.array(rows)), files["repeats.csv"], opts)
    lines = files["iso.csv"].read_text(encoding="utf-8").split("\n")
    for i in np.linspace(len(lines) // 20, len(lines) - 3, 10).astype(int):
        f = lines[i].split(",")
        f[1] = '"' + f[1]
        lines[i] = ",".join(f)
    files["stray-quotes.csv"].write_text("\n".join(lines), encoding="utf-8")
    recs = tab.to_pylist()
    with open(files["jsonl.jsonl"], "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in recs)
    text = files["jsonl.jsonl"].read_text(encoding="utf-8").split("\n")
    text[len(text) // 2] = "{not json"
    files["jsonl-bad.jsonl"].write_text("\n".join(text), encoding="utf-8")
    return {k.split(".")[0]: p for k, p in files.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=float, default=1e6)
    ap.add_argument("--workdir", type=Path, default=Path("bench_read"))
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args()
    files = shapes(int(a.rows), a.workdir)
    print(f"{'shape':<14} {'MB':>6} {'read (s)':>9} {'kept':>11} {'rejected':>9} {'repeated':>9}")
    for name, path in files.items():
        runs = []
        for _ in range(a.repeat):
            out = subprocess.run([sys.executable, "-c", READ, str(path)], capture_output=True,
                                 text=True, timeout=3600)
            if out.returncode:
                raise SystemExit(f"{name}: {out.stderr[-2000:]}")
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        best = min(runs, key=lambda r: r["s"])
        print(f"{name:<14} {path.stat().st_size / 1e6:>6.0f} {best['s']:>9.2f} {best['kept']:>11,} "
              f"{best['rejected']:>9,} {best['repeated']:>9,}")


if __name__ == "__main__":
    main()
