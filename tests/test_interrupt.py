"""An interrupted run (Ctrl-C = SIGINT, kill = SIGTERM) leaves no half-written output file.

A real ``coordnet analyze`` runs in a subprocess on a generated input; the signal is sent
the moment a temporary output file is seen in the folder, i.e. in the middle of a write.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="sends POSIX signals")


@pytest.fixture(scope="module")
def big_input(tmp_path_factory):
    n = 100_000
    rng = np.random.default_rng(0)
    df = pd.DataFrame({
        "source": pd.Series(rng.integers(0, 20_000, n)).map("u{}".format),
        "target": pd.Series(rng.integers(0, 300, n)).map("t{}".format),
        "object_id": pd.Series(rng.integers(0, 30_000, n)).map("p{}".format),
        "timestamp": 1634764436 + rng.integers(0, 86_400 * 7, n),
    })
    p = tmp_path_factory.mktemp("big") / "big.csv"
    df.to_csv(p, index=False)
    return p


def _complete(path: Path) -> None:
    """Raise if the file is not a whole file of its kind."""
    data = path.read_bytes()
    assert data, f"{path.name} is empty"
    if path.suffix == ".csv":
        assert data.endswith(b"\n")
        pd.read_csv(path)
    elif path.suffix == ".json":
        json.loads(data)
    elif path.suffix in (".gexf", ".graphml", ".svg"):
        ET.fromstring(data)
    elif path.suffix == ".png":
        assert data.endswith(b"IEND\xaeB`\x82")
    elif path.suffix in (".md", ".html"):
        assert data.endswith(b"\n")


def _signal_state(pid: int) -> dict[str, str]:
    """Linux: each thread of ``pid`` with its blocked, ignored, caught and pending signal
    masks (``/proc``), to say why a signal was not acted on; else empty."""
    state = {}
    for task in sorted(Path(f"/proc/{pid}/task").glob("*")) if sys.platform.startswith("linux") else []:
        try:
            fields = dict(line.split(":\t", 1) for line in (task / "status").read_text().splitlines()
                          if ":\t" in line)
            name = (task / "comm").read_text().strip()
        except OSError:  # the thread ended
            continue
        state[f"{task.name} {name}"] = " ".join(f"{k}={fields.get(k, '?').strip()}"
                                               for k in ("SigBlk", "SigIgn", "SigCgt", "SigPnd", "ShdPnd"))
    return state


def _interrupt(input: Path, out: Path, sig: int, min_done: int) -> tuple[int, str, list[Any]]:
    """Run analyze; send ``sig`` when a temporary file is being written and at least
    ``min_done`` files are finished. Returns (exit code, stderr, what was seen then and
    the child's signal state just after the signal was sent)."""
    # SIGINT back to its default in the child: a test run started in the background of a
    # non-interactive shell (``pytest &``) ignores SIGINT, the child would inherit that and
    # Python then installs no Ctrl-C handler (the run would finish, exit 0)
    proc = subprocess.Popen([sys.executable, "-m", "coordnet", "analyze", str(input), "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen: list[Any] = []
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        names = os.listdir(out) if out.is_dir() else []
        if any(n.endswith(".tmp") for n in names) and \
                sum(not n.startswith(".") for n in names) >= min_done:
            proc.send_signal(sig)
            # (one run of about 165, in a full suite, exited 0 as if no SIGINT had come, and
            # was not reproduced. A KeyboardInterrupt caught and dropped on the way now ends
            # the run as interrupted all the same (test_cli); if it happens again, the masks
            # say if the signal was blocked or ignored)
            seen = [*names, _signal_state(proc.pid)]
            break
        time.sleep(0.0005)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err.decode(), seen


@pytest.mark.parametrize("sig, code, min_done", [(signal.SIGINT, 130, 0), (signal.SIGTERM, 143, 2)])
def test_interrupted_run_leaves_only_complete_files(big_input, tmp_path, sig, code, min_done):
    out = tmp_path / "out"
    rc, err, seen = _interrupt(big_input, out, sig, min_done)
    assert seen, f"the run finished before a write could be interrupted (exit {rc})"
    assert rc == code, (seen, err)
    assert "Interrupted: no output file was left half-written" in err
    assert "Traceback" not in err
    left = [p for p in out.rglob("*")]
    assert not [p.name for p in left if p.name.endswith(".tmp") or p.name.startswith(".")], left
    done = [p for p in left if p.is_file()]
    assert len(done) >= min_done
    for p in done:  # (the file being written may have been renamed just before the signal)
        _complete(p)
