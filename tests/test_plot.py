"""sncore.plot: every figure renders to a non-trivial PNG, and its artists hold exactly the data
(one dot per spike, one line per recorded neuron, the dense weight matrix, numpy.histogram bar
heights), computed here independently with numpy from a small simulated network."""

import ast
import pathlib

import brainunit as u
import matplotlib

matplotlib.use("Agg")
import matplotlib.colors as mcolors
import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pytest

import sncore as sn
from sncore import analysis as sa
from sncore import plot
from sncore.plot import raster_and_rate  # the cli's import keeps working
from sncore.units import SncoreError

T_MS = 200.0
LIF = {"tau_m": 20 * u.ms, "V_th": 20 * u.mV, "E_L": 0 * u.mV, "V_reset": 0 * u.mV, "C_m": 1 * u.pF}


@pytest.fixture(scope="module")
def net():
    """40 iaf_psc_delta neurons (30 E, 10 I), Poisson drive, recurrent E/I connections, an STDP
    projection E -> I, a spike_recorder on all and a multimeter on 3 E neurons; 200 ms."""
    sim = sn.Simulator(dt=0.1 * u.ms, seed=3)
    ne = sim.create("iaf_psc_delta", 30, params=LIF, init={"V_m": 0 * u.mV})
    ni = sim.create("iaf_psc_delta", 10, params=LIF, init={"V_m": 0 * u.mV})
    noise = sim.create("poisson_generator", params={"rate": 20000 * u.Hz})
    drive = sim.connect(noise, ne + ni, weight=0.1 * u.mV, delay=1.5 * u.ms)
    ee = sim.connect(ne, ne + ni, rule=sn.conn.fixed_indegree(5), weight=0.2 * u.mV, delay=1.5 * u.ms)
    ie = sim.connect(ni, ne + ni, rule=sn.conn.fixed_indegree(2), weight=-0.5 * u.mV, delay=1.5 * u.ms)
    stdp = sim.connect(ne, ni, rule=sn.conn.fixed_indegree(4), weight=0.3 * u.mV, delay=1 * u.ms,
                       synapse={"synapse_model": "stdp_synapse", "Wmax": 1 * u.mV})
    rec = sim.create("spike_recorder")
    sim.connect(ne + ni, rec)
    mm = sim.create("multimeter", params={"record_from": ["V_m"], "interval": 0.5 * u.ms})
    sim.connect(mm, ne[:3])
    w0 = stdp.get("weight")
    res = sim.simulate(T_MS * u.ms)
    return {"sim": sim, "ne": ne, "ni": ni, "drive": drive, "ee": ee, "ie": ie, "stdp": stdp, "w0": w0,
            "rec": rec, "mm": mm, "res": res}


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _spikes(net):
    t, s = net["res"].spikes(net["rec"])
    return np.asarray(t.to_decimal(u.ms)), np.asarray(s)


def check_png(ax, path, min_colours=3, min_ink=0.005):
    """Save at 4 x 3 in, 50 dpi; the file must be a 200 x 150 PNG with some drawing on it."""
    fig = ax.figure
    fig.set_size_inches(4, 3)
    fig.savefig(path, dpi=50)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    img = mpimg.imread(path)
    assert img.shape[:2] == (150, 200)
    rgb = img[..., :3].reshape(-1, 3)
    assert len(np.unique(rgb, axis=0)) >= min_colours
    assert np.mean(np.any(rgb < 0.95, axis=1)) > min_ink  # not a blank white canvas


# ----------------------------------------------------------------------------- raster
def test_raster_one_dot_per_spike_in_its_row(net, tmp_path):
    t, s = _spikes(net)
    assert len(s) > 100
    ax = net["res"].plot_raster(net["rec"], groups={"E": net["ne"], "I": net["ni"]})
    check_png(ax, tmp_path / "raster.png")
    assert sum(len(line.get_xdata()) for line in ax.lines) == len(s)
    ids = np.concatenate([net["ne"].global_ids, net["ni"].global_ids])
    for line, pop, row0 in zip(ax.lines, (net["ne"], net["ni"]), (0, 30)):
        m = np.isin(s, pop.global_ids)
        np.testing.assert_array_equal(line.get_xdata(), t[m])
        np.testing.assert_array_equal(line.get_ydata(), [list(ids).index(x) for x in s[m]])
        assert np.all(line.get_ydata() >= row0) and np.all(line.get_ydata() < row0 + len(pop))
    c0, c1 = (mcolors.to_rgb(line.get_color()) for line in ax.lines)
    assert c0 != c1
    assert [x.get_text() for x in ax.get_legend().get_texts()] == ["E", "I"]


