"""Write coordnet/data/campaign.csv: a small SYNTHETIC campaign for doctests and tests.

No real accounts. 300 organic accounts (``org_*``) retweet ~1,500 times posts of
popular organic authors at human pace (lognormal delays, median 30 min), with
like-minded communities and one organic viral post; a squad of 8 accounts
(``squad_*``) retweets each other's 15 posts within seconds during two hours.
Deterministic: ``python examples/make_campaign.py`` always writes the same bytes.
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20240308)
T0 = pd.Timestamp("2024-03-08T00:00:00Z").value // 10**6  # ms
n_org, n_posts, n_rt = 300, 400, 1500
org = np.array([f"org_{i:03d}" for i in range(n_org)])
activity = rng.pareto(1.5, n_org) + 1
popularity = rng.pareto(1.2, n_org) + 1
community = rng.integers(0, 5, n_org)
authors = rng.choice(n_org, n_posts, p=popularity / popularity.sum())
post_time = T0 + rng.uniform(0, 86_400_000, n_posts)
src = rng.choice(n_org, n_rt, p=activity / activity.sum())
# like-minded communities: 80 % of retweets go to posts from the retweeter's community
same = rng.random(n_rt) < 0.8
post = rng.integers(0, n_posts, n_rt)
for c in range(5):
    pool = np.flatnonzero(community[authors] == c)
    pick = same & (community[src] == c)
    post[pick] = rng.choice(pool, pick.sum())
delay = rng.lognormal(np.log(1800), 1.2, n_rt) * 1000
rows = [pd.DataFrame({"source": org[src], "target": org[authors[post]],
                      "object_id": [f"p{p:04d}" for p in post], "timestamp": post_time[post] + delay})]
# one organic viral post: 120 accounts within the hour
v = rng.choice(n_org, 120, replace=False)
rows.append(pd.DataFrame({"source": org[v], "target": "org_000", "object_id": "viral",
                          "timestamp": T0 + 40_000_000 + rng.lognormal(np.log(600), 0.8, 120) * 1000}))
# the squad: 15 posts by squad members, each retweeted by the 7 others within seconds
squad = np.array([f"squad_{i}" for i in range(1, 9)])
start = T0 + 72_000_000
for b in range(15):
    author = squad[b % 8]
    t = start + rng.uniform(0, 7_200_000)
    others = squad[squad != author]
    rows.append(pd.DataFrame({"source": others, "target": author, "object_id": f"s{b:02d}",
                              "timestamp": t + rng.exponential(20, len(others)) * 1000}))
df = pd.concat(rows, ignore_index=True)
df = df[df["source"] != df["target"]]
df["timestamp"] = pd.to_datetime(df["timestamp"].round().astype("int64"), unit="ms", utc=True)
df = df.sort_values(["timestamp", "source"], kind="stable").reset_index(drop=True)
df.insert(0, "id", [f"a{i:05d}" for i in range(len(df))])
df["timestamp"] = df["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str[:-3] + "Z"
out = Path(__file__).resolve().parents[1] / "coordnet" / "data" / "campaign.csv"
df[["id", "source", "target", "object_id", "timestamp"]].to_csv(out, index=False, lineterminator="\n")
print(f"wrote {out} ({len(df)} rows)")
