"""Regenerate the Brian2 reference rates of the COBA network (tests/test_coba.py).

Runs benchmarks/peers/brian2_coba.py (the same equations as ``sncore.zoo.coba``, Brian2
cpp_standalone, rk4) for several seeds with Brian2's own Python and writes
tests/reference/brian2_coba.json with the per-seed E and I rates over 1 s:

    /work/peers/brian2/bin/python tests/reference/make_brian2_coba.py [--seeds 1 2 3 4 5]

(See ../shared/reference/peers.md for installing Brian2 2.11 under Python 3.13.)
"""

import argparse
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--T", type=float, default=1000.0)
    a = ap.parse_args()
    runs = []
    for seed in a.seeds:
        out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "peers" / "brian2_coba.py"),
                              "--scale", str(a.scale), "--seed", str(seed), "--T", str(a.T)],
                             check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        runs.append({k: r[k] for k in ("seed", "rate_E", "rate_I", "n_connections")})
        print(runs[-1], flush=True)
    data = {"brian2_version": r["version"], "scale": a.scale, "T_ms": a.T, "dt_ms": 0.1,
            "method": "rk4, cpp_standalone", "runs": runs}
    path = pathlib.Path(__file__).with_name("brian2_coba.json")
    path.write_text(json.dumps(data, indent=1))


if __name__ == "__main__":
    main()