def test_raster_default_rows_cover_silent_neurons_and_bare_ms(net):
    t, s = _spikes(net)
    ax = plot.raster(None, t, s)  # bare ms, as the cli passes them; rows: unique senders
    assert ax.get_legend() is None
    assert sum(len(line.get_xdata()) for line in ax.lines) == len(s)
    ax = net["res"].plot_raster(net["rec"])  # default: every recorded neuron gets a row
    assert ax.get_ylim() == (-0.5, 39.5)


def test_raster_empty_draws_empty_axis(tmp_path):
    ax = plot.raster(None, np.zeros(0) * u.ms, np.zeros(0, int))
    check_png(ax, tmp_path / "empty.png", min_colours=2, min_ink=0.001)  # axes frame and labels
    assert sum(len(line.get_xdata()) for line in ax.lines) == 0


def test_raster_rejects_bad_layout_and_overlapping_groups():
    with pytest.raises(SncoreError, match="equal length"):
        plot.raster(None, [1.0, 2.0] * u.ms, [1])
    with pytest.raises(SncoreError, match="must be a time"):
        plot.raster(None, [1.0] * u.mV, [1])
    with pytest.raises(SncoreError, match="overlap"):
        plot.raster(None, [1.0] * u.ms, [1], groups=[("a", [1, 2]), ("b", [2, 3])])
    with pytest.raises(SncoreError, match="colors has 1 entries for 2 groups"):
        plot.raster(None, [1.0] * u.ms, [1], groups=[("a", [1]), ("b", [2])], colors=["r"])


def test_raster_and_rate_figure_for_the_cli(net, tmp_path):
    t, s = _spikes(net)
    fig = raster_and_rate(t, s, [("E", net["ne"].global_ids), ("I", net["ni"].global_ids)], 0.0, T_MS, "t")
    raster_ax, rate_ax = fig.axes
    assert sum(len(line.get_xdata()) for line in raster_ax.lines) == len(s)
    assert len(rate_ax.lines) == 2
    check_png(raster_ax, tmp_path / "fig.png")


# ----------------------------------------------------------------------------- rates
def test_rates_binned_equal_histogram_per_neuron(net, tmp_path):
    t, s = _spikes(net)
    ax = net["res"].plot_rates(net["rec"], groups=[("E", net["ne"]), ("I", net["ni"])], bin_size=10 * u.ms)
    check_png(ax, tmp_path / "rates.png")
    edges = np.arange(0.0, T_MS + 10, 10.0)
    assert len(ax.lines) == 2
    for line, pop in zip(ax.lines, (net["ne"], net["ni"])):
        counts, _ = np.histogram(t[np.isin(s, pop.global_ids)], edges)
        np.testing.assert_allclose(line.get_xdata(), edges[:-1] + 5.0)
        np.testing.assert_allclose(line.get_ydata(), counts / (len(pop) * 10e-3), rtol=1e-12)


def test_rates_gaussian_kernel_equals_direct_sum(net):
    t, s = _spikes(net)
    ax = plot.rates(None, t * u.ms, s, {"I": net["ni"]}, 0 * u.ms, T_MS * u.ms, 5 * u.ms, kernel="gaussian",
                    width=3 * u.ms)
    x = np.arange(2.5, T_MS, 5.0)
    ti = t[np.isin(s, net["ni"].global_ids)]
    direct = np.exp(-0.5 * ((x[:, None] - ti[None]) / 3.0) ** 2).sum(1) / (np.sqrt(2 * np.pi) * 3.0) / 10 * 1e3
    np.testing.assert_allclose(ax.lines[0].get_xdata(), x)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), direct, rtol=1e-9)


def test_rates_rejects_empty_group(net):
    with pytest.raises(SncoreError, match="group 'x' has no neurons"):
        plot.rates(None, [1.0] * u.ms, [1], {"x": []}, 0 * u.ms, 10 * u.ms)


