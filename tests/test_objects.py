"""The object API (sncore.objects) against the Simulator API it translates to.

The same network written with objects and with sim.create/sim.connect (same order, same seed)
must give identical spikes and traces: one engine, so any difference is a translation bug.
Continuation (run(T1) + run(T2) == run(T1 + T2)) and backend selection are checked on the same
network; bad input must raise SncoreError naming what is allowed.
"""

import brainunit as u
import jax
import numpy as np
import pytest

import sncore as sn
from sncore.objects import (
    Network,
    PoissonInput,
    Population,
    Projection,
    SpikeMonitor,
    StateMonitor,
    StepCurrent,
    TimedArray,
)

NEURON = {"V_th": 20 * u.mV, "E_L": 0 * u.mV, "V_reset": 10 * u.mV, "t_ref": 2 * u.ms}
INIT = {"V_m": 0 * u.mV}
NE, NI = 80, 20
CHUNK = 100  # steps: every run below is a multiple, so each network compiles once


def _ms(q):
    return np.asarray(q.to_decimal(u.ms))


def _objects(durations, backend="auto"):
    E = Population(NE, params=NEURON, init=INIT, name="E")
    I = Population(NI, params=NEURON, init=INIT, name="I")
    noise = PoissonInput(E + I, rate=25 * u.Hz, n=1000, weight=0.1 * u.mV, delay=1.5 * u.ms)
    ee = Projection(E, E + I, rule=sn.conn.fixed_indegree(8), weight=0.1 * u.mV, delay=1.5 * u.ms)
    ie = Projection(I, E + I, rule=sn.conn.fixed_indegree(2), weight=-0.5 * u.mV, delay=0.8 * u.ms)
    mon = SpikeMonitor(E[10:60])
    vm = StateMonitor(I[:3], ["V_m"], interval=0.5 * u.ms)
    net = Network(E, I, noise, ee, ie, mon, vm, seed=7, chunk=CHUNK, backend=backend)
    for T in durations:
        net.run(T * u.ms)
    return net, mon, vm


def _simulator(duration):
    sim = sn.Simulator(dt=0.1 * u.ms, seed=7, chunk=CHUNK, backend="cpu")
    E = sim.create("iaf_psc_delta", NE, params=NEURON, init=INIT)
    I = sim.create("iaf_psc_delta", NI, params=NEURON, init=INIT)
    noise = sim.create("poisson_generator", params={"rate": 25000 * u.Hz})
    sim.connect(noise, E + I, weight=0.1 * u.mV, delay=1.5 * u.ms)
    sim.connect(E, E + I, rule=sn.conn.fixed_indegree(8), weight=0.1 * u.mV, delay=1.5 * u.ms)
    sim.connect(I, E + I, rule=sn.conn.fixed_indegree(2), weight=-0.5 * u.mV, delay=0.8 * u.ms)
    rec = sim.create("spike_recorder")
    sim.connect(E[10:60], rec)
    mm = sim.create("multimeter", params={"record_from": ["V_m"], "interval": 0.5 * u.ms})
    sim.connect(mm, I[:3])
    res = sim.simulate(duration * u.ms)
    return E, I, res, rec, mm


@pytest.fixture(scope="module")
def runs():
    return {"obj": _objects([60.0]), "split": _objects([20.0, 40.0], backend="cpu"), "sim": _simulator(60.0)}


def test_objects_equal_simulator(runs):
    net, mon, vm = runs["obj"]
    E, I, res, rec, mm = runs["sim"]
    t, senders = res.spikes(rec)
    assert mon.num_spikes > 50  # the network is active, so equality is not between empty records
    np.testing.assert_array_equal(_ms(mon.t), _ms(t))
    np.testing.assert_array_equal(mon.senders, senders)
    # mon.i is the index within the monitored selection E[10:60]
    np.testing.assert_array_equal(mon.i, senders - E.global_ids[10])
    assert mon.i.min() >= 0 and mon.i.max() < 50
    # rates: counts over the whole run, as Result.rates of the same neurons
    np.testing.assert_allclose(np.asarray(mon.rates.to_decimal(u.Hz)), np.asarray(res.rates(E[10:60]).to_decimal(u.Hz)))
    trains = mon.spike_trains()
    assert sum(len(v) for v in trains.values()) == mon.num_spikes
    # StateMonitor rows == multimeter events of each sender
    ev = res.events(mm)
    assert vm.V_m.shape == (3, 120)
    for j, gid in enumerate(I[:3].global_ids):
        m = ev["senders"] == gid
        np.testing.assert_array_equal(_ms(vm.t), _ms(ev["times"][m]))
        np.testing.assert_array_equal(np.asarray(vm.V_m[j].to_decimal(u.mV)),
                                      np.asarray(ev["V_m"][m].to_decimal(u.mV)))
    # the Network's Simulator is the NEST face of the same network
    assert net.simulator.t == pytest.approx(60.0)
    np.testing.assert_array_equal(net.nodes(net.objects[0]).global_ids, E.global_ids)


