"""Draw docs/img/scaling.png from the figures ``scale.py --save`` wrote.

``python benchmarks/curve.py benchmarks/results/*.json`` (default: every JSON file in
``benchmarks/results/``, not its ``reruns/`` folder): total wall time of ``coordnet analyze --no-figures``, its
stages, and the pyarrow read of the same CSV (the floor), against the number of
actions, on log-log axes. Where a size was measured more than once, the last file wins.
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = Path(__file__).resolve().parent


def load(paths: list[Path]) -> dict[int, dict]:
    runs: dict[int, dict] = {}
    for p in paths:
        for r in json.loads(p.read_text())["runs"]:
            runs[r["actions"]] = r
    return dict(sorted(runs.items()))


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((HERE / "results").glob("*.json"))
    runs = load(paths)
    x = list(runs)
    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    ax.loglog(x, [runs[k]["total_s"] for k in x], "o-", lw=2, label="coordnet analyze --no-figures (total)")
    for stage, mark in (("detection", "s-"), ("co-action", "v-"), ("graphs", "<-"), ("read", ">-"),
                        ("outputs", "x-")):
        ax.loglog(x, [max(runs[k]["stages_s"][stage], 1e-2) for k in x], mark, lw=0.8, ms=4,
                  label=f"  {stage}")
    ax.loglog(x, [runs[k]["pyarrow_read_s"] for k in x], "^--", label="pyarrow read of the CSV (floor)")
    ax.loglog(x, [8 * runs[k]["pyarrow_read_s"] for k in x], ":", color="grey", label="8 x the floor")
    ref = [x[0], x[-1]]
    ax.loglog(ref, [runs[x[0]]["total_s"] * r / x[0] for r in ref], color="grey", lw=0.5,
              label="linear growth from the smallest")
    ax.set_xlabel("actions")
    ax.set_ylabel("seconds (wall, 2 cores)")
    ax.legend(fontsize=6.5, loc="upper left")
    ax.grid(True, which="both", lw=0.3)
    fig.tight_layout()
    fig.savefig(HERE.parent / "docs" / "img" / "scaling.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
