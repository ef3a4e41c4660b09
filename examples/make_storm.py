"""Write examples/storm.csv: a SYNTHETIC replay of the case that started coordnet.

No real account, no real post. A hashtag storm: 36 accounts retweet each other's 65 posts
within about a minute, ~2,000 retweets between 20:06 and 21:51 UTC, pushing the hashtag up
the trends, among about 1,350 organic participants over the day (like-minded communities, a
viral post, friend circles, hyperactive accounts, organic retweets of the storm's posts).
The planted accounts are listed in examples/storm_truth.csv (account, group, role).

Generated with :func:`coordnet.simulate`; deterministic: ``python examples/make_storm.py``
always writes the same bytes. Then::

    coordnet analyze examples/storm.csv -o out
"""

from pathlib import Path

import coordnet
from coordnet import GroupSpec, SimParams

PARAMS = SimParams(
    n_accounts=1500, n_posts=1200, n_actions=6000, hours=24.0,
    n_viral=1, viral_size=400, n_circles=8, n_hyperactive=5, hyperactive_actions=200,
    groups=(GroupSpec(size=36, n_posts=65, participation=0.9, jitter=45.0,
                      start_h=20.1, duration_h=1.75, pickup=8.0),),
    start="2024-03-08T00:00:00Z", seed=2024,
)

if __name__ == "__main__":
    out = Path(__file__).resolve().parent / "storm.csv"
    data, truth = coordnet.write_simulation(coordnet.simulate(PARAMS), out, force=True)
    print(f"wrote {data} and {truth}")
