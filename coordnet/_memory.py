"""Memory behaviour of the heavy stages.

numpy asks Linux for transparent huge pages (``madvise(MADV_HUGEPAGE)``) on every large
array. Where the kernel compacts memory to satisfy such a fault (Linux's default
``/sys/kernel/mm/transparent_hugepage/defrag = madvise``) and memory is fragmented, the
first touch of a new array stalls: on the 2-core benchmark machine, writing a new 1 GiB
array took 1.7-2.2 s with the hint and 0.4 s without. coordnet's stages allocate and fill
gigabytes of fresh arrays at scale, so they run with the hint off (numpy's setting is
restored afterwards). ``COORDNET_HUGEPAGES=1`` keeps numpy's default.

Arrow's allocator (mimalloc or jemalloc) keeps the memory of freed buffers for reuse and
gives it back to the system only when asked: after reading 10M actions, about 700 MB more
resident memory than the tables alive. Each heavy stage asks it on the way out.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from typing import Any, Callable, Iterator, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@contextlib.contextmanager
def no_hugepage_hints() -> Iterator[None]:
    """numpy without its huge-page hint on new arrays, for the duration of the block."""
    if os.environ.get("COORDNET_HUGEPAGES", "").strip() == "1":
        yield
        return
    try:
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:  # pragma: no cover - other numpy builds
        yield
        return
    previous = _set_madvise_hugepage(False)
    try:
        yield
    finally:
        _set_madvise_hugepage(previous)


def release_memory() -> None:
    """Give back to the system the memory Arrow's allocator keeps from freed buffers (only
    when pyarrow is already in use), and the free memory at the top of glibc's heaps."""
    pa = sys.modules.get("pyarrow")
    if pa is not None:
        try:
            pa.default_memory_pool().release_unused()
        except Exception:  # pragma: no cover - best effort
            pass
    _malloc_trim()


def _malloc_trim() -> None:
    global _TRIM
    if _TRIM is None:
        _TRIM = False
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                _TRIM = ctypes.CDLL("libc.so.6").malloc_trim
            except (OSError, AttributeError):  # pragma: no cover - not glibc (musl …)
                pass
    if _TRIM:
        _TRIM(0)


_TRIM: Any = None


def heavy(fn: F) -> F:
    """Run ``fn`` inside :func:`no_hugepage_hints`; then :func:`release_memory`."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with no_hugepage_hints():
                return fn(*args, **kwargs)
        finally:
            release_memory()
    return wrapper  # type: ignore[return-value]
