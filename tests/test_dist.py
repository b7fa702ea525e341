"""Multi-device simulation (sncore.dist) gives the one-device run, spike for spike.

The sharded runs need several devices, which JAX fixes when it is first imported: they run in
subprocesses (tests/dist/run_case.py) with 4 fake CPU devices (XLA_FLAGS), or as two
``jax.distributed`` processes of 2 fake CPU devices each, and write their results to ``.npz``.
Every recorded quantity (spike times, senders, per-neuron counts, multimeter samples, final
neuron state) must be *equal* (``np.array_equal``) to the plain run of the same network.

Networks: Brunel (order 50: 250 iaf_psc_delta, Poisson drive, 1.5 ms delays; 250 = 4 x 63 - 2,
so the last shard holds two pad neurons), and a mixed network (an iaf_psc_exp block of two
populations and an iaf_psc_alpha block; Poisson, noise, dc and spike generators;
heterogeneous delays on the event path, a dense projection, a multimeter), and a third one
(escape noise, spike multiplicities, BCOO path, inhomogeneous Poisson, scheduled currents).
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

import brainunit as u
import jax
import numpy as np
import pytest

import sncore as sn

SCRIPT = Path(__file__).parent / "dist" / "run_case.py"
ROOT = Path(__file__).parent.parent


def _env(n_dev: int) -> dict:
    env = dict(os.environ, JAX_PLATFORMS="cpu", XLA_FLAGS=f"--xla_force_host_platform_device_count={n_dev}")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


def _launch(args: list, n_dev: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(SCRIPT), *map(str, args)], env=_env(n_dev),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait(procs: list, timeout: float = 600) -> None:
    for p in procs:
        out, _ = p.communicate(timeout=timeout)
        assert p.returncode == 0, out[-3000:]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Brunel on 0 (plain), 1, 2, 4 devices, the mixed network on 0 and 4, the third network on 0
    and 3 (two processes in parallel)."""
    d = tmp_path_factory.mktemp("dist")
    procs = [[("brunel", "0,1,2,4")], [("mixed", "0,4"), ("more", "0,3")]]  # two processes
    _wait([_launch([x for case, ks in jobs for x in (case, ks, d / f"{case}.npz")], 4) for jobs in procs])
    return {case: dict(np.load(d / f"{case}.npz")) for jobs in procs for case, _ in jobs}


def _assert_same(ref: dict, got: dict, k_ref: str, k: str) -> None:
    keys = [x[len(k_ref) + 1:] for x in ref if x.startswith(k_ref + "_")]
    assert keys
    for name in keys:
        a, b = ref[f"{k_ref}_{name}"], got[f"{k}_{name}"]
        assert a.shape == b.shape and np.array_equal(a, b), f"{name} differs on {k} devices"


@pytest.mark.parametrize("k", [1, 2, 4])
def test_brunel_sharded_equals_plain(runs, k):
    r = runs["brunel"]
    assert len(r["k0_a_times"]) > 100 and len(r["k0_b_times"]) > 100  # an active network
    assert len(np.unique(r["k0_state_iaf_psc_delta_V_m"])) > 100
    _assert_same(r, r, "k0", f"k{k}")


def test_mixed_network_sharded_equals_plain(runs):
    r = runs["mixed"]
    assert len(r["k0_a_times"]) > 50 and len(r["k0_a_mm_V"]) > 100
    _assert_same(r, r, "k0", "k4")


def test_escape_noise_multiplicities_bcoo_and_schedules_on_3_devices(runs):
    """gif_cond_exp (one uniform per neuron and step, drawn at the global position), parrot_neuron
    spikes with multiplicity (exchanged as floats), a BCOO projection, inhomogeneous Poisson,
    step_current_generator and timed_current; 17 and 10 neurons on 3 devices (pads in both); an event
    capacity of 4 spiking sources, so a chunk is re-run with a larger one."""
    r = runs["more"]
    s = r["k0_a_senders"]
    assert (s <= 17).sum() > 20 and (s > 17).sum() > 100
    assert r["k0_a_retries"] > 0  # a chunk was re-run with a larger event capacity (also sharded)
    _assert_same(r, r, "k0", "k3")


@pytest.mark.slow
@pytest.mark.parametrize("k", [1, 2])
def test_mixed_network_sharded_equals_plain_slow(runs, k, tmp_path):
    _wait([_launch(["mixed", k, tmp_path / "m.npz"], 4)])
    _assert_same(runs["mixed"], dict(np.load(tmp_path / "m.npz")), "k0", f"k{k}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def test_two_processes_jax_distributed_equal_plain(runs, tmp_path):
    """Two processes (jax.distributed on localhost, 2 fake CPU devices each, 4 in the mesh) run
    Brunel; both get the full result, equal to the one-process plain run."""
    port = _free_port()
    out = tmp_path / "b.npz"
    _wait([_launch(["brunel", 4, out, "--distributed", port, i, 2], 2) for i in range(2)], timeout=300)
    for f in (out, f"{out}.1.npz"):
        _assert_same(runs["brunel"], dict(np.load(f)), "k0", "k4")


def test_unsupported_and_bad_arguments_raise():
    sim = sn.Simulator(devices=jax.devices()[:1])
    a = sim.create("iaf_psc_exp", 4)
    sim.connect(a, a, synapse="stdp_synapse", weight=10.0 * u.pA)
    with pytest.raises(sn.SncoreError, match="plastic synapses"):
        sim.simulate(1.0 * u.ms)
    sim = sn.Simulator(devices=["cpu:0"])
    sim.create("iaf_psc_exp", 4)
    with pytest.raises(sn.SncoreError, match="list of jax devices"):
        sim.simulate(1.0 * u.ms)
    sim = sn.Simulator(devices=jax.devices()[:1])
    sim.create("iaf_psc_exp", 4)
    with pytest.raises(sn.SncoreError, match="compile"):
        sim.compile(1.0 * u.ms)
