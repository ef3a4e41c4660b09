"""Seeded Leiden–CPM runs of one graph, in worker processes when the graph is large.

igraph's Leiden holds the GIL (its random numbers come from a Python generator), so
threads would run one at a time; each run is instead given to a forked worker process
(the graph is inherited, not copied), which sends back the membership and the CPM quality.
Each run is seeded on its own (``random.Random(seed)``), so a run gives the same partition
in a worker as in this process, and the results do not depend on the number of workers.
A run that a worker could not deliver (the worker died) is done here when asked for.
"""

from __future__ import annotations

import os
import pickle
import random
import signal
import sys
import threading
import warnings
from typing import Any

import numpy as np

#: Least edges of a graph whose runs are given to worker processes (a fork costs a few ms).
PARALLEL_EDGES = 20_000


def run_leiden(g: Any, resolution: float, seed: int) -> tuple[np.ndarray, float]:
    """One Leiden–CPM run to convergence: ``(membership, quality)``.

    igraph's own Leiden (C core; CPM with unit node weights, the same objective as
    leidenalg's CPMVertexPartition), run until a pass no longer improves the partition. Its
    random numbers come from a generator seeded here and restored afterwards, so a run does
    not depend on, nor disturb, the caller's ``random`` state.

    >>> import igraph as ig
    >>> memb, q = run_leiden(ig.Graph.Famous("Zachary"), 0.5, 1)
    >>> len(memb), q > 0
    (34, True)
    """
    import igraph as ig

    ig.set_random_number_generator(random.Random(seed))
    try:
        p = g.community_leiden(objective_function="CPM", resolution=resolution, n_iterations=-1)
    finally:
        ig.set_random_number_generator(random)
    return np.asarray(p.membership, dtype=np.int64), float(p.quality)


def _workers(g: Any, n_runs: int) -> int:
    """Worker processes for ``n_runs`` runs on ``g``: none (0) for a small graph, one
    thread or not Linux (no safe ``fork``); else ``COORDNET_THREADS`` or the cores, at most one per run."""
    # fork only on Linux (macOS system libraries are not fork-safe with threads)
    if g.ecount() < PARALLEL_EDGES or not sys.platform.startswith("linux") or n_runs < 2:
        return 0
    from ._kernels import _threads

    w = min(_threads(), n_runs)
    return w if w > 1 else 0


class LeidenRuns:
    """The runs ``(resolution, seed)`` of ``runs`` on the graph ``g``, started at once.

    With workers, run ``i`` goes to worker ``i mod workers`` (each does its runs in order);
    :meth:`result` waits for a run's result. Without, :meth:`result` does the run. Use as a
    context manager, or call :meth:`close`: workers still running are stopped.

    >>> import igraph as ig
    >>> g = ig.Graph.Famous("Zachary")
    >>> with LeidenRuns(g, [(0.5, 1), (0.5, 2)], workers=2) as par:
    ...     got = [par.result(i) for i in range(2)]
    >>> all(np.array_equal(m, run_leiden(g, *r)[0]) for (m, q), r in zip(got, [(0.5, 1), (0.5, 2)]))
    True
    """

    def __init__(self, g: Any, runs: list[tuple[float, int]], workers: int | None = None) -> None:
        self.g, self.runs = g, list(runs)
        self._results: dict[int, tuple[np.ndarray, float]] = {}
        self._cv = threading.Condition()
        self._pids: list[int] = []
        self._finished: set[int] = set()  # workers that delivered all they will
        self._threads: list[threading.Thread] = []
        self._n = 0  # workers asked for (run i goes to worker i mod _n)
        n = _workers(g, len(self.runs)) if workers is None else min(workers, len(self.runs))
        if n > 1 and hasattr(os, "fork"):
            self._start(n)

    def _start(self, n: int) -> None:
        fds = []
        try:
            self._n = n
            for w in range(n):  # every fork before any reader thread starts
                r, wr = os.pipe()
                try:
                    with warnings.catch_warnings():  # (3.12+: a warning when other threads
                        # run; the worker only runs igraph on the inherited graph)
                        warnings.simplefilter("ignore", DeprecationWarning)
                        pid = os.fork()
                except OSError:  # pragma: no cover - no process left: its runs are done here
                    os.close(r)
                    os.close(wr)
                    break
                if pid == 0:  # pragma: no cover - the worker (coverage does not follow forks)
                    self._work(w, n, r, wr)
                os.close(wr)
                self._pids.append(pid)
                fds.append(r)
        finally:
            for w, r in enumerate(fds):
                t = threading.Thread(target=self._read, args=(w, r), daemon=True)
                t.start()
                self._threads.append(t)

    def _work(self, w: int, n: int, r: int, wr: int) -> None:  # pragma: no cover - in the worker
        code = 1
        try:
            os.close(r)
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            with os.fdopen(wr, "wb") as out:
                for i in range(w, len(self.runs), n):
                    pickle.dump((i, run_leiden(self.g, *self.runs[i])), out, protocol=pickle.HIGHEST_PROTOCOL)
                    out.flush()
            code = 0
        finally:
            os._exit(code)

    def _read(self, w: int, fd: int) -> None:
        try:
            with os.fdopen(fd, "rb") as f:
                while True:
                    i, res = pickle.load(f)
                    with self._cv:
                        self._results[i] = res
                        self._cv.notify_all()
        except Exception:  # EOF: the worker is done (or died)
            pass
        finally:
            with self._cv:  # reaped and marked at once: close() never signals a reused pid
                try:
                    os.waitpid(self._pids[w], 0)
                except ChildProcessError:  # pragma: no cover - already reaped
                    pass
                self._finished.add(w)
                self._cv.notify_all()

    def result(self, i: int) -> tuple[np.ndarray, float]:
        """``(membership, quality)`` of run ``i``."""
        n = self._n
        with self._cv:  # a worker that never started (w ≥ len(pids)) delivers nothing
            while n and i % n < len(self._pids) and i not in self._results and i % n not in self._finished:
                self._cv.wait()
            if i in self._results:
                return self._results.pop(i)
        return run_leiden(self.g, *self.runs[i])  # no workers, or the worker died

    def close(self) -> None:
        """Stop the workers still running."""
        with self._cv:
            for w, pid in enumerate(self._pids):
                if w not in self._finished:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:  # pragma: no cover - it just ended
                        pass
        for t in self._threads:
            t.join()

    def __enter__(self) -> "LeidenRuns":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
