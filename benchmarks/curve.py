"""Draw docs/img/scaling.png from the figures measured by ``scale.py`` (2026-11-25 runs,
copied from its printed tables into docs/scaling.md; re-run scale.py and update both)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# coordnet.simulate data (benchmarks/gen.py), quiet machine
FULL = {948_453: (45.58, 0.84), 2_958_059: (136.83, 2.63), 10_101_348: (855.08, 12.68)}  # total, co-action (s)
FLOOR = {948_453: 0.19, 2_958_059: 0.23, 10_101_348: 2.91}  # pyarrow read (s)
OTHER = {948_453: 0.38 + 2.06 + 1.56, 2_958_059: 0.96 + 6.32 + 3.04,
         10_101_348: 3.85 + 29.84 + 7.66}  # read + graphs + outputs (s)
JOIN = {1e6: 0.7, 1e7: 16.8, 3e7: 20.1, 1e8: 111.6}  # --join-only, 8 GB limit, earlier sparse generator (s)

fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
x = sorted(FULL)
ax.loglog(x, [FULL[k][0] for k in x], "o-", label="coordnet analyze --no-figures (total)")
ax.loglog(x, [FULL[k][1] for k in x], "s-", label="co-action step (in the full run)")
ax.loglog(x, [OTHER[k] for k in x], "v-", label="read + graphs + outputs (in the full run)")
ax.loglog(x, [FLOOR[k] for k in x], "^--", label="pyarrow read of the CSV (floor)")
xj = sorted(JOIN)
ax.loglog(xj, [JOIN[k] for k in xj], "d:", label="DuckDB co-action join alone (8 GB limit, sparser data)")
ref = [x[0], 1e8]
ax.loglog(ref, [FULL[x[0]][0] * r / x[0] for r in ref], color="grey", lw=0.5,
          label="linear growth from 1M")
ax.set_xlabel("actions")
ax.set_ylabel("seconds (wall, 2 cores)")
ax.legend(fontsize=7, loc="upper left")
ax.grid(True, which="both", lw=0.3)
fig.tight_layout()
fig.savefig("docs/img/scaling.png")
