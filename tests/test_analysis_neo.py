"""Neo export (SpikeTrain, AnalogSignal, Segment/Block) and a cross-check of sncore.analysis
against Elephant's implementations of the same statistics on the exported objects.

Neo and Elephant are optional (``pip install neo elephant``, both in the ``test`` extra); the
tests skip where they are missing, except the ImportError test in tests/test_analysis.py.
"""

import brainunit as u
import numpy as np
import pytest

import sncore as sn
from sncore import SncoreError
from sncore import analysis as sa

neo = pytest.importorskip("neo", reason="neo not installed (pip install neo)")
pq = pytest.importorskip("quantities")

ms = u.ms


@pytest.fixture(scope="module")
def run():
    """30 iaf_psc_delta neurons on Poisson drive, spikes of all and V_m of 5 every 0.5 ms."""
    sim = sn.Simulator(dt=0.1 * ms, seed=11)
    pop = sim.create("iaf_psc_delta", 30, params={"tau_m": 10 * ms, "V_th": 15 * u.mV, "E_L": 0 * u.mV,
                                                  "V_reset": 0 * u.mV, "t_ref": 2 * ms},
                     init={"V_m": 0 * u.mV})
    noise = sim.create("poisson_generator", params={"rate": 30000 * u.Hz})
    sim.connect(noise, pop, weight=0.1 * u.mV, delay=1.0 * ms)
    rec = sim.create("spike_recorder")
    sim.connect(pop, rec)
    mm = sim.create("multimeter", params={"record_from": ["V_m"], "interval": 0.5 * ms})
    sim.connect(mm, pop[:5])
    sim.simulate(20 * ms)                       # a first call: the exported window starts at 20 ms
    res = sim.simulate(300 * ms)
    return res, pop, rec, mm


def test_spiketrain_times_units_window_and_round_trip():
    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(0.0, 2.0, 50))                        # seconds
    st = sa.to_neo(t * u.second, 0 * ms, 2 * u.second)
    assert isinstance(st, neo.SpikeTrain) and st.units == pq.ms
    assert float(st.t_start.magnitude) == 0.0 and float(st.t_stop.rescale("s").magnitude) == 2.0
    np.testing.assert_allclose(st.magnitude, t * 1000.0, rtol=1e-15)
    back = sa.from_neo(st)
    np.testing.assert_allclose(back.to_decimal(u.second), t, rtol=1e-15)
    # unsorted input is sorted on export (a neo SpikeTrain is a set of times)
    st = sa.to_neo([3.0, 1.0] * ms, 0 * ms, 5 * ms)
    np.testing.assert_array_equal(st.magnitude, [1.0, 3.0])
    with pytest.raises(SncoreError, match="ids has 1 entries for 2 trains"):
        sa.to_neo([[1.0] * ms, [2.0] * ms], 0 * ms, 5 * ms, ids=[3])


def test_result_to_neo_equals_split_by_sender(run):
    res, pop, rec, _ = run
    sts = sa.result_to_neo(res, rec, ids=pop)
    trains = sa.split_by_sender(*res.spikes(rec), ids=pop)
    assert len(sts) == 30 and sum(st.size for st in sts) > 100
    for st, tr, gid in zip(sts, trains, pop.global_ids):
        assert st.annotations["sender"] == int(gid)
        assert float(st.t_start.magnitude) == 20.0 and float(st.t_stop.magnitude) == 320.0
        np.testing.assert_array_equal(st.rescale("ms").magnitude, tr.to_decimal(ms))


def test_analogsignal_units_sampling_and_values(run):
    res, pop, _, mm = run
    tr = res.traces(mm)
    (sig,) = sa.traces_to_neo(res, mm)
    assert isinstance(sig, neo.AnalogSignal) and sig.name == "V_m"
    assert sig.units == pq.mV and sig.shape == (600, 5)
    assert float(sig.sampling_period.rescale("ms").magnitude) == pytest.approx(0.5, rel=1e-12)
    assert float(sig.t_start.rescale("ms").magnitude) == pytest.approx(float(tr["times"][0].to_decimal(ms)))
    np.testing.assert_array_equal(sig.magnitude, tr["V_m"].to_decimal(u.mV))
    np.testing.assert_allclose(sig.times.rescale("ms").magnitude, tr["times"].to_decimal(ms), rtol=1e-12)
    assert sig.annotations["senders"] == pop[:5].global_ids.tolist()


