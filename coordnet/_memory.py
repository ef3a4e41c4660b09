"""Memory behaviour of the heavy stages.

numpy asks Linux for transparent huge pages (``madvise(MADV_HUGEPAGE)``) on every large
array. Where the kernel compacts memory to satisfy such a fault (Linux's default
``/sys/kernel/mm/transparent_hugepage/defrag = madvise``) and memory is fragmented, the
first touch of a new array stalls: on the 2-core benchmark machine, writing a new 1 GiB
array took 1.7-2.2 s with the hint and 0.4 s without. coordnet's stages allocate and fill
gigabytes of fresh arrays at scale, so they run with the hint off (numpy's setting is
restored afterwards). ``COORDNET_HUGEPAGES=1`` keeps numpy's default.

On Linux with glibc, Arrow's buffers in the heavy stages come from the system allocator
(glibc's ``malloc``, the one numpy uses) rather than from Arrow's own (mimalloc), so that
one allocator manages the memory the stages free and take again. Measured on the 2-core
benchmark machine (a virtual machine whose memory is backed lazily by its host, so that
memory new to a process is slow to touch): the 10M analysis took 29.0-32.2 s (median 30.8)
against 31.5-33.5 s (median 32.7) run alternately, with a quarter to a third less system
time and lower peaks, although with more page faults (``docs/scaling.md``, *The
allocator*). Arrow's default pool is restored when the outermost heavy stage ends (buffers
are freed to the pool they came from); an ``ARROW_DEFAULT_MEMORY_POOL`` set in the
environment is the user's choice and is kept.

Arrow's allocator (mimalloc or jemalloc) keeps the memory of freed buffers for reuse and
gives it back to the system only when asked (outside the heavy stages, or off Linux):
after reading 10M actions, about 700 MB more resident memory than the tables alive. Each
heavy stage asks it on the way out.

Tables too large to keep in memory beside the rest of an analysis (the co-action network
and its evidence of 100 million actions: about 15 GB) are *spilled*: their columns are
arrays mapped on files in a temporary folder (:func:`spill_empty`), written once (by the
compiled sweeps, or copied: :func:`spill_frame`) and paged in and out by the operating
system as they are read, so that only the pages in use take memory. An analysis whose
actions would need more than the memory (:func:`analysis_spills`) runs inside
:func:`spilling`, where every large table that can be spilled is. The files are unlinked as soon as they are created
(they vanish with the arrays, even if the process is killed) and their disk space is
reserved up front where the system can (Linux: a full disk is an error naming the folder,
never a crash halfway; on macOS and Windows the files are sparse).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import mmap
import os
import sys
import tempfile
import threading
from typing import Any, Callable, Iterator, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@contextlib.contextmanager
def no_hugepage_hints() -> Iterator[None]:
    """numpy without its huge-page hint on new arrays, and (Linux, glibc) Arrow's buffers
    from the system allocator, for the duration of the block (see the module's text).

    The settings are process-wide: the outermost block (of any thread) sets them and the
    last one to end restores what was there before, so that blocks nested or run in
    parallel never leave them changed.
    """
    global _DEPTH, _SAVED
    with _LOCK:
        if _DEPTH == 0:
            _SAVED = _set_heavy()
        _DEPTH += 1
    try:
        yield
    finally:
        with _LOCK:
            _DEPTH -= 1
            if _DEPTH == 0:
                _restore(_SAVED)
                _SAVED = None


_LOCK = threading.Lock()
_DEPTH = 0  # heavy blocks running (all threads)
_SAVED: Any = None  # what the outermost one replaced: (numpy's hint, Arrow's pool)


def _set_heavy() -> tuple[Any, Any]:
    hint = pool = None
    if os.environ.get("COORDNET_HUGEPAGES", "").strip() != "1":
        try:
            from numpy._core.multiarray import _set_madvise_hugepage
        except ImportError:  # pragma: no cover - other numpy builds
            pass
        else:
            hint = _set_madvise_hugepage(False)
    if _system_pool_wanted():
        try:
            import pyarrow as pa

            pool = pa.default_memory_pool()
            pa.set_memory_pool(pa.system_memory_pool())
        except Exception:  # pragma: no cover - no pyarrow, or a build without the call
            pool = None
    return hint, pool


def _restore(saved: tuple[Any, Any] | None) -> None:
    if saved is None:  # pragma: no cover - defensive
        return
    hint, pool = saved
    if hint is not None:
        from numpy._core.multiarray import _set_madvise_hugepage

        _set_madvise_hugepage(hint)
    if pool is not None:
        import pyarrow as pa

        pa.set_memory_pool(pool)


def _system_pool_wanted() -> bool:
    """Arrow on the system allocator in the heavy stages: on Linux with glibc (measured
    there), unless ``ARROW_DEFAULT_MEMORY_POOL`` chooses a pool."""
    return not os.environ.get("ARROW_DEFAULT_MEMORY_POOL", "").strip() and _glibc()


@functools.lru_cache(maxsize=None)
def _glibc() -> bool:
    import platform

    return sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


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


def memory_bytes() -> int:
    """The memory this process may use, in bytes: the machine's physical memory, or the
    limit of its control group when lower (a container, a Slurm job); 16 GiB when neither
    can be read."""
    try:
        total = int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        total = 16 * 2**30
    limit = _cgroup_limit()
    return min(total, limit) if limit else total


def _cgroup_limit(proc: str = "/proc/self/cgroup", root: str = "/sys/fs/cgroup") -> int | None:
    """The memory limit of this process's control group (v2 ``memory.max`` or v1
    ``memory.limit_in_bytes``), or ``None`` (no limit, or none readable)."""
    try:
        with open(proc) as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    found = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        if parts[0] == "0" and parts[1] == "":
            found.append(f"{root}{parts[2].rstrip('/')}/memory.max")
        elif "memory" in parts[1].split(","):
            found.append(f"{root}/memory{parts[2].rstrip('/')}/memory.limit_in_bytes")
    limits = []
    for f in found:
        try:
            with open(f) as fh:
                v = fh.read().strip()
        except OSError:
            continue
        if v.isdigit() and 0 < int(v) < 2**60:  # "max" or a huge number: no limit
            limits.append(int(v))
    return min(limits) if limits else None


def spill_dir() -> str:
    """Where spilled tables (and DuckDB's temporary files) go: ``COORDNET_TMPDIR`` if set,
    else the system's temporary folder (``TMPDIR``)."""
    return os.environ.get("COORDNET_TMPDIR", "").strip() or tempfile.gettempdir()


#: Share of :func:`memory_bytes` above which a table is spilled (:func:`spill_wanted`).
SPILL_SHARE = 0.25


#: Resident bytes per action an analysis needs at its peak when nothing is spilled
#: (measured: 370-390 on the 10M and 30M benchmarks, docs/scaling.md). An analysis whose
#: actions need more than the memory runs with :func:`spilling` on.
BYTES_PER_ACTION = 400

_SPILLING: contextvars.ContextVar[bool] = contextvars.ContextVar("coordnet_spilling", default=False)


@contextlib.contextmanager
def spilling(on: bool = True) -> Iterator[None]:
    """Within the block, every table that can be spilled and holds at least 64 MiB is (an
    analysis too large for the memory); the block ends, the setting is restored."""
    token = _SPILLING.set(bool(on))
    try:
        yield
    finally:
        _SPILLING.reset(token)


def analysis_spills(n_actions: int) -> bool:
    """Whether an analysis of ``n_actions`` actions should run with :func:`spilling` on
    (already on, or the actions need more than the memory)."""
    return _SPILLING.get() or n_actions * BYTES_PER_ACTION > memory_bytes()


def spill_wanted(nbytes: int) -> bool:
    """Whether a table of ``nbytes`` should live on disk: inside :func:`spilling` when it
    holds 64 MiB or more, else when it exceeds :data:`SPILL_SHARE` of
    :func:`memory_bytes`. ``COORDNET_SPILL=1`` spills every table that can be,
    ``COORDNET_SPILL=0`` none."""
    force = os.environ.get("COORDNET_SPILL", "").strip()
    if force in ("0", "1"):
        return force == "1"
    if _SPILLING.get():
        return nbytes >= 2**26
    return nbytes > SPILL_SHARE * memory_bytes()


def allocator(nbytes: int, what: str) -> Callable[[int, Any], Any]:
    """How to allocate the arrays of a table of ``nbytes`` in all: :func:`spill_empty`
    (named ``what`` in errors) when :func:`spill_wanted` says so, else ``numpy.empty``.

    Examples
    --------
    >>> import numpy as np
    >>> allocator(100, "a table") is np.empty
    True
    """
    import numpy as np

    if not spill_wanted(nbytes):
        return np.empty
    import logging

    logging.getLogger("coordnet").info("%s (%.1f GB) spilled to disk", what, nbytes / 1e9)
    return lambda n, dtype: spill_empty(n, dtype, what)


def spill_frame(df: Any, what: str = "a table") -> Any:
    """``df`` with its columns (numbers, times, categorical codes, Arrow text) copied to
    :func:`spill_empty` arrays when :func:`spill_wanted` says so of its size; ``df`` itself
    otherwise. Values, dtypes and index are unchanged.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"x": [1, 2], "s": ["a", None]})
    >>> spill_frame(df) is df  # small: kept in memory
    True
    """
    import pandas as pd

    if not spill_wanted(int(df.memory_usage(index=False, deep=False).sum())):
        return df
    return pd.DataFrame({c: _spill_column(df[c], what) for c in df.columns}, index=df.index,
                        copy=False)


def _spill_column(s: Any, what: str) -> Any:
    """One column of :func:`spill_frame` (the column itself when it cannot be spilled)."""
    import numpy as np
    import pandas as pd

    def moved(a: Any) -> Any:
        out = spill_empty(len(a), a.dtype, what)
        out[:] = a
        return out

    arr = s.array
    if isinstance(arr, pd.Categorical):
        return pd.Categorical.from_codes(moved(arr.codes), dtype=s.dtype, validate=False)
    if isinstance(arr, pd.arrays.DatetimeArray):
        return pd.arrays.DatetimeArray._simple_new(moved(arr._ndarray), dtype=s.dtype)
    if hasattr(arr, "_pa_array"):  # Arrow-backed (text): its buffers copied
        import pyarrow as pa

        c = arr._pa_array.combine_chunks()
        bufs = [None if b is None else pa.py_buffer(moved(np.frombuffer(b, np.uint8)))
                for b in c.buffers()]
        return pd.array(pa.Array.from_buffers(c.type, len(c), bufs, c.null_count, c.offset),
                        dtype=s.dtype)
    if isinstance(arr, pd.arrays.NumpyExtensionArray) and s.dtype.kind in "biuf":
        return moved(arr.to_numpy())
    return s


def spill_empty(n: int, dtype: Any, what: str = "a table") -> Any:
    """An uninitialised writable array of ``n`` items mapped on an unlinked file of
    :func:`spill_dir`, its disk space reserved.

    Raises
    ------
    coordnet.errors.OutputError
        The folder cannot hold it (no space, not writable).

    Examples
    --------
    >>> import numpy as np
    >>> a = spill_empty(3, np.int32)
    >>> a[:] = [1, 2, 3]; int(a.sum())
    6
    """
    import numpy as np

    from .errors import OutputError

    dt = np.dtype(dtype)
    size = max(int(n) * dt.itemsize, 1)
    folder = spill_dir()
    try:
        # unlinked at once on POSIX (its name stays visible in /proc/PID/maps, lsof:
        # "coordnet-spill-… (deleted)"), deleted with its last handle on Windows; the mapping
        # keeps its own handle, so the file lives exactly as long as the array
        if os.name == "nt":  # pragma: no cover - Windows cannot unlink an open file
            fh = tempfile.TemporaryFile(prefix="coordnet-spill-", suffix=".bin", dir=folder)
        else:
            fd, path = tempfile.mkstemp(prefix="coordnet-spill-", suffix=".bin", dir=folder)
            fh = os.fdopen(fd, "r+b")
            try:
                os.unlink(path)
            except OSError:
                fh.close()
                raise
    except OSError as e:
        raise OutputError(f"cannot write the temporary files of {what} in {folder} ({e.strerror}).",
                            hint="set COORDNET_TMPDIR to a writable folder with free space") from None
    with fh:
        try:
            if hasattr(os, "posix_fallocate"):  # the space reserved (Linux, BSD)
                os.posix_fallocate(fh.fileno(), 0, size)
            else:  # macOS, Windows: a sparse file, its space taken as it is written
                os.ftruncate(fh.fileno(), size)
        except OSError as e:
            raise OutputError(
                f"not enough disk space in {folder} for {what} ({size / 1e9:.1f} GB needed: {e.strerror}).",
                hint="free disk space there, or set COORDNET_TMPDIR to a folder with more") from None
        buf = mmap.mmap(fh.fileno(), size, access=mmap.ACCESS_WRITE)
    return np.frombuffer(buf, dtype=dt, count=int(n))
