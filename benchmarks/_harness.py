"""Shared pieces of the benchmark scripts: running a peer simulator's script as a
subprocess, medians over repeats, the environment record."""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

Run = dict[str, Any]


def run_script(python: Path, script: Path, args: list[str], timeout_s: float,
               env: dict[str, str] | None = None) -> Run:
    """Run a peer script as a subprocess and return its last JSON line (or ``{"error": ...}``).

    ``env``: variables added to the subprocess's environment (e.g. ``OMP_WAIT_POLICY``).
    """
    cmd = [str(python), str(script), *args]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s,
                              cwd=HERE, env={**os.environ, **(env or {})})
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout_s:.0f} s"}
    wall_s = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        return {"error": f"exit {proc.returncode}: " + " | ".join(tail)}
    out: Run = json.loads(lines[-1])
    out["process_wall_s"] = wall_s
    return out


def medians(runs: list[Run]) -> Run:
    """Median of every numeric field over the runs without an error; other fields from
    the first run."""
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return {"error": runs[0]["error"] if runs else "no run"}
    out: Run = {}
    for key, val in ok[0].items():
        vals = [r[key] for r in ok if key in r]
        numeric = isinstance(val, (int, float)) and not isinstance(val, bool)
        if numeric and len(set(vals)) > 1:
            out[key] = statistics.median(float(v) for v in vals)
        else:
            out[key] = val  # non-numeric, or the same in every run (keeps ints as ints)
    out["n_runs"] = len(ok)
    return out


def _fmt(x: Any, width: int, prec: int = 3) -> str:
    if isinstance(x, (int, float)):
        return f"{x:>{width}.{prec}f}"
    return f"{'-':>{width}}"


def _git_revision() -> str | None:
    """Commit of the sncore checkout this script lives in, with ``+dirty`` for local edits."""
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, text=True,
                             capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "sncore"], cwd=HERE,
                               text=True, capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return rev + ("+dirty" if dirty else "")


def environment() -> dict[str, Any]:
    import jax

    import sncore

    return {
        "date_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "platform": platform.platform(), "machine": platform.machine(),
        "cpu_count": os.cpu_count(), "python": platform.python_version(),
        "sncore": sncore.__version__, "sncore_git": _git_revision(),
        "jax": jax.__version__,
        "jax_backend": jax.default_backend(), "jax_devices": [str(d) for d in jax.devices()],
    }


