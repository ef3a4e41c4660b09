"""Tables spilled to disk (coordnet/_memory.py): same results, file-backed, clean errors."""

from __future__ import annotations

import errno
import os

import numpy as np
import pandas as pd
import pytest

import coordnet
from coordnet import _memory
from coordnet.errors import OutputError


def _mapped_ranges() -> list[tuple[int, int]]:
    with open("/proc/self/maps") as fh:
        return [tuple(int(x, 16) for x in line.split()[0].split("-"))  # type: ignore[misc]
                for line in fh if "coordnet-spill" in line]


def _on_disk(a: np.ndarray) -> bool:
    p = np.asarray(a).__array_interface__["data"][0]
    return any(lo <= p < hi for lo, hi in _mapped_ranges())


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="needs Linux's /proc")
def test_spilled_coaction_is_identical_and_file_backed(monkeypatch, tmp_path):
    acts = coordnet.datasets.campaign_actions()
    monkeypatch.setenv("COORDNET_SPILL", "0")
    mem = coordnet.coaction(acts, 300)
    assert not any(_on_disk(mem.edges[c].to_numpy()) for c in ("n_objects", "min_gap_s"))
    monkeypatch.setenv("COORDNET_SPILL", "1")
    monkeypatch.setenv("COORDNET_TMPDIR", str(tmp_path))
    disk = coordnet.coaction(acts, 300)
    pd.testing.assert_frame_equal(mem.edges, disk.edges)
    pd.testing.assert_frame_equal(mem.evidence, disk.evidence)
    # the counts, gaps and times live in the mapped files (the codes too, at scale: pandas
    # narrows a few hundred accounts' codes to int16, a copy)
    for df, cols in ((disk.edges, ("n_objects", "n_action_pairs", "min_gap_s")),
                     (disk.evidence, ("gap_s", "n_action_pairs"))):
        for c in cols:
            assert _on_disk(df[c].to_numpy()), c
    assert _on_disk(np.asarray(disk.edges["first_time"].array.asi8))
    assert list(tmp_path.iterdir()) == []  # unlinked as soon as mapped


def test_spilled_analysis_is_identical(monkeypatch):
    acts = coordnet.datasets.campaign_actions()
    monkeypatch.setenv("COORDNET_SPILL", "0")
    a = coordnet.analyze(acts)
    monkeypatch.setenv("COORDNET_SPILL", "1")
    b = coordnet.analyze(acts)
    pd.testing.assert_frame_equal(a.clusters, b.clusters)
    pd.testing.assert_frame_equal(a.accounts, b.accounts)
    pd.testing.assert_frame_equal(a.evidence, b.evidence)
    assert len(a.flagged) == 1


def test_spill_policy(monkeypatch):
    monkeypatch.delenv("COORDNET_SPILL", raising=False)
    monkeypatch.setattr(_memory, "memory_bytes", lambda: 16 * 10**9)
    assert not _memory.spill_wanted(4 * 10**9) and _memory.spill_wanted(4 * 10**9 + 1)
    monkeypatch.setenv("COORDNET_SPILL", "1")
    assert _memory.spill_wanted(1)
    monkeypatch.setenv("COORDNET_SPILL", "0")
    assert not _memory.spill_wanted(10**15)


def test_spill_errors_name_the_folder_and_the_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("COORDNET_TMPDIR", str(tmp_path / "missing"))
    with pytest.raises(OutputError, match="missing") as e:
        _memory.spill_empty(10, np.int64, "the co-action network")
    assert "COORDNET_TMPDIR" in str(e.value) and "the co-action network" in str(e.value)
    monkeypatch.setenv("COORDNET_TMPDIR", str(tmp_path))

    def full(fd, off, size):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "posix_fallocate", full)
    with pytest.raises(OutputError, match=r"not enough disk space .* \(8\.0 GB needed") as e:
        _memory.spill_empty(10**9, np.int64, "the index of the actions")
    assert "COORDNET_TMPDIR" in str(e.value)
    assert list(tmp_path.iterdir()) == []


def test_spill_without_posix_fallocate(monkeypatch, tmp_path):
    # macOS and Windows have no posix_fallocate: the file is sized (sparse) instead
    monkeypatch.setenv("COORDNET_TMPDIR", str(tmp_path))
    monkeypatch.delattr(os, "posix_fallocate", raising=False)
    a = _memory.spill_empty(1000, np.float64)
    a[:] = np.arange(1000)
    assert a.sum() == 499500.0 and a.flags.writeable
    assert list(tmp_path.iterdir()) == []  # nothing left behind


def test_cgroup_limits(tmp_path):
    """The memory limit of a container or a Slurm job: cgroup v2 and v1 files."""
    proc = tmp_path / "cgroup"
    (tmp_path / "job").mkdir()
    proc.write_text("0::/job\n")
    assert _memory._cgroup_limit(str(proc), str(tmp_path)) is None  # no file: no limit
    (tmp_path / "job" / "memory.max").write_text("max\n")
    assert _memory._cgroup_limit(str(proc), str(tmp_path)) is None
    (tmp_path / "job" / "memory.max").write_text("17179869184\n")
    assert _memory._cgroup_limit(str(proc), str(tmp_path)) == 16 * 2**30
    (tmp_path / "memory" / "slurm" / "job_7").mkdir(parents=True)
    proc.write_text("4:memory:/slurm/job_7\n1:cpu:/\n")
    (tmp_path / "memory" / "slurm" / "job_7" / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    assert _memory._cgroup_limit(str(proc), str(tmp_path)) is None  # v1's "no limit"
    (tmp_path / "memory" / "slurm" / "job_7" / "memory.limit_in_bytes").write_text("8000000000\n")
    assert _memory._cgroup_limit(str(proc), str(tmp_path)) == 8 * 10**9
    assert _memory._cgroup_limit(str(tmp_path / "nope"), str(tmp_path)) is None


def test_out_of_core_analysis_writes_the_same_files(monkeypatch, tmp_path, assert_same_outputs):
    """The whole pipeline with the input read in parts and every table spilled to disk
    writes the same bytes as in memory (the run times aside)."""
    path = coordnet.datasets.campaign_path()
    monkeypatch.setenv("COORDNET_SPILL", "0")
    coordnet.run_analyze(path, tmp_path / "mem", figures=False)
    monkeypatch.setenv("COORDNET_SPILL", "1")
    monkeypatch.setattr(coordnet.io, "_STREAM_BYTES", 0)
    monkeypatch.setattr(coordnet.io, "_PART_ROWS", 100)
    coordnet.run_analyze(path, tmp_path / "disk", figures=False)
    assert len(assert_same_outputs(tmp_path / "mem", tmp_path / "disk")) > 10


def test_analyses_larger_than_the_memory_spill(monkeypatch):
    monkeypatch.delenv("COORDNET_SPILL", raising=False)
    monkeypatch.setattr(_memory, "memory_bytes", lambda: 16 * 10**9)
    assert not _memory.analysis_spills(40_000_000) and _memory.analysis_spills(40_000_001)
    with _memory.spilling():
        assert _memory.analysis_spills(1)
        assert _memory.spill_wanted(2**26) and not _memory.spill_wanted(2**26 - 1)
    assert not _memory.spill_wanted(2**26)