# ----------------------------------------------------------------------------- traces
def test_traces_one_line_per_sender_with_threshold(net, tmp_path):
    ev = net["res"].events(net["mm"])
    ax = net["res"].plot_traces(net["mm"], "V_m", threshold=20 * u.mV)
    check_png(ax, tmp_path / "traces.png")
    t = np.asarray(ev["times"].to_decimal(u.ms))
    v = np.asarray(ev["V_m"].to_decimal(u.mV))
    ids = net["ne"][:3].global_ids
    assert len(ax.lines) == 3 + 1
    for line, sid in zip(ax.lines, ids):
        m = ev["senders"] == sid
        assert m.sum() == T_MS / 0.5
        np.testing.assert_array_equal(line.get_xdata(), t[m])
        np.testing.assert_array_equal(line.get_ydata(), v[m])
        assert line.get_label() == f"id {sid}"
    np.testing.assert_array_equal(ax.lines[-1].get_ydata(), [20.0, 20.0])
    assert ax.get_ylabel() == "V_m (mV)"
    ax = plot.traces(None, ev, senders=ids[1:2], threshold=0.02 * u.volt)  # converted to mV
    assert len(ax.lines) == 2 and ax.lines[-1].get_ydata()[0] == pytest.approx(20.0)


def test_traces_errors_name_what_is_available(net):
    ev = net["res"].events(net["mm"])
    with pytest.raises(SncoreError, match=r"no variable 'g_ex'; available: \['V_m'\]"):
        net["res"].plot_traces(net["mm"], "g_ex")
    with pytest.raises(SncoreError, match="multimeter events dict"):
        plot.traces(None, net["res"].traces(net["mm"]))  # the 2-D layout has no senders
    with pytest.raises(SncoreError, match="1-D of equal length"):
        plot.traces(None, {**ev, "V_m": ev["V_m"][:10]})
    with pytest.raises(SncoreError, match="were not recorded"):
        plot.traces(None, ev, senders=[40])
    with pytest.raises(SncoreError, match="does not match"):
        plot.traces(None, ev, threshold=1 * u.ms)
    with pytest.raises(SncoreError, match="no samples"):
        plot.traces(None, {"times": [] * u.ms, "senders": np.zeros(0, int), "V_m": [] * u.mV})


# ----------------------------------------------------------------------------- variability
def test_isi_and_cv_histograms_equal_numpy(net, tmp_path):
    t, s = _spikes(net)
    trains = sa.split_by_sender(t * u.ms, s, ids=net["ne"])
    plain = [t[s == i] for i in net["ne"].global_ids]
    d = np.concatenate([np.diff(x) for x in plain])
    ax = plot.isi_histogram(None, trains, bins=25)
    check_png(ax, tmp_path / "isi.png")
    counts, _ = np.histogram(d, np.linspace(0, d.max(), 26))
    np.testing.assert_array_equal([p.get_height() for p in ax.patches], counts)
    ax = plot.isi_histogram(None, plain, bins=10, max_isi=20)  # bare ms; longer ISIs are not drawn
    np.testing.assert_array_equal([p.get_height() for p in ax.patches], np.histogram(d, np.linspace(0, 20, 11))[0])

    cvs = np.array([np.std(np.diff(x)) / np.mean(np.diff(x)) for x in plain if len(x) >= 3])
    assert len(cvs) > 10 and cvs.max() < 0.5
    ax = plot.cv_histogram(None, trains, bins=12, range=(0, 0.5))
    check_png(ax, tmp_path / "cv.png")
    np.testing.assert_array_equal([p.get_height() for p in ax.patches], np.histogram(cvs, 12, (0, 0.5))[0])
    assert f"{len(cvs)} of 30 trains" in ax.get_title()


def test_variability_histograms_reject_trains_without_intervals():
    with pytest.raises(SncoreError, match="no inter-spike interval"):
        plot.isi_histogram(None, [[5.0] * u.ms, [] * u.ms])
    with pytest.raises(SncoreError, match="3 spikes"):
        plot.cv_histogram(None, [[5.0, 7.0] * u.ms])
    with pytest.raises(SncoreError, match="not sorted"):
        plot.isi_histogram(None, [[5.0, 1.0] * u.ms])


# ----------------------------------------------------------------------------- connectivity
def _dense_from_connections(sim, call, n_pre, n_post, pre_off, post_off):
    """W[i, j] summed from the raw Connection arrays (one block: position = global id - 1)."""
    W = np.zeros((n_pre, n_post))
    for c in sim.connections:
        if c.call == call:
            for a, b, w in zip(c.src, c.tgt, c.weight):
                W[a - pre_off, b - post_off] += w
    return W