def test_block_has_one_segment_with_trains_and_signals(run):
    res, _, rec, mm = run
    blk = sa.result_to_block(res, recorders=[rec], meters=mm, name="run")
    assert isinstance(blk, neo.Block) and blk.name == "run" and len(blk.segments) == 1
    seg = blk.segments[0]
    # Neo derives a Segment's window from its children: the trains span [20, 320] ms, the
    # signal's last sample (at t_stop = 320 ms) ends one sampling period later
    assert all(float(st.t_start.magnitude) == 20.0 and float(st.t_stop.magnitude) == 320.0 for st in seg.spiketrains)
    assert float(seg.t_start.magnitude) == 20.0 and float(seg.t_stop.magnitude) == pytest.approx(320.5)
    times, senders = res.spikes(rec)
    assert len(seg.spiketrains) == len(np.unique(senders))
    assert sum(st.size for st in seg.spiketrains) == len(times)
    assert [s.name for s in seg.analogsignals] == ["V_m"]


# ---------------------------------------------------------------- Elephant on the same trains

def test_statistics_agree_with_elephant(run):
    es = pytest.importorskip("elephant.statistics", reason="elephant not installed (pip install elephant)")
    sd = pytest.importorskip("elephant.spike_train_dissimilarity")
    res, pop, rec, _ = run
    sts = sa.result_to_neo(res, rec, ids=pop)
    trains = sa.split_by_sender(*res.spikes(rec), ids=pop)
    long = [i for i, t in enumerate(trains) if len(t) >= 4]
    assert len(long) >= 10
    for i in long:
        d = es.isi(sts[i])
        np.testing.assert_allclose(sa.isi(trains[i]).to_decimal(ms), d.rescale("ms").magnitude, rtol=1e-12)
        assert sa.cv(trains[i]) == pytest.approx(es.cv(d), rel=1e-12)
        assert sa.cv2(trains[i]) == pytest.approx(es.cv2(d), rel=1e-12)
        assert sa.lv(trains[i]) == pytest.approx(es.lv(d), rel=1e-12)
        assert float(sa.firing_rate(trains[i], res.t_start * ms, res.t_stop * ms).to_decimal(u.Hz)) == \
            pytest.approx(float(es.mean_firing_rate(sts[i]).rescale("Hz").magnitude), rel=1e-12)
    # Fano factor across trains (one window): Elephant uses the population variance (ddof 0),
    # sncore the sample variance (ddof 1) -> factor n / (n - 1)
    n = len(trains)
    f = sa.fano_factor(trains, res.t_start * ms, res.t_stop * ms)
    assert f == pytest.approx(es.fanofactor(sts) * n / (n - 1), rel=1e-12)
    # distances: same Victor-Purpura; Elephant's van Rossum is normalised so that one spike
    # against none gives 1 (sncore: sqrt(1/2)), i.e. sqrt(2) times sncore's
    a, b = long[0], long[1]
    q = 0.2 / ms
    assert sa.victor_purpura(trains[a], trains[b], q) == pytest.approx(
        sd.victor_purpura_distance([sts[a], sts[b]], cost_factor=0.2 / pq.ms)[0, 1], rel=1e-9)
    assert np.sqrt(2) * sa.van_rossum(trains[a], trains[b], 5 * ms) == pytest.approx(
        sd.van_rossum_distance([sts[a], sts[b]], time_constant=5 * pq.ms)[0, 1], rel=1e-9)


def test_traces_to_neo_rejects_a_single_sample():
    sim = sn.Simulator(dt=0.1 * ms)
    pop = sim.create("iaf_psc_delta", 2)
    mm = sim.create("multimeter", params={"record_from": ["V_m"], "interval": 1.0 * ms})
    sim.connect(mm, pop)
    res = sim.simulate(1.0 * ms)
    with pytest.raises(SncoreError, match="at least 2 samples"):
        sa.traces_to_neo(res, mm)
