"""Long runs keep memory flat: fixed-length chunks, recordings moved to the host after each
chunk, and no device arrays left behind that grow with the number of steps."""

import gc

import brainunit as u
import jax
import numpy as np
import pytest

import sncore as sn
from sncore.network.run import _chunk_len


def _live_bytes():
    gc.collect()
    return sum(a.nbytes for a in jax.live_arrays())


def _net():
    sim = sn.Simulator(dt=0.1 * u.ms, seed=2)
    pop = sim.create("iaf_psc_exp", 8, params={"I_e": 400.0 * u.pA})  # regular firing, ~25 Hz
    pg = sim.create("poisson_generator", params={"rate": 2000 * u.Hz})
    sim.connect(pg, pop, weight=20.0 * u.pA)
    rec = sim.create("spike_recorder")
    sim.connect(pop, rec)
    mm = sim.create("multimeter", params={"record_from": ["V_m"], "interval": 1.0 * u.ms})
    sim.connect(mm, pop[:2])
    return sim, pop, rec, mm


def _long_run(n_long):
    sim, _pop, rec, mm = _net()
    short = sim.simulate(1000 * u.ms, progress=False)      # 10^4 steps
    base = _live_bytes()
    long = sim.simulate(n_long * 0.1 * u.ms, progress=False)
    grown = _live_bytes() - base
    L = _chunk_len(sim)
    # every compiled chunk has the fixed length (or the remainder of a run): bounded buffers
    assert all(key[0] <= L for key in sim._compiled)
    assert len({key[0] for key in sim._compiled}) <= 3
    # device memory does not grow with the run: at most the state's own size (no per-step arrays)
    state_bytes = sum(np.asarray(x).nbytes for x in jax.tree_util.tree_leaves(sim.state))
    assert grown <= state_bytes + 4096, (grown, state_bytes)
    # nothing lost: every spike and sample of the long run reaches the host
    t, _s = long.spikes(rec)
    assert len(t) == int(long.counts["iaf_psc_exp"].sum()) > 0
    assert len(long.events(mm)["times"]) == 2 * n_long // 10
    assert len(short.spikes(rec)[0]) > 0
    return long


def test_1e5_steps_memory_flat():
    _long_run(100_000)


@pytest.mark.slow
def test_1e6_steps_memory_flat():
    _long_run(1_000_000)
