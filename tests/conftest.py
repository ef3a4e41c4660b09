"""Shared test settings.

Property-based tests explore new random examples on every local run (failures found that way
are turned into plain regression tests). Under CI (``CI`` set in the environment) they are
derandomized, so a submission's result does not depend on the luck of the draw.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def assert_same_outputs():
    """``check(a, b)``: two output folders hold the same files with the same bytes (the run
    times of ``summary.json`` aside); returns the files compared."""
    import json

    def check(a, b):
        files = sorted(p for p in a.rglob("*") if p.is_file())
        assert sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file()) == \
            [f.relative_to(a) for f in files]
        for f in files:
            other = b / f.relative_to(a)
            if f.name == "summary.json":
                x, y = (json.loads(p.read_text()) for p in (f, other))
                x.pop("runtime_s"), y.pop("runtime_s")
                assert x == y
            else:
                assert f.read_bytes() == other.read_bytes(), f.name
        return files

    return check
