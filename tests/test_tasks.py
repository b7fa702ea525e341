"""Bundled tasks (sncore.nn.datasets, sncore.nn.tasks), ``sncore train`` and the pretrained
digits model."""

import json
import sys

import numpy as np
import pytest

from sncore.nn import datasets


def _need_sklearn():
    pytest.importorskip("sklearn", reason="scikit-learn (the 'train' extra) is needed for digits")


def test_yinyang_balanced_inputs_and_known_points():
    X, y = datasets.yinyang(3000, seed=3)
    assert X.shape == (3000, 4) and X.dtype == np.float32
    np.testing.assert_array_equal(np.bincount(y), [1000, 1000, 1000])
    np.testing.assert_allclose(X[:, 2:], 1.0 - X[:, :2], atol=1e-7)
    assert np.all(np.hypot(X[:, 0] - 0.5, X[:, 1] - 0.5) <= 0.5)
    np.testing.assert_array_equal(datasets.yinyang_class(X[:, 0], X[:, 1]), y)
    # points read off the symbol: dot centres, top / bottom, ring around the left dot, right half below
    pts = {(0.25, 0.5): 2, (0.75, 0.5): 2, (0.5, 0.9): 0, (0.5, 0.1): 1, (0.1, 0.5): 0, (0.25, 0.7): 0,
           (0.9, 0.5): 1, (0.75, 0.3): 1, (0.75, 0.62): 1, (0.25, 0.38): 0}
    got = datasets.yinyang_class([p[0] for p in pts], [p[1] for p in pts])
    np.testing.assert_array_equal(got, list(pts.values()))
    assert not np.array_equal(datasets.yinyang(30, seed=4)[0], datasets.yinyang(30, seed=5)[0])


def test_yinyang_areas_and_point_symmetry():
    """Uniform points in the disc: dots take 2 pi r_s^2 / (pi R^2) = 0.08 of the area, yin and
    yang 0.46 each; the symbol maps yin onto yang under (x, y) -> (1 - x, 1 - y)."""
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 1, (200_000, 2))
    p = p[np.hypot(p[:, 0] - 0.5, p[:, 1] - 0.5) <= 0.5]
    c = datasets.yinyang_class(p[:, 0], p[:, 1])
    frac = np.bincount(c, minlength=3) / len(c)
    sd = np.sqrt(0.46 * 0.54 / len(c))
    np.testing.assert_allclose(frac, [0.46, 0.46, 0.08], atol=5 * sd)
    m = datasets.yinyang_class(1 - p[:, 0], 1 - p[:, 1])
    swap = np.array([1, 0, 2])
    agree = np.mean(swap[c] == m)
    assert agree > 0.999   # disagreement only on measure-zero boundaries (ties in <= / <)


def test_randman_one_spike_per_unit_smooth_and_reproducible():
    S, y = datasets.randman(n_classes=3, n_per_class=40, n_units=12, n_steps=50, seed=1)
    assert S.shape == (50, 120, 12) and y.shape == (120,)
    np.testing.assert_array_equal(S.sum(axis=0), 1.0)
    np.testing.assert_array_equal(np.bincount(y), [40, 40, 40])
    S2, _ = datasets.randman(n_classes=3, n_per_class=40, n_units=12, n_steps=50, seed=1)
    np.testing.assert_array_equal(S, S2)
    t, y, x = datasets.randman(n_classes=2, n_per_class=400, n_units=8, n_steps=1000, dim=1, alpha=2.0,
                               seed=2, return_times=True, return_latent=True)
    assert t.min() >= 0 and t.max() <= 999 and x.shape == (800, 1)
    for c in range(2):   # smooth in the latent coordinate: close x, close spike times
        o = np.argsort(x[y == c, 0])
        dx = np.diff(x[y == c, 0][o])
        dt = np.abs(np.diff(t[y == c][o], axis=0)).max(axis=1)
        close = dx < 1e-3
        assert close.sum() > 10 and dt[close].max() < 60   # Lipschitz bound K pi sum k^-1 ~ 60 steps/1e-3
        assert dt.max() > 20                                 # but the map is not flat
    assert np.abs(t[y == 0].mean(0) - t[y == 1].mean(0)).max() > 20   # the classes differ


def test_digits_loads_and_split_is_fixed():
    _need_sklearn()
    X, y = datasets.digits()
    assert X.shape == (1797, 64) and X.min() == 0 and X.max() == 1
    a = datasets.split(X, y, (0.6, 0.2, 0.2), seed=0)
    b = datasets.split(X, y, (0.6, 0.2, 0.2), seed=0)
    assert [len(p[1]) for p in a] == [1078, 360, 359]
    np.testing.assert_array_equal(a[2][0], b[2][0])


def test_digits_without_sklearn_names_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        datasets.digits()


@pytest.mark.parametrize("task,subset", [("digits", 256), ("yinyang", 512)])
def test_cli_train_one_epoch_subset(task, subset, capsys, tmp_path):
    from sncore.cli import main

    if task == "digits":
        _need_sklearn()
    out = tmp_path / f"{task}.eqx"
    assert main(["train", task, "--epochs", "1", "--subset", str(subset), "--seed", "0", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("epoch 1/1")
    res = json.loads(lines[-1])
    for k in ("task", "epochs", "seed", "train_acc", "val_acc", "test_acc", "initial_loss", "final_loss", "model"):
        assert k in res
    assert res["task"] == task and res["n_train"] == subset
    assert res["final_loss"] < res["initial_loss"]
    assert out.exists() and out.with_suffix(".json").exists()


def test_pretrained_digits_reaches_97_percent_on_held_out_test():
    from sncore.nn.tasks import evaluate, load_task
    from sncore.zoo import load_pretrained

    _need_sklearn()
    model, info = load_pretrained("digits")
    _, _, (X, y) = load_task("digits")
    acc, _ = evaluate(model, info["arch"], X, y)
    assert acc == pytest.approx(info["result"]["test_acc"], abs=1e-6)
    assert acc >= 0.97


@pytest.mark.slow
@pytest.mark.parametrize("task,target", [("digits", 0.97), ("yinyang", 0.96)])
def test_full_training_reaches_target(task, target):
    from sncore.nn.tasks import train_task

    if task == "digits":
        _need_sklearn()
    _, res = train_task(task, seed=0)
    assert res["test_acc"] >= target
