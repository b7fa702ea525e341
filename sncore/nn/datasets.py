"""Small bundled tasks, no download: scikit-learn digits, Yin-Yang, Randman.

* :func:`digits` — the 1797 8x8 handwritten digits that ship with scikit-learn
  (``sklearn.datasets.load_digits``; UCI "optdigits" test part), 64 pixels scaled to
  ``[0, 1]`` (pixel / 16), 10 classes. scikit-learn is optional (``pip install scikit-learn``,
  or the ``train`` extra); without it :func:`digits` raises ``ImportError`` saying so.
* :func:`yinyang` — Kriener, Göltz & Petrovici (2021, ICONS '21, "The Yin-Yang dataset"),
  generated from its definition: a point ``(x, y)`` uniform in the disc of radius
  ``r_big = 0.5`` centred at ``(0.5, 0.5)``, with ``d_r, d_l`` its distances to the dot
  centres ``(0.75, 0.5)``, ``(0.25, 0.5)``::

      dot   if d_r < r_small or d_l < r_small                       (r_small = 0.1)
      yin   if d_r <= r_small or r_small < d_l <= r_big / 2 or (y > r_big and d_r > r_big / 2)
      yang  otherwise

  classes ``0 = yin, 1 = yang, 2 = dot``; inputs ``(x, y, 1 - x, 1 - y)``. Samples are
  drawn by rejection per class; the class of sample ``i`` is ``i mod 3`` (then shuffled), so
  the classes are exactly balanced (the original draws each goal class at random). The
  published splits use 5000 / 1000 / 1000 points and seeds 42 / 41 / 40; here any seed.
* :func:`randman` — Zenke & Vogels (2021, Neural Computation 33:899), random manifolds:
  class ``c`` is a smooth random map ``f_c: [0, 1]^D -> [0, 1]^M`` from a ``D``-dimensional
  intrinsic space to ``M`` input units. Each coordinate is a sum of 1-d random Fourier series
  over the intrinsic dimensions,
  ``f_cj(x) = sum_i sum_{k=1}^{K} k^(-alpha) a_cjik sin(2 pi (k x_i b_cjik + c_cjik))`` with
  ``a, b, c ~ U(0, 1)`` and ``K = ceil(prec^(-1/alpha))`` (terms below ``prec`` dropped;
  larger ``alpha``: smoother), then scaled per class and unit to ``[0, 1]`` by its minimum
  and maximum over a reference sample of 1000 points. A sample is a uniform ``x`` in
  ``[0, 1]^D``; unit ``j`` fires once, in step ``floor(f_cj(x) (T - 1))``. Our implementation
  of the paper's description (not the authors' code; no jitter added).

Splits: :func:`split` shuffles once with a fixed seed and cuts train / val / test; the test
part is never used to choose anything (see :mod:`sncore.nn.tasks`).

Example:
    >>> X, y = yinyang(3000, seed=0)            # X [3000, 4], y [3000] in {0, 1, 2}
    >>> (Xtr, ytr), (Xva, yva), (Xte, yte) = split(X, y, (0.8, 0.1, 0.1), seed=0)
    >>> S, y = randman(n_classes=4, n_per_class=50, n_units=20, n_steps=50, seed=1)   # S [50, 200, 20]
"""

from __future__ import annotations

import numpy as np

__all__ = ["digits", "randman", "split", "yinyang", "yinyang_class"]

YIN, YANG, DOT = 0, 1, 2


def digits() -> tuple[np.ndarray, np.ndarray]:
    """``(X [1797, 64] float32 in [0, 1], y [1797] int32)`` from scikit-learn's bundled copy."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError("sncore.nn.datasets.digits needs scikit-learn (its digits are bundled with it, no "
                          "download): pip install scikit-learn   (or: pip install 'sncore[train]')") from None
    d = load_digits()
    return (d.data / 16.0).astype(np.float32), d.target.astype(np.int32)


def yinyang_class(x, y, r_small: float = 0.1, r_big: float = 0.5) -> np.ndarray:
    """The class (0 yin, 1 yang, 2 dot) of points ``(x, y)`` inside the big circle (arrays)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    d_r = np.hypot(x - 1.5 * r_big, y - r_big)
    d_l = np.hypot(x - 0.5 * r_big, y - r_big)
    dot = (d_r < r_small) | (d_l < r_small)
    yin = (d_r <= r_small) | ((d_l > r_small) & (d_l <= 0.5 * r_big)) | ((y > r_big) & (d_r > 0.5 * r_big))
    return np.where(dot, DOT, np.where(yin, YIN, YANG)).astype(np.int32)


