"""coordnet.simulate: deterministic, knobs do what they say; the seed-case example flags exactly
the planted group."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import coordnet
from coordnet import GroupSpec, SimParams
from coordnet.cli import cli
from coordnet.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
SMALL = dict(n_accounts=400, n_posts=300, n_actions=2000, n_viral=1, viral_size=150, n_circles=2,
             n_hyperactive=2, hyperactive_actions=100)


def _members(sim, role="member"):
    return set(sim.truth.loc[sim.truth["role"] == role, "account"])


def test_deterministic_and_seed_matters():
    a = coordnet.simulate(**SMALL, seed=3).actions
    b = coordnet.simulate(**SMALL, seed=3).actions
    c = coordnet.simulate(**SMALL, seed=4).actions
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_own_group_volume_participation_and_timing():
    # 10 members, 20 own posts, participation 1: each post is retweeted by the 9 other members
    g = GroupSpec(size=10, n_posts=20, participation=1.0, jitter=5.0, pickup=0.0)
    sim = coordnet.simulate(**SMALL, groups=(g,), seed=1)
    mem = _members(sim)
    assert len(mem) == 10 and set(sim.truth["role"]) == {"member"}
    a = sim.actions
    coord = a[a["source"].isin(mem) & a["target"].isin(mem)]
    assert len(coord) == 20 * 9
    assert coord["object_id"].nunique() == 20
    # every coordinated retweet comes 1 s + Exp(5 s) after its burst: spread within an object small
    spread = coord.groupby("object_id")["timestamp"].agg(lambda t: (t.max() - t.min()).total_seconds())
    assert spread.max() < 120
    # the campaign lies inside its window (start 18 h, 2 h long)
    h = (coord["timestamp"] - pd.Timestamp("2024-03-08", tz="UTC")).dt.total_seconds() / 3600
    assert h.min() >= 18 and h.max() < 20.1


def test_outside_targets_rotation_camouflage():
    g = GroupSpec(size=12, n_posts=30, participation=1.0, targets="outside", n_outside=2,
                  rotation=3, camouflage=2.0, pickup=0.0)
    sim = coordnet.simulate(**SMALL, groups=(g,), seed=2)
    mem, tg = _members(sim), _members(sim, "target")
    assert len(mem) == 12 and len(tg) == 2
    a = sim.actions
    coord = a[a["source"].isin(mem) & a["target"].isin(tg)]
    # rotation 3: each burst is done by one shift of 4 members
    assert coord.groupby("object_id")["source"].nunique().eq(4).all()
    assert len(coord) == 30 * 4
    # camouflage 2x: twice the coordinated volume elsewhere (less repeats of the same popular post)
    cam = a[a["source"].isin(mem) & ~a["target"].isin(tg)]
    assert 0.8 * 240 <= len(cam) <= 240


def test_null_has_no_truth_and_bad_knobs_are_errors():
    sim = coordnet.simulate(**SMALL, groups=(), seed=0)
    assert sim.truth.empty and len(sim.actions) > 1000
    with pytest.raises(ConfigError, match="participation"):
        GroupSpec(participation=0)
    with pytest.raises(ConfigError, match="targets"):
        GroupSpec(targets="nobody")
    with pytest.raises(ConfigError, match="unknown simulation parameter"):
        coordnet.simulate(accounts=10)


def test_cli_simulate_writes_data_and_truth(tmp_path):
    out = tmp_path / "sim.csv"
    r = CliRunner().invoke(cli, ["simulate", "-o", str(out), "--accounts", "300", "--actions", "1000",
                                 "--group-size", "6", "--group-posts", "8", "--seed", "5"])
    assert r.exit_code == 0, r.output
    truth = pd.read_csv(tmp_path / "sim_truth.csv")
    assert list(truth.columns) == ["account", "group", "role"] and len(truth) == 6
    read = coordnet.read_actions(out)
    assert read.rows_rejected == 0 and set(truth["account"]) <= set(read.actions["source"])
    again = CliRunner().invoke(cli, ["simulate", "-o", str(out)])
    assert again.exit_code == 1 and "Fix:" in again.output


def test_storm_example_is_current_and_flags_exactly_the_planted_group(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_storm", ROOT / "examples" / "make_storm.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    sim = coordnet.simulate(mod.PARAMS)
    data, truth_file = coordnet.write_simulation(sim, tmp_path / "storm.csv")
    assert data.read_bytes() == (ROOT / "examples" / "storm.csv").read_bytes()
    assert truth_file.read_bytes() == (ROOT / "examples" / "storm_truth.csv").read_bytes()
    read = coordnet.read_actions(ROOT / "examples" / "storm.csv")
    assert read.rows_rejected == 0 and read.rows_kept == len(sim.actions)
    truth = pd.read_csv(ROOT / "examples" / "storm_truth.csv")
    assert set(truth["account"]) == set(sim.truth["account"])
    res = coordnet.analyze(read.actions)
    acc = res.accounts
    assert set(acc.loc[acc["flagged"], "account"]) == set(truth["account"])
    assert len(res.flagged) == 1 and res.flagged["tier"].iloc[0] == "strong"
    # the headline numbers: ~2,000 retweets in under two hours
    row = res.flagged.iloc[0]
    assert 1800 <= row["actions"] <= 2200
    assert (row["last_time"] - row["first_time"]).total_seconds() < 2 * 3600