@pytest.mark.parametrize("name, n_pre, pre_off", [("ee", 30, 0), ("ie", 10, 30)])
def test_connectivity_image_is_the_dense_weight_matrix(net, tmp_path, name, n_pre, pre_off):
    syn = net[name]
    pre = net["ne"] if name == "ee" else net["ni"]
    ax = plot.connectivity(None, syn, pre=pre, post=net["ne"] + net["ni"])
    check_png(ax, tmp_path / f"{name}.png")
    W = _dense_from_connections(net["sim"], syn.call, n_pre, 40, pre_off, 0)
    assert np.count_nonzero(W) > 0
    img = ax.images[0]
    np.testing.assert_allclose(np.asarray(img.get_array()), W, rtol=1e-6)
    lim = np.abs(W).max()
    assert img.get_clim() == pytest.approx((-lim, lim))  # diverging map centred at 0
    assert img.get_cmap().name == "RdBu_r"


def test_connectivity_binned_blocks_are_block_means(net):
    W = _dense_from_connections(net["sim"], net["ee"].call, 30, 40, 0, 0)
    ax = plot.connectivity(None, net["ee"], pre=net["ne"], post=net["ne"] + net["ni"], max_size=8)
    B = np.asarray(ax.images[0].get_array())
    assert B.shape == (8, 8)  # rows in blocks of ceil(30/8) = 4 (the last of 2), columns in blocks of 5
    for i in range(8):
        for j in range(8):
            assert B[i, j] == pytest.approx(W[4 * i:4 * i + 4, 5 * j:5 * j + 5].mean())
    assert "blocks of 4" in ax.get_ylabel() and "blocks of 5" in ax.get_xlabel()


def test_connectivity_inputs_agree(net):
    sim = net["sim"]
    W, rows, cols = plot.weight_matrix(net["ee"])
    conns = [c for c in sim.connections if c.call == net["ee"].call]
    W2, rows2, cols2 = plot.weight_matrix(conns, sim=sim)
    s, t, w, unit = plot.connection_arrays(net["ee"])
    W3, _, _ = plot.weight_matrix((s, t, w * u.mV))
    assert unit == "mV" and len(s) == 40 * 5
    np.testing.assert_array_equal(W, W2)
    np.testing.assert_array_equal(W, W3)
    np.testing.assert_array_equal(rows, rows2)
    np.testing.assert_array_equal(cols, cols2)
    np.testing.assert_array_equal(rows, np.arange(1, 31))  # ne's ids
    src, tgt, _, _ = plot.connection_arrays(net["drive"])  # generator sources keep their global id
    assert set(src) == {41} and np.array_equal(np.sort(tgt), np.arange(1, 41))
    W4, _, _ = plot.weight_matrix(([1, 1, 2], [3, 3, 4], [0.5, 0.25, -1.0]))
    np.testing.assert_array_equal(W4, [[0.75, 0.0], [0.0, -1.0]])
    with pytest.raises(SncoreError, match="pass sim=sim"):
        plot.weight_matrix(conns)
    with pytest.raises(SncoreError, match="expected a Synapses handle"):
        plot.connectivity(None, np.zeros((3, 3)))


def test_weight_histograms_before_after_equal_numpy(net, tmp_path):
    w0 = np.asarray(net["w0"].to_decimal(u.mV))
    w1 = np.asarray(net["stdp"].get("weight").to_decimal(u.mV))
    assert not np.allclose(w0, w1)  # STDP moved the weights
    ax = plot.weight_histogram(None, net["w0"], net["stdp"], bins=15)
    check_png(ax, tmp_path / "weights.png")
    edges = np.histogram_bin_edges(np.concatenate([w0, w1]), 15)
    assert len(ax.containers) == 2
    for bars, w in zip(ax.containers, (w0, w1)):
        np.testing.assert_allclose([p.get_height() for p in bars], np.histogram(w, edges)[0])
    assert ax.get_xlabel() == "weight (mV)"
    with pytest.raises(SncoreError, match="does not match"):
        plot.weight_histogram(None, net["w0"], w1 * u.ms)
    with pytest.raises(SncoreError, match="data are bare numbers"):
        plot.weight_histogram(None, w0, net["w0"])
    with pytest.raises(SncoreError, match="holds no weights"):
        plot.weight_histogram(None, np.zeros(0))


def test_core_modules_do_not_import_matplotlib():
    """matplotlib stays optional for the core: Result imports sncore.plot inside its methods."""
    root = pathlib.Path(sn.__file__).parent
    for f in ("__init__.py", "network/result.py", "network/__init__.py"):
        tree = ast.parse((root / f).read_text())
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        names = [a.name for n in top for a in n.names] + [getattr(n, "module", None) or "" for n in top]
        assert not any("matplotlib" in x or x.endswith("plot") for x in names), (f, names)