def yinyang(n: int, seed: int = 0, r_small: float = 0.1, r_big: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """``n`` Yin-Yang samples: ``(X [n, 4] float32 = (x, y, 1-x, 1-y), y [n] int32)``."""
    rng = np.random.default_rng(seed)
    goal = np.arange(n) % 3
    out = np.zeros((n, 2))
    for c in range(3):
        need = int((goal == c).sum())
        got = []
        while sum(len(g) for g in got) < need:
            p = rng.uniform(0.0, 2 * r_big, size=(4 * need + 16, 2))
            p = p[np.hypot(p[:, 0] - r_big, p[:, 1] - r_big) <= r_big]
            got.append(p[yinyang_class(p[:, 0], p[:, 1], r_small, r_big) == c])
        out[goal == c] = np.concatenate(got)[:need]
    perm = rng.permutation(n)
    xy, lab = out[perm], goal[perm].astype(np.int32)
    return np.concatenate([xy, 1.0 - xy], axis=1).astype(np.float32), lab


def _fourier(x, a, b, c, alpha):
    """``sum_i sum_k k^-alpha a_ik sin(2 pi (k x_i b_ik + c_ik))`` for ``x [P, D]``; a, b, c ``[D, K]``."""
    k = np.arange(1, a.shape[-1] + 1, dtype=float)
    arg = 2 * np.pi * (k * x[:, :, None] * b[None] + c[None])          # [P, D, K]
    return np.sum(k ** -alpha * a[None] * np.sin(arg), axis=(1, 2))


def randman(n_classes: int = 10, n_per_class: int = 100, n_units: int = 100, n_steps: int = 100,
            dim: int = 1, alpha: float = 2.0, prec: float = 1e-3, seed: int = 0,
            return_times: bool = False, return_latent: bool = False):
    """Randman spike-time data (see the module docstring): spikes ``[T, n, M]`` float32 (one spike
    per unit and sample) and labels ``[n]`` int32, samples shuffled; ``return_times=True`` gives
    the spike steps ``[n, M]`` int32 instead of the spike array; ``return_latent=True`` appends
    the intrinsic coordinates ``x [n, D]`` of each sample."""
    if not (alpha > 0 and 0 < prec < 1):
        raise ValueError(f"randman: alpha={alpha!r} must be > 0 and prec={prec!r} in (0, 1).")
    rng = np.random.default_rng(seed)
    K = int(min(np.ceil(prec ** (-1.0 / alpha)), 1000))
    times, labels, latent = [], [], []
    for cls in range(n_classes):
        a, b, c = (rng.uniform(size=(n_units, dim, K)) for _ in range(3))
        ref = rng.uniform(size=(1000, dim))
        x = rng.uniform(size=(n_per_class, dim))
        f = np.stack([_fourier(x, a[j], b[j], c[j], alpha) for j in range(n_units)], axis=1)
        fr = np.stack([_fourier(ref, a[j], b[j], c[j], alpha) for j in range(n_units)], axis=1)
        lo, hi = fr.min(0), fr.max(0)
        f = np.clip((f - lo) / (hi - lo), 0.0, 1.0)
        times.append(np.floor(f * (n_steps - 1)).astype(np.int32))
        labels.append(np.full(n_per_class, cls, np.int32))
        latent.append(x)
    perm = rng.permutation(n_classes * n_per_class)
    t, y = np.concatenate(times)[perm], np.concatenate(labels)[perm]
    out = t if return_times else (np.arange(n_steps)[:, None, None] == t[None]).astype(np.float32)
    return (out, y, np.concatenate(latent)[perm]) if return_latent else (out, y)


def split(X, y, fractions=(0.6, 0.2, 0.2), seed: int = 0):
    """Shuffle once with ``seed`` and cut into ``len(fractions)`` parts (the last takes the rest):
    a list of ``(X_part, y_part)``."""
    X, y = np.asarray(X), np.asarray(y)
    if abs(sum(fractions) - 1.0) > 1e-9:
        raise ValueError(f"split: fractions {fractions} must sum to 1.")
    perm = np.random.default_rng(seed).permutation(len(y))
    cuts = np.round(np.cumsum(fractions)[:-1] * len(y)).astype(int)
    return [(X[p], y[p]) for p in np.split(perm, cuts)]