def test_run_continues(runs):
    _, mon, vm = runs["obj"]
    net2, mon2, vm2 = runs["split"]
    assert net2.t == 60 * u.ms
    np.testing.assert_array_equal(_ms(mon2.t), _ms(mon.t))
    np.testing.assert_array_equal(mon2.i, mon.i)
    np.testing.assert_array_equal(_ms(vm2.t), _ms(vm.t))
    np.testing.assert_array_equal(np.asarray(vm2.V_m.to_decimal(u.mV)), np.asarray(vm.V_m.to_decimal(u.mV)))


def test_backends(runs):
    # "split" ran with backend="cpu", "obj" with "auto": equal above; the state lives on the CPU
    net2 = runs["split"][0]
    assert {d.platform for leaf in jax.tree_util.tree_leaves(net2.simulator.state) for d in leaf.devices()} \
        == {"cpu"}
    if "tpu" not in [d.platform for d in jax.devices()]:
        for make in (lambda: Network(backend="tpu"), lambda: sn.Simulator(backend="tpu")):
            with pytest.raises(sn.SncoreError, match=r"backend 'tpu' is not available.*available: \['cpu'"):
                make()
    with pytest.raises(sn.SncoreError, match=r"'backend' must be one of \['auto', 'cpu', 'gpu', 'tpu'\]"):
        Network(backend="cuda0")
    if not jax.config.jax_enable_x64:
        with pytest.raises(sn.SncoreError, match="jax_enable_x64"):
            Network(dtype=np.float64)


def test_currents_equal_simulator_devices():
    """StepCurrent and TimedArray (given as target= and as Population(current=)) drive the same
    traces as step_current_generator and timed_current connected by hand."""
    table = np.array([[100.0, -40.0], [300.0, 0.0], [-50.0, 200.0], [0.0, 80.0]])
    times, amps = np.array([2.0, 5.0, 9.0]), np.array([400.0, -100.0, 250.0])
    quiet = {"V_th": 1e6 * u.mV}

    A = Population(2, "iaf_psc_exp", params=quiet, name="A")
    ta = TimedArray(table * u.pA, dt=2 * u.ms, target=A)
    B = Population(2, "iaf_psc_exp", params=quiet, name="B", current=TimedArray(table[:, 0] * u.pA, dt=1.5 * u.ms))
    sc = StepCurrent(A + B, times * u.ms, amps * u.pA, delay=0.5 * u.ms)
    vm = StateMonitor(A + B, "V_m")
    net = Network(A, ta, B, sc, vm, seed=0, chunk=CHUNK)
    net.run(12 * u.ms)

    sim = sn.Simulator(dt=0.1 * u.ms, seed=0, chunk=CHUNK)
    a = sim.create("iaf_psc_exp", 2, params=quiet)
    g1 = sim.create("timed_current", params={"values": table * u.pA, "dt": 2 * u.ms})
    sim.connect(g1, a, weight=1.0, delay=0.1 * u.ms)
    b = sim.create("iaf_psc_exp", 2, params=quiet)
    g2 = sim.create("timed_current", params={"values": table[:, 0] * u.pA, "dt": 1.5 * u.ms})
    sim.connect(g2, b, weight=1.0, delay=0.1 * u.ms)
    g3 = sim.create("step_current_generator", params={"amplitude_times": times * u.ms,
                                                      "amplitude_values": amps * u.pA})
    sim.connect(g3, a + b, weight=1.0, delay=0.5 * u.ms)
    mm = sim.create("multimeter", params={"record_from": ["V_m"], "interval": 0.1 * u.ms})
    sim.connect(mm, a + b)
    ev = sim.simulate(12 * u.ms).events(mm)
    v = np.asarray(vm.V_m.to_decimal(u.mV))
    assert v.shape == (4, 120) and np.ptp(v, axis=1).min() > 0.1  # every neuron is driven
    for j, gid in enumerate((a + b).global_ids):
        m = ev["senders"] == gid
        np.testing.assert_array_equal(v[j], np.asarray(ev["V_m"][m].to_decimal(u.mV)))
    # the two columns of A's table differ, so A's neurons differ; B's share one column
    assert not np.array_equal(v[0], v[1]) and np.array_equal(v[2], v[3])


