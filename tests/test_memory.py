"""The process-wide settings of the heavy stages (coordnet/_memory.py): numpy's huge-page
hint off and, on Linux with glibc, Arrow's buffers from the system allocator; always
restored, whatever the nesting or the threads."""

from __future__ import annotations

import threading

import pyarrow as pa
import pytest

from coordnet import _memory

_hint = pytest.importorskip("numpy._core.multiarray")._set_madvise_hugepage
GLIBC = _memory._glibc()


def _state() -> tuple[bool, str]:
    """numpy's hint (read by setting it back) and the name of Arrow's default pool."""
    previous = _hint(True)
    _hint(previous)
    return bool(previous), pa.default_memory_pool().backend_name


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    monkeypatch.delenv("COORDNET_HUGEPAGES", raising=False)
    before = _state()
    yield
    assert _memory._DEPTH == 0 and _memory._SAVED is None
    assert _state() == before


def test_heavy_stage_settings_are_set_then_restored():
    outside_hint, outside_pool = _state()
    with _memory.no_hugepage_hints():
        hint, pool = _state()
        assert hint is False
        assert pool == ("system" if GLIBC else outside_pool)
        # a buffer made here comes from that pool and is freed to it after the block
        # (not zero-copy from numpy: an Arrow allocation)
        before = pa.system_memory_pool().bytes_allocated()
        arr = pa.array(range(100_000), type=pa.int64())
        allocated = pa.system_memory_pool().bytes_allocated()
    assert _state() == (outside_hint, outside_pool)
    if GLIBC:
        assert allocated - before >= 800_000
        del arr
        assert pa.system_memory_pool().bytes_allocated() <= allocated - 800_000


def test_nested_blocks_restore_only_at_the_outermost_end():
    outside = _state()
    with _memory.no_hugepage_hints():
        inside = _state()
        with _memory.no_hugepage_hints():
            assert _state() == inside
        assert _state() == inside  # the inner block did not restore early
        assert _memory._DEPTH == 1
    assert _state() == outside


def test_blocks_in_threads_overlapping_restore_once_all_end():
    outside = _state()
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, tuple[bool, str]] = {}

    def first():
        with _memory.no_hugepage_hints():
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def second():
        a_in.wait(5)
        with _memory.no_hugepage_hints():
            b_in.set()
            a_out.wait(5)  # the first thread's block ended while this one runs
            seen["after_first_ended"] = _state()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen["after_first_ended"][0] is False
    assert seen["after_first_ended"][1] == ("system" if GLIBC else outside[1])
    assert _state() == outside


def test_an_error_inside_restores():
    outside = _state()
    with pytest.raises(RuntimeError):
        with _memory.no_hugepage_hints():
            raise RuntimeError("boom")
    assert _state() == outside


def test_the_user_choice_of_arrow_pool_is_kept(monkeypatch):
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "mimalloc")
    outside_pool = pa.default_memory_pool().backend_name
    with _memory.no_hugepage_hints():
        assert pa.default_memory_pool().backend_name == outside_pool


def test_coordnet_hugepages_keeps_numpy_default(monkeypatch):
    monkeypatch.setenv("COORDNET_HUGEPAGES", "1")
    outside_hint, _ = _state()
    with _memory.no_hugepage_hints():
        assert _state()[0] == outside_hint


def test_heavy_decorator_runs_inside_the_block_and_returns():
    @_memory.heavy
    def stage(x):
        return x * 2, _state()

    outside = _state()
    value, inside = stage(21)
    assert value == 42 and inside[0] is False
    assert inside[1] == ("system" if GLIBC else outside[1])
    assert _state() == outside
