"""Resource estimates of an emitted design with yosys: :func:`resource_report`.

``synth_ice40 -device u`` (iCE40 UP5K: 5,280 LUT4, 30 EBR of 4 kbit) and ``synth_xilinx -family
xc7`` (7-series); ``stat`` is parsed into LUT / FF / BRAM (and LUTRAM, carry) counts.  These are
post-synthesis numbers (no place and route, no timing).

Example:
    >>> rep = resource_report("build/demo", targets=("ice40",))
    >>> sorted(rep["ice40"])
    ['bram', 'carry', 'cells', 'ff', 'lut', 'lutram', 'seconds']
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

from ..units import SncoreError

__all__ = ["SYNTH", "parse_stat", "resource_report"]

SYNTH = {
    "ice40": "synth_ice40 -device u -top {top}",
    "xc7": "synth_xilinx -family xc7 -top {top}",
}

_KIND = [  # (regex on the cell name, category)
    (r"^SB_LUT4$|^LUT\d$", "lut"),
    (r"^SB_DFF\w*$|^FD[RSCP]E?$", "ff"),
    (r"^SB_RAM40_4K\w*$|^SB_SPRAM256KA$|^RAMB(18|36)E\d$", "bram"),
    (r"^RAM\d+[XM]\w*$", "lutram"),
    (r"^SB_CARRY$|^CARRY4$", "carry"),
]


def parse_stat(text: str) -> dict:
    """Cell counts of the last ``stat`` block in ``text`` grouped by :data:`_KIND`."""
    block = text[text.rfind("Number of cells"):]
    out = {"lut": 0, "ff": 0, "bram": 0, "lutram": 0, "carry": 0, "cells": {}}
    for name, count in re.findall(r"^\s+(\$?[A-Za-z_][\w$]*)\s+(\d+)\s*$", block, re.MULTILINE):
        out["cells"][name] = int(count)
        for pat, kind in _KIND:
            if re.match(pat, name):
                out[kind] += int(count)
                break
    return out


def resource_report(design, targets=("ice40", "xc7"), timeout: float = 300) -> dict:
    """Synthesise the design in ``design`` (its ``manifest.json`` names the RTL and top) for each
    target and return ``{target: {lut, ff, bram, lutram, carry, cells, seconds}}``."""
    design = Path(design)
    if shutil.which("yosys") is None:
        raise SncoreError("hdl report: yosys is not installed (apt-get install yosys).")
    mf = design / "manifest.json"
    if not mf.exists():
        raise SncoreError(f"hdl report: {mf} not found; run `sncore hdl lower` first.")
    man = json.loads(mf.read_text())
    out = {}
    for tgt in targets:
        if tgt not in SYNTH:
            raise SncoreError(f"hdl report: target {tgt!r} unknown; allowed: {sorted(SYNTH)}.")
        log = f"stat_{tgt}.txt"
        script = (f"read_verilog {' '.join(man['rtl'])}; " + SYNTH[tgt].format(top=man["top"])
                  + f"; tee -q -o {log} stat")
        t0 = time.perf_counter()
        r = subprocess.run(["yosys", "-q", "-p", script], cwd=design, capture_output=True, text=True,
                           timeout=timeout, check=False)
        if r.returncode != 0:
            raise SncoreError(f"hdl report: yosys failed for {tgt}:\n{r.stderr[-2000:]}{r.stdout[-2000:]}")
        out[tgt] = parse_stat((design / log).read_text()) | {"seconds": round(time.perf_counter() - t0, 2)}
    return out