def test_per_target_poisson_rates_equal_simulator():
    """Per-target rate and n: one poisson_generator per target, one_to_one."""
    rates = np.array([25.0, 30.0, 0.0, 40.0])
    P = Population(4, params=NEURON, init=INIT, name="P")
    mon = SpikeMonitor(P)
    net = Network(P, PoissonInput(P, rate=rates * u.Hz, n=np.array([1000, 1000, 5, 1000]), weight=0.1 * u.mV),
                  mon, seed=3, chunk=CHUNK)
    net.run(50 * u.ms)
    sim = sn.Simulator(seed=3, chunk=CHUNK)
    p = sim.create("iaf_psc_delta", 4, params=NEURON, init=INIT)
    g = sim.create("poisson_generator", 4, params={"rate": rates * [1000, 1000, 5, 1000] * u.Hz})
    sim.connect(g, p, "one_to_one", weight=0.1 * u.mV)
    rec = sim.create("spike_recorder")
    sim.connect(p, rec)
    t, s = sim.simulate(50 * u.ms).spikes(rec)
    assert len(s) > 5 and not np.any(mon.i == 2)  # the silent input leaves neuron 2 at rest
    np.testing.assert_array_equal(_ms(mon.t), _ms(t))
    np.testing.assert_array_equal(mon.senders, s)


@pytest.mark.parametrize("make, match", [
    (lambda: Population(3, "iaf_psc_dleta"), r"unknown neuron model 'iaf_psc_dleta'; allowed: \[.*'iaf_psc_delta'"),
    (lambda: Population("iaf_psc_delta", 3), r"write Population\(100, 'iaf_psc_delta'\)"),
    (lambda: Population(0), r"'n' must be an integer >= 1, got 0"),
    (lambda: Population(3, params={"tau": 5 * u.ms}), r"no parameter 'tau'; allowed"),
    (lambda: Population(3, params={"tau_m": 5.0}), r"'tau_m' needs a quantity in ms"),
    (lambda: Population(3, current=StepCurrent(Population(1), [1.0] * u.ms, [1.0] * u.pA)),
     "'current' must be a TimedArray"),
    (lambda: SpikeMonitor(Projection(Population(2), Population(2))),
     r"SpikeMonitor records a Population or a selection of one .*got a Projection"),
    (lambda: StateMonitor(Population(2), "g_ex"), r"no variable 'g_ex' to record; allowed: \['V_m'"),
    (lambda: Projection("E", Population(2)), r"'pre' must be a Population or a selection"),
    (lambda: PoissonInput(Population(3), rate=[1.0, 2.0] * u.Hz), r"shape \(2,\) does not match the 3"),
    (lambda: PoissonInput(Population(3), rate=1 * u.Hz, n=0), r"'n' \(trains per target\) must be an integer"),
    (lambda: Population(4)[::-1], "positive step"),
    (lambda: Network(Population(2)[:1]), r"selection of a Population .*allowed: \['Population', 'Projection'"),
    (lambda: Network("x"), r"got a str.*allowed: \['Population'"),
    (lambda: TimedArray(np.ones((3, 2)) * u.pA, target=Population(3)), "the table has 2 columns"),
])
def test_bad_input(make, match):
    with pytest.raises(sn.SncoreError, match=match):
        make()


def test_objects_of_another_network():
    E = Population(3, name="E")
    Network(E)
    with pytest.raises(sn.SncoreError, match="belongs to another Network"):
        Network(E)
    with pytest.raises(sn.SncoreError, match="'E', which belongs to another Network"):
        Network(Population(2), Projection(E, E))
    F = Population(2, name="F")
    net = Network(Projection(F, F, weight=0.1 * u.mV))  # F never added
    with pytest.raises(sn.SncoreError, match=r"Population 'F' is used by this Network but belongs to no Network"):
        net.run(1 * u.ms)  # raised while building, before anything compiles
    with pytest.raises(sn.SncoreError, match="no target"):
        Network(TimedArray(np.ones(3) * u.pA))
    G = Population(2)
    net = Network(G)
    net.build()  # as the first run does: the network is fixed from here on
    with pytest.raises(sn.SncoreError, match="after run"):
        net.add(SpikeMonitor(G))


def test_porting_example_runs():
    """docs/porting.md's example, executed (so the page cannot rot); it asserts that both faces
    give the same senders."""
    import pathlib
    import re

    text = (pathlib.Path(__file__).parents[1] / "docs" / "porting.md").read_text()
    code = "\n".join(re.findall(r"```python\n(.*?)```", text, re.DOTALL))
    ns: dict = {}
    exec(compile(code, "porting.md", "exec"), ns)  # noqa: S102 - running the docs is the point
    assert ns["spikes"].num_spikes > 0 and ns["vm"].V_m.shape == (3, 200)
