"""Draw docs/img/scaling.png from the figures measured by ``scale.py`` (2026-11-25 run,
copied from its printed tables into docs/scaling.md; re-run scale.py and update both)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

FULL = {1e6: (18.82, 0.50), 3e6: (60.16, 1.61), 1e7: (227.60, 7.83)}  # total, co-action (s)
FLOOR = {1e6: 0.14, 3e6: 0.68, 1e7: 2.80}  # pyarrow read (s)
JOIN = {1e6: 0.7, 1e7: 16.8, 3e7: 20.1, 1e8: 111.6}  # --join-only, 8 GB limit (s)

fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
x = sorted(FULL)
ax.loglog(x, [FULL[k][0] for k in x], "o-", label="coordnet analyze --no-figures (total)")
ax.loglog(x, [FULL[k][1] for k in x], "s-", label="co-action step (in the full run)")
ax.loglog(x, [FLOOR[k] for k in x], "^--", label="pyarrow read of the CSV (floor)")
xj = sorted(JOIN)
ax.loglog(xj, [JOIN[k] for k in xj], "d:", label="DuckDB co-action join alone (8 GB limit)")
ref = [x[0], 1e8]
ax.loglog(ref, [FULL[x[0]][0] * r / x[0] for r in ref], color="grey", lw=0.5,
          label="linear growth from 1M")
ax.set_xlabel("actions")
ax.set_ylabel("seconds (wall, 2 cores)")
ax.legend(fontsize=7)
ax.grid(True, which="both", lw=0.3)
fig.tight_layout()
fig.savefig("docs/img/scaling.png")
